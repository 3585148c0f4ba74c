// explain: the article's debugging formula, automated, on ONE trace.
//
// explain() finds the error message (the last write to fd 2 or a terminal
// by a process that exited non-zero, nearest the root of the process tree,
// its pieces joined; or the write that carries a given text), then works
// upward in the process that wrote it to the failing call that explains
// it: the nearest one whose error text the message quotes, else the nearest
// one; a child that failed after it wins (a shell's "cmd || echo failed").
// Benign failures are skipped: lookups whose name later succeeds in the
// same process (PATH search, the loader's library search), isatty and
// socket probes, interrupted or would-block calls, removing what is absent,
// glibc's optional files. A non-blocking connect's error is read from
// getsockopt(SO_ERROR).
// Relative paths are resolved with the cwd tracked through chdir/fchdir and
// inherited across fork. When the message was read from a socket or pipe,
// the other end is found in the trace (bind/connect/accept on the same
// address, socketpair, pipe, or -y inode annotations), following fds across
// fork, dup and exec, and the search continues in the writer. File
// descriptors are tracked from the calls themselves, so strace logs without
// -y work too.
//
// The result is a chain of links (message, received, sent, cause); it is a
// value: rendering (text, JSON per docs/explain-format.md) never re-runs the
// search. Nothing here prints or exits; an empty trace is not an error, it
// simply explains nothing (found == false).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/trace.h"

namespace tracediff::explain {

struct ExplainOptions {
  /// Look for the write carrying this text instead of the last stderr write.
  std::optional<std::string> message;
  /// Longest data shown in rendered calls (strace's -s).
  std::size_t max_string = 64;
};

/// One step of the chain, from the message back to its cause.
struct ExplainLink {
  enum class Kind {
    Message,   ///< the error message as the user saw it
    Received,  ///< the message (or its source) was read from a socket or pipe
    Sent,      ///< ... and written there by this call of another process
    Child,     ///< a child process that failed before the message
    Cause,     ///< the failing call that explains it
  };
  Kind kind = Kind::Message;
  std::int32_t pid = 0;          ///< process (thread group)
  std::int32_t tid = 0;
  std::string process;           ///< program name (last exec), "" if unknown
  std::size_t event = 0;         ///< index into Trace::events
  std::uint32_t line = 0;        ///< line in an imported log, 0 for recordings
  std::string call;              ///< the call, strace-style, without pid
  std::string text;              ///< Message/Received/Sent: the data
  std::string channel;           ///< "stderr", "Unix socket connected to /run/x", ...
  std::string exit;              ///< Message/Child: how the process ended
  // Cause only:
  std::string syscall;
  std::string path;              ///< absolute when it could be resolved
  std::string cwd;               ///< the cwd used to resolve a relative path
  std::string err;               ///< errno name
  std::string err_text;          ///< "No such file or directory"
  std::optional<std::uint32_t> uid, gid;       ///< the caller's effective ids, when known
  std::optional<std::vector<std::uint32_t>> groups;
  std::string creds_from;        ///< where the ids come from: "snapshot", "setresuid at line 12", "header"
  std::optional<PermSnapshot> perm;            ///< the recorder's snapshot
  std::vector<std::string> tried;  ///< every path of the same failed lookup, in order
  std::string hint;              ///< one sentence on what the error means here
};

/// Everything explain() found.
struct Explanation {
  bool found = false;            ///< a cause was identified (exit status 0)
  std::string message;           ///< the message text (empty if none found)
  std::vector<ExplainLink> chain;  ///< message first, cause last
  std::string summary;           ///< one sentence
  std::vector<std::string> notes;  ///< why the chain stops, what to record next
};

/// Runs the formula on `t`. Never throws on odd traces: whatever cannot be
/// resolved ends the chain with a note.
Explanation run(const Trace& t, const ExplainOptions& opt = {});

/// Terminal text (no colour).
std::string render_explanation_text(const Explanation& x, const std::string& trace_file);
/// The versioned JSON object of docs/explain-format.md (one line, newline-terminated).
std::string explanation_to_json(const Explanation& x, const std::string& trace_file);

/// "kind" names used in JSON: "message", "received", "sent", "child", "cause".
const char* to_string(ExplainLink::Kind k);

}  // namespace tracediff::explain

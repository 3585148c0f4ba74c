// Internals of the strace importer: the line prefix scanner (pid, time) and
// the argument/result grammar. Hand-written single-pass scanners over
// string_views: the importer must run at 100 MB/s or more, so nothing here
// uses regular expressions or allocates per character.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace.h"

namespace tracediff::strace::detail {

/// Removes ANSI escape sequences (ESC [ ... final byte) from `line`. Returns
/// `line` itself when it has none, else a view of `scratch`.
std::string_view strip_ansi(std::string_view line, std::string& scratch);

/// How a line's timestamp was written.
enum class StampKind : std::uint8_t { None, TimeOfDay, Epoch, Relative };

/// What precedes the call on a line: `[pid  1234] `, `1234  `, `1234<comm> `,
/// then `12:00:00.123456 ` / `1700000000.123456 ` / `     0.000123 `.
struct LinePrefix {
  std::int32_t pid = 0;        ///< 0: the line had no pid prefix
  StampKind stamp = StampKind::None;
  std::int64_t stamp_ns = 0;   ///< as written (time of day, epoch or delta)
};

/// Consumes the prefix from `s`. Never fails: what is not a prefix stays.
void parse_prefix(std::string_view& s, LinePrefix& out);

/// Parses "S.F" seconds (F up to 9 digits) into ns; false when malformed.
bool parse_seconds(std::string_view s, std::int64_t& ns);

/// Decodes the bytes of a C string body (without the quotes): \n \t \r \f \v
/// \a \b \e \\ \" \' \? \xHH and 1-3 digit octal.
void decode_escapes(std::string_view body, std::string& out);
/// The same into a CompactString field of the model.
inline void decode_escapes(std::string_view body, CompactString& out) {
  std::string decoded;
  decode_escapes(body, decoded);
  out = decoded;
}

/// Parses a comma-separated argument list starting at `pos` up to and
/// including the closing `)`, appending to `out`. Returns false when the text
/// is not a well-formed list; `pos` is then unspecified.
bool parse_arg_list(std::string_view s, std::size_t& pos, ArgList& out);

/// The fallback for a list that parse_arg_list refused: the list is split
/// at its top-level commas up to its closing `)`, and each argument that is
/// not one well-formed value is kept as written (ArgKind::Other, with its
/// name when it has "name="), so that a call is never lost to one value
/// the grammar does not know. False only when the list itself is broken: it
/// never closes, a string in it never ends, or a bracket does not match.
bool parse_arg_list_lenient(std::string_view s, std::size_t& pos, ArgList& out);

/// strace 4.x wrote what sigreturn restored between the call and its
/// result: "sigreturn() (mask [HUP INT TERM]) = -1 EINTR". `inner` is the
/// text between those parentheses; `out` becomes an argument named by its
/// first word whose value is the rest (mask=[HUP INT TERM]), or, when it is
/// not that shape, the text as written (ArgKind::Other).
void parse_aside(std::string_view inner, Arg& out);

/// Parses what follows the closing `)` of a call: ` = 3</etc/x> <0.000012>`,
/// `= -1 ENOENT (No such file or directory)`, `= ? <unavailable>`, ...
/// `dur_ns` is set when a -T duration is present. False when malformed.
bool parse_result(std::string_view s, Result& r, std::int64_t& dur_ns);

// ---- The body of one line, after its prefix (lines.cc) ----
//
// Each parser fills `ev` from one kind of line and says whether the line was
// that kind. None keeps state between lines or touches the event queue: what
// an unfinished call waits for, and what a completed one implies, is the
// importer's. `scratch` is a buffer the caller reuses between lines, so that
// joining texts does not allocate per line. On false, `ev` may be partly
// filled; a caller that tries another shape next passes the same `ev`.

/// Characters of a call name (and of an identifier in general).
inline bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
inline std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
inline std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}
/// A decimal int32 ("-12"), nothing else around it.
bool parse_i32(std::string_view s, std::int32_t& v);

/// How a call line ends.
enum class CallEnd : std::uint8_t {
  NotACall,    ///< not a well-formed call line
  Whole,       ///< "name(args) = result": args and result parsed
  Unfinished,  ///< "name(args <unfinished ...>": the result comes on a resumed line
  Detached,    ///< "name(args <detached ...>": the tracer left during the call
};

/// A call line: name, arguments and, when whole, result and -T duration.
/// For Unfinished and Detached the arguments written so far are parsed when
/// they form a list (else left empty), and `start` is their text, which the
/// resumed line continues (a view into `body`).
CallEnd parse_call_line(std::string_view body, Event& ev, std::string_view& start, std::string& scratch);

/// "ARGS) = RESULT" of a call in one piece (after its "name(").
bool parse_call_rest(std::string_view rest, Event& ev);

/// "<... NAME resumed>REST": the name and what follows, leading blanks cut.
bool parse_resumed_head(std::string_view body, std::string_view& name, std::string_view& rest);

/// The end of a call joined to its start: `start` is what the unfinished
/// line held, `rest` what the resumed line holds. Both splits strace has used
/// are accepted: "read(3, " + "\"abc\", 4096) = 3" and (6.16+) "read(3" +
/// ", \"abc\", 4096) = 3".
bool parse_resumed_call(std::string_view start, std::string_view rest, ArgList& args, Result& r,
                        std::int64_t& dur_ns, std::string& scratch);

/// "accept(7, NULL, NULL" on the final line of a log: a call still running
/// when the log was taken. Parsed as an unfinished call.
bool parse_cut_call_line(std::string_view body, Event& ev, std::string& scratch);

/// "--- SIGCHLD {si_signo=SIGCHLD, ...} ---", "--- stopped by SIGTSTP ---",
/// and strace 4.x's "--- SIGCHLD (Child exited) @ 0 (0) ---".
bool parse_signal_line(std::string_view body, Event& ev, std::string& scratch);

/// "+++ exited with 0 +++", "+++ killed by SIGKILL (core dumped) +++",
/// "+++ superseded by execve in pid 12 +++".
bool parse_process_line(std::string_view body, Event& ev);

/// "strace: Process 12 attached" / "... detached" (and strace 4.x's
/// "Process 12 attached - interrupt to quit"): sets ev.tid to that pid.
bool parse_strace_message(std::string_view body, Event& ev);

}  // namespace tracediff::strace::detail

// Internal to explain/: replays a trace's calls to know, at every event,
// what each fd refers to, the cwd, and the caller's ids.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/paths.h"
#include "model/trace.h"

namespace tracediff::explain::detail {

/// An open file description. Shared (by pointer) between the fds that
/// dup/fork/exec make of it, so an fd inherited by a child is recognisably
/// the same connection as its parent's.
struct OpenFile {
  enum Kind { Unknown, Stdio, File, Tty, Socket, Pipe } kind = Unknown;
  int stdio = -1;            ///< Stdio: the fd number inherited from outside the trace
  std::string path;          ///< File/Tty: absolute (or as given when unresolvable)
  std::string ref;           ///< last -y annotation seen ("UNIX-STREAM:[1->2]", "pipe:[3]")
  std::string family;        ///< Socket: "AF_UNIX", "AF_INET", ...
  std::string local;         ///< Socket: bound (or, accepted: listener's) address
  std::string remote;        ///< Socket: address connected to
  bool accepted = false;     ///< Socket: returned by accept
  std::int32_t origin_pid = 0;        ///< who created it (accept, pipe, socketpair)
  std::size_t origin_event = 0;
  int pair = -1;             ///< socketpair / pipe id (shared by both ends)
  int end = -1;              ///< 0/1 of a socketpair; pipe: 0 read end, 1 write end
};
using FileRef = std::shared_ptr<OpenFile>;

/// The caller's effective ids, when known, and where they came from.
struct KnownCreds {
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::vector<std::uint32_t>> groups;
  std::string from;  ///< "header", "setresuid at line 12"
};

/// What the replay knew just before one event ran.
struct EventContext {
  FileRef fd;                ///< the referent of the call's fd argument
  std::string path;          ///< the main path argument, absolute when resolvable
  std::string cwd;           ///< the cwd used for it ("" unknown)
  KnownCreds creds;
};

/// The replay of a whole trace.
struct Replay {
  std::vector<std::int32_t> tgid;          ///< per event: its process (thread group)
  std::vector<FileRef> fd;                  ///< per event: the fd argument's referent
  std::unordered_map<std::size_t, EventContext> ctx;  ///< failed calls and path calls
  std::map<std::int32_t, std::int32_t> parent;        ///< pid -> parent pid
  std::map<std::int32_t, std::vector<std::int32_t>> children;
  std::map<std::int32_t, ExitStatus> exits;
  std::map<std::int32_t, std::size_t> exit_event;     ///< pid -> index of its exit
  std::map<std::int32_t, std::string> name;           ///< pid -> program (last exec basename)
  std::map<std::int32_t, std::size_t> first_event;    ///< pid -> its first event
};

Replay replay(const Trace& t);

/// Fd number of argument `i` of `e`, or nullopt.
std::optional<int> fd_arg(const Event& e, std::size_t i);
/// The data a read/write-like call carried (joined for iovecs); empty if none.
std::string call_data(const Event& e);
bool is_write_call(const std::string& name);
bool is_read_call(const std::string& name);
/// Index of the main path argument of a path call and its dirfd (-1 none).
struct PathArgs {
  int dirfd = -1;
  int path = -1;
};
std::optional<PathArgs> path_args(const std::string& name);
/// Canonical socket address of an argument ("AF_UNIX:/run/x", "AF_INET:1.2.3.4:80").
std::string sockaddr_of(const Arg& a);

}  // namespace tracediff::explain::detail

// The one replay of a trace's process state, event by event: what each fd
// of each process refers to, each process's working directory and
// credentials, and which thread belongs to which process. The strace
// importer (to resolve paths against dirfds), normalize (fd numbers become
// what they refer to) and explain (which socket carried the message) all
// step through a trace with it, so they agree on what every fd was.
//
// The state is learned from the calls themselves (open, socket, pipe, dup,
// close, chdir, set*id, ...: the table's Effect column) and from the
// trace's own annotations where it has them (strace -y, the recorder's
// referents), so logs without -y work too. Use: for each event in trace
// order, look at it with state()/fd()/path(), then apply() it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/trace.h"

namespace tracediff {

/// An open file description. Shared (by pointer) between the fds that dup,
/// fork and exec make of it, so an fd a child inherited is recognisably
/// the same connection as its parent's.
struct OpenFile {
  enum Kind { Unknown, Stdio, File, Tty, Socket, Pipe, Anon } kind = Unknown;
  int stdio = -1;            ///< the standard stream (0-2) it was inherited as from outside the trace, else -1
  std::string path;          ///< File/Tty: absolute (or as given when unresolvable)
  std::string ref;           ///< the trace's own annotation last seen ("UNIX-STREAM:[1->2]", "pipe:[3]")
  std::string family;        ///< Socket: "AF_UNIX", "AF_INET", ...
  std::string local;         ///< Socket: bound (or, accepted: listener's) address
  std::string remote;        ///< Socket: address connected to
  bool accepted = false;     ///< Socket: returned by accept
  std::int32_t origin_pid = 0;        ///< who created it (open, accept, pipe, socketpair)
  std::size_t origin_event = 0;
  int pair = -1;             ///< socketpair / pipe id (shared by both ends)
  int end = -1;              ///< 0/1 of a socketpair; pipe: 0 read end, 1 write end

  /// What the fd refers to, as a name that two runs can compare: the
  /// standard stream it was inherited as ("<stdout>": where the caller
  /// redirected it differs from run to run), else the trace's annotation,
  /// else the path, else its kind ("socket", "pipe"); "" when unknown.
  std::string referent() const;
};
using FileRef = std::shared_ptr<OpenFile>;

/// The caller's effective ids, when known, and where they came from.
struct KnownCreds {
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::vector<std::uint32_t>> groups;
  std::string from;  ///< "header", "setresuid at line 12"
};

/// What a process has while the trace runs.
struct ProcessState {
  std::map<int, FileRef> fds;
  std::string cwd;           ///< absolute; "" when unknown
  KnownCreds creds;
};

class Replay {
 public:
  /// `table`, when given, tells each process's parent up front, so that a
  /// process whose first event comes before its spawn is still its parent's
  /// copy. Without it the spawn events and clone results are what tell.
  explicit Replay(const Header& h, const ProcessTable* table = nullptr);

  /// The process (thread group) event `e` belongs to.
  std::int32_t process_of(const Event& e) const;
  /// The state of e's process before e runs. A process seen for the first
  /// time is its parent's copy when the parent is known, else a root: the
  /// three standard streams, the header's ids, and for the first root of a
  /// launched command the header's cwd.
  ProcessState& state(const Event& e, std::size_t index);
  /// What fd `n` of `st` refers to; `ref` is the event's own annotation of
  /// it ("" none), which the replay learns from. An fd opened outside what
  /// the trace shows is an Unknown entry, made on first use.
  FileRef fd(ProcessState& st, int n, std::string_view ref = {});
  /// Index of the fd argument whose referent matters for `e` (the first
  /// argument typed Fd, else the first the table says is one), -1 none.
  static int fd_arg_index(const Event& e);
  /// Argument `i` of `e` (a path) made absolute against its dirfd or the
  /// cwd of `st`, lexically normalized; as given when it cannot be.
  std::string path(const ProcessState& st, const Event& e, std::size_t i);
  /// Applies what `e` did (a successful call's Effect, a spawn, a clone's
  /// result) to the state. Call after looking at `e`, once per event.
  void apply(const Event& e, std::size_t index);
  /// Process `from`'s state becomes `to`'s, unless `to` has one (a log's
  /// task seen without a pid turned out to be `to`).
  void adopt(std::int32_t from, std::int32_t to);

 private:
  ProcessState& ensure(std::int32_t pid, std::size_t index);
  void spawn(std::int32_t parent, std::int32_t child, bool thread, std::size_t index);
  void apply_call(const Event& e, std::size_t index, ProcessState& st);

  // What the header says about the roots, copied: the header may not
  // outlive the replay (a streaming reader's).
  std::optional<std::string> root_cwd_;
  std::vector<std::int32_t> attached_;
  KnownCreds root_creds_;
  const ProcessTable* table_;
  std::unordered_map<std::int32_t, ProcessState> procs_;
  std::unordered_map<std::int32_t, std::int32_t> thread_group_;  ///< tid -> tgid, threads seen spawned
  std::unordered_map<std::int32_t, std::int32_t> parent_;        ///< pid -> parent pid, from spawns
  int next_pair_ = 0;
  int roots_ = 0;
};

}  // namespace tracediff

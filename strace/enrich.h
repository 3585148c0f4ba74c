// Enrichment: what a log's calls say beyond their text. strace prints an
// argument as text; the model wants to know that it is a path (and which
// absolute path), an fd, or that a clone created a task. This step types
// the arguments of each call by their role (model/syscalls.h), resolves
// paths against the task's cwd or the dirfd before them (model/paths.h), and
// turns a completed clone/fork or execve into the spawn or exec event the
// process table is built from.
//
// It keeps each task's cwd as far as the log shows it (chdir, fchdir,
// getcwd, -y annotations of AT_FDCWD; inherited at spawn) and each task's
// thread group; what a dirfd names comes from the model's replay of the
// log's fd tables (model/replay.h), so that a log without -y resolves
// openat(3, "../x") as the recorder does. strace may print a new task's
// first calls before its parent's "<... clone resumed>": a task first seen
// while clones are unfinished is taken for their child when they all come
// from one process and one cwd (its copy of the cwd, fds and thread group
// from then on), and left unknown when they do not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "model/replay.h"
#include "model/syscalls.h"
#include "model/trace.h"

namespace tracediff::strace::detail {

/// Whether a call of this kind, once it returns, can imply an event that
/// goes right after it (Enricher::implied_event: a clone's spawn, an
/// exec's exec), which an unfinished one must then wait for.
inline bool implies_event(const SyscallInfo& info) { return info.is(kClassClone) || info.is(kClassExec); }

class Enricher {
 public:
  /// Types the arguments of the call `e` (finished or not) by their roles:
  /// Int fds become Fd, strings in path positions become Path with `abs` set
  /// when the base is known, AT_FDCWD becomes the fd -100. A -y annotation
  /// of AT_FDCWD teaches the task's cwd. Never fails: an argument whose
  /// role or base is unknown is left as it is.
  void type_args(Event& e);

  /// What the call `e` implies once it has returned successfully (its
  /// arguments typed): a chdir/fchdir/getcwd moves the task's cwd; a
  /// clone/fork/vfork gives a spawn event (the child inherits the cwd and
  /// joins a thread group), an execve/execveat an exec event. nullopt when
  /// the call implies no event (or failed).
  /// `exec_tid`: the task an execve finished under when that is not `e.tid`
  /// (the leader's pid after "+++ superseded by execve"), else 0. `root`: the
  /// pid of the log's unprefixed task (tid 0) when known, else 0.
  std::optional<Event> implied_event(const Event& e, std::int32_t exec_tid, std::int32_t root);

  /// The thread group (process) of `tid` as far as the log's spawns told;
  /// `tid` itself when none did.
  std::int32_t tgid_of(std::int32_t tid) const {
    auto it = tgid_.find(tid);
    return it == tgid_.end() ? tid : it->second;
  }

  /// The task the log showed without a pid (tid 0) turned out to be `pid`:
  /// it keeps the cwd and fds learnt so far, unless `pid` already has them.
  void adopt_unprefixed(std::int32_t pid);

  /// Task `tid` is gone (the log's "+++ exited" or "+++ killed" line): its
  /// unfinished clone returns nothing, and a later task with its number is
  /// a new one.
  void task_gone(std::int32_t tid);

 private:
  // The directory a relative Path is resolved against: a view into the
  // event's own dirfd annotation or into the cwd table.
  struct PathBase {
    std::string_view dir;
    bool known = false;
  };
  void base_at_dirfd(const Event& e, const Arg& dirfd, PathBase& base);
  const std::string* cwd_of(std::int32_t tid) const {
    auto it = cwd_.find(tid);
    return it == cwd_.end() ? nullptr : &it->second;
  }
  Event spawn_event(const Event& e, std::int32_t root);
  void adopt_early_child(std::int32_t tid);
  std::optional<Event> exec_event(const Event& e, std::int32_t exec_tid) const;

  std::unordered_map<std::int32_t, std::string> cwd_;    // tid -> absolute cwd
  std::unordered_map<std::int32_t, std::int32_t> tgid_;  // tid -> thread group, from spawns
  std::unordered_map<std::int32_t, bool> cloning_;  // tid in an unfinished clone -> CLONE_THREAD
  std::unordered_set<std::int32_t> seen_;           // tasks whose calls were typed, until gone
  std::int32_t last_seen_ = 0;                      // the task of the last call typed (in seen_)
  std::unordered_set<std::int32_t> early_;          // children seen before their clone returned
  Replay replay_{Header{}};  // fd tables, for dirfds without a -y annotation
  std::size_t count_ = 0;    // events the replay has seen
};

}  // namespace tracediff::strace::detail

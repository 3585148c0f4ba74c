// What the recorder knows about each traced task between stops: the fd
// table and cwd it shares with others, the call in progress, the caller's
// credentials for permission snapshots.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/trace.h"

namespace tracediff::record::detail {

struct FdEntry {
  std::string ref;       ///< what the fd refers to, as in Arg::ref
  bool cloexec = false;
  std::uint64_t content = 0;  ///< bytes of its file's content recorded so far
};

/// A file descriptor table; shared between tasks created with CLONE_FILES.
/// Entries missing here are looked up in /proc/PID/fd on first use.
struct FdTable {
  std::unordered_map<int, FdEntry> fds;
  /// The ref of `fd` for task `tid`, from the table or /proc (then cached);
  /// "" when the fd is not open.
  const std::string& ref(pid_t tid, int fd);
  void set(int fd, std::string ref, bool cloexec) { fds[fd] = FdEntry{std::move(ref), cloexec, 0}; }
  void close(int fd) { fds.erase(fd); }
  /// exec: drops close-on-exec entries.
  void on_exec();
};

/// Filesystem context; shared between tasks created with CLONE_FS.
struct FsState {
  std::string cwd;  ///< absolute; "" when unknown
};

/// Credentials of a process, read from /proc when a snapshot needs them and
/// cached until a set*id call or an exec.
struct Creds {
  bool valid = false;
  std::uint32_t uid = 0, gid = 0;
  std::vector<std::uint32_t> groups;
};

struct Task {
  pid_t tid = 0;
  pid_t tgid = 0;
  std::shared_ptr<FdTable> fds;
  std::shared_ptr<FsState> fs;
  std::shared_ptr<Creds> creds;

  bool in_syscall = false;    ///< between entry (or seccomp) stop and exit stop
  bool decode = false;        ///< the call in progress has a decoder and is kept
  int nr = -1;                ///< call in progress
  std::uint64_t args[6] = {};
  Event ev;                   ///< the event being built for the call in progress
  std::uint64_t scratch = 0;  ///< per-call value an entry decoder leaves for exit

  bool started = false;       ///< its first stop has been seen
  bool parked = false;        ///< first stop seen before its parent's event
  bool attached = false;      ///< attached with -p (detach, never kill)
  bool group_stopped = false; ///< in a group stop, restarted with PTRACE_LISTEN
  /// Stopped at every call (PTRACE_SYSCALL) although the recorder's filter
  /// is on: the task runs under a seccomp filter of its own, whose
  /// SECCOMP_RET_ERRNO would win over the recorder's SECCOMP_RET_TRACE and
  /// hide the calls it denies. Inherited by its children.
  bool every_call = false;
};

/// The target of a symbolic link ("" when it cannot be read).
std::string read_link(const std::string& path);

/// Reads /proc/TID/cwd; "" on failure.
std::string proc_cwd(pid_t tid);

}  // namespace tracediff::record::detail

// Pieces of the recorder used by recorder.cc and tested on their own.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>
#include <time.h>

#include <functional>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "record/state.h"
#include "model/trace.h"
#include "record/record.h"

namespace tracediff::record::detail {

// Bytes the trace writer keeps after the header for the coverage counts
// written at the end: every key set (model/coverage.h), counts of ten
// digits and three lists of kMaxPids pids of seven digits take under 600.
inline constexpr std::size_t kHeaderRoom = 1024;

inline std::int64_t now_ns(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// The recorder holds capability `cap` in its effective set.
bool has_capability(int cap);
/// The executable `cmd` names: itself when it holds a '/', else the first
/// match in PATH. Throws InputError when there is none.
std::string resolve_command(const std::string& cmd);
/// The -p ids, each thread id replaced by its process (with a note on
/// stderr) and each process once. Throws InputError for one that does not
/// exist.
std::vector<pid_t> processes_of(const std::vector<std::int32_t>& ids);

/// The header both recorders start from: `source`, the time, the command
/// or the attached pids, the host, and the options every recording writes
/// (data_size, content_size, follow, trace, not_traced). Each recorder
/// adds its own (filter, syscall_info), its counts, and the redaction.
Header recording_header(const RecordOptions& opt, std::string_view source, std::size_t data_size);

/// The output file: opt.output, else CMD-HOST.trace (pidPID-HOST.trace
/// for -p). Refuses, before any process is touched, one that cannot be
/// created (InputError: it exists and no --force).
std::string choose_output(const RecordOptions& opt, const Header& h);

/// True for the errnos after which a path call gets a permission snapshot.
bool wants_perm_snapshot(int err);

/// Component stats already taken, keyed by (mount namespace, root, path).
/// An interpreter's start-up fails a thousand stat calls under the same few
/// directories; without the cache each failure costs ~10 system calls.
/// The recorder clears it whenever a traced call changes the file system
/// and at every flush (100 ms), so a snapshot is never older than that.
struct PermCache {
  std::unordered_map<std::string, PathComponent> components;
  /// Per task: the key prefix naming its view of the tree (mount namespace
  /// and root), so that a task's snapshots stat /proc/TID/{ns/mnt,root}
  /// once per cache lifetime, not twice per failed call. Only calls that
  /// change the file system (chroot, unshare, setns, pivot_root...) change
  /// a task's view; they clear the cache, as does the recorder's flush.
  std::unordered_map<pid_t, std::string> views;
  void clear() {
    components.clear();
    views.clear();
  }
  /// Forgets the component stats only (the flush): files change behind
  /// the recorder's back, a task's view changes only through traced calls.
  void clear_components() { components.clear(); }
  /// A task ended: its tid may be reused by a task with another view.
  void forget(pid_t tid) { views.erase(tid); }
};

/// The key naming task `tid`'s view of the tree in `cache.views`, stat'ing
/// /proc/TID/{ns/mnt,root} when it is not known; null when it cannot be
/// taken (the task is gone).
const std::string* view_of(pid_t tid, PermCache& cache);

/// Each component of `abs` from "/" down to the first missing one, seen from
/// inside task `tid`'s mount namespace (through /proc/TID/root), and the
/// caller's credentials (cached in `creds`). `cache` may be null.
PermSnapshot snapshot_permissions(pid_t tid, const std::string& abs, Creds& creds, PermCache* cache = nullptr);

/// True for calls that, when they succeed, may change what a permission
/// snapshot would show (mkdir, rename, chmod, mount, open with O_CREAT...).
bool changes_file_system(int nr, const std::uint64_t args[6]);

/// A seccomp-bpf program for x86_64 returning SECCOMP_RET_TRACE for the
/// selected call numbers and SECCOMP_RET_ALLOW for the rest. Calls made
/// through another ABI (i386, x32) always stop: the table cannot name them.
std::vector<sock_filter> build_seccomp_filter(const std::vector<bool>& traced);

/// What is known about a PTRACE_SEIZE that failed with EPERM.
struct AttachDenial {
  pid_t tracer = 0;                 // TracerPid of the target, 0 when untraced
  std::string tracer_comm;          // its name, when known
  std::vector<uid_t> target_uids;   // real, effective, saved uid of the target
  uid_t our_uid = 0;                // the recorder's effective uid
  bool cap_sys_ptrace = false;      // the recorder holds CAP_SYS_PTRACE
  int yama_scope = -1;              // kernel.yama.ptrace_scope, -1 without Yama
};

/// Why the kernel refused, as " (...)" to append to the one-line error, or
/// "" when none of the usual reasons applies: another tracer holds the
/// process, it belongs to another user, or Yama's ptrace_scope forbids it.
std::string attach_denied_hint(const AttachDenial& d);

/// Calls fn(tid) once for each thread of process `pid`, listing
/// /proc/PID/task again until a pass finds no new one (threads may be
/// created meanwhile). Throws InputError ("record: -p PID: no such
/// process") when the first listing fails.
void for_each_thread(pid_t pid, const std::function<void(pid_t)>& fn);

/// The process (thread group) that task `tid` belongs to, from
/// /proc/TID/status; `tid` itself when it cannot be read.
pid_t thread_group_of(pid_t tid);

/// Reads a process's environment from /proc/PID/environ.
std::vector<std::string> proc_environ(pid_t pid);


}  // namespace tracediff::record::detail

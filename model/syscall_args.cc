#include "model/syscall_args.h"

#include <string>
#include <unordered_map>

namespace tracediff {
namespace {

// One row per call: its argument roles spelled one letter per position
// (p path, d dirfd, f fd, l link target, - other) and what it returns
// (F a new fd, P a new task). Kept as data so that adding a call is one line.
struct Row {
  const char* name;
  const char* roles;
  char ret;
};

constexpr Row kRows[] = {
    // Paths relative to the cwd.
    {"open", "p", 'F'}, {"creat", "p", 'F'}, {"stat", "p", 0}, {"lstat", "p", 0},
    {"stat64", "p", 0}, {"lstat64", "p", 0}, {"oldstat", "p", 0}, {"oldlstat", "p", 0},
    {"access", "p", 0}, {"readlink", "p", 0}, {"execve", "p", 0}, {"chdir", "p", 0},
    {"chroot", "p", 0}, {"mkdir", "p", 0}, {"rmdir", "p", 0}, {"unlink", "p", 0},
    {"rename", "pp", 0}, {"link", "pp", 0}, {"symlink", "lp", 0}, {"chmod", "p", 0},
    {"chown", "p", 0}, {"lchown", "p", 0}, {"truncate", "p", 0}, {"utime", "p", 0},
    {"utimes", "p", 0}, {"mknod", "p", 0}, {"statfs", "p", 0}, {"getxattr", "p", 0},
    {"lgetxattr", "p", 0}, {"setxattr", "p", 0}, {"lsetxattr", "p", 0}, {"listxattr", "p", 0},
    {"llistxattr", "p", 0}, {"removexattr", "p", 0}, {"lremovexattr", "p", 0},
    {"mount", "-p", 0}, {"umount", "p", 0}, {"umount2", "p", 0}, {"swapon", "p", 0},
    {"swapoff", "p", 0}, {"pivot_root", "pp", 0}, {"acct", "p", 0}, {"uselib", "p", 0},
    {"quotactl", "-p", 0}, {"inotify_add_watch", "fp", 0},
    // Paths relative to a directory fd.
    {"openat", "dp", 'F'}, {"openat2", "dp", 'F'}, {"newfstatat", "dp", 0},
    {"fstatat64", "dp", 0}, {"statx", "dp", 0}, {"faccessat", "dp", 0},
    {"faccessat2", "dp", 0}, {"readlinkat", "dp", 0}, {"execveat", "dp", 0},
    {"mkdirat", "dp", 0}, {"unlinkat", "dp", 0}, {"renameat", "dpdp", 0},
    {"renameat2", "dpdp", 0}, {"linkat", "dpdp", 0}, {"symlinkat", "ldp", 0},
    {"fchmodat", "dp", 0}, {"fchmodat2", "dp", 0}, {"fchownat", "dp", 0},
    {"utimensat", "dp", 0}, {"futimesat", "dp", 0}, {"mknodat", "dp", 0},
    {"name_to_handle_at", "dp", 0}, {"open_tree", "dp", 'F'}, {"move_mount", "dpdp", 0},
    {"mount_setattr", "dp", 0}, {"fanotify_mark", "f---dp", 0}, {"fspick", "dp", 'F'},
    // File descriptors.
    {"read", "f", 0}, {"write", "f", 0}, {"pread64", "f", 0}, {"pwrite64", "f", 0},
    {"readv", "f", 0}, {"writev", "f", 0}, {"preadv", "f", 0}, {"pwritev", "f", 0},
    {"preadv2", "f", 0}, {"pwritev2", "f", 0}, {"close", "f", 0}, {"fstat", "f", 0},
    {"fstat64", "f", 0}, {"lseek", "f", 0}, {"_llseek", "f", 0}, {"ioctl", "f", 0},
    {"fcntl", "f", 0}, {"fcntl64", "f", 0}, {"flock", "f", 0}, {"fsync", "f", 0},
    {"fdatasync", "f", 0}, {"fchdir", "f", 0}, {"fchmod", "f", 0}, {"fchown", "f", 0},
    {"ftruncate", "f", 0}, {"fstatfs", "f", 0}, {"getdents", "f", 0}, {"getdents64", "f", 0},
    {"dup", "f", 'F'}, {"dup2", "ff", 'F'}, {"dup3", "ff", 'F'}, {"mmap", "----f", 0},
    {"sendfile", "ff", 0}, {"splice", "f-f", 0}, {"tee", "ff", 0}, {"vmsplice", "f", 0},
    {"copy_file_range", "f-f", 0}, {"connect", "f", 0}, {"bind", "f", 0}, {"listen", "f", 0},
    {"accept", "f", 'F'}, {"accept4", "f", 'F'}, {"sendto", "f", 0}, {"recvfrom", "f", 0},
    {"sendmsg", "f", 0}, {"recvmsg", "f", 0}, {"sendmmsg", "f", 0}, {"recvmmsg", "f", 0},
    {"shutdown", "f", 0}, {"getsockname", "f", 0}, {"getpeername", "f", 0},
    {"setsockopt", "f", 0}, {"getsockopt", "f", 0}, {"epoll_ctl", "f-f", 0},
    {"epoll_wait", "f", 0}, {"epoll_pwait", "f", 0}, {"epoll_pwait2", "f", 0},
    {"fadvise64", "f", 0}, {"fallocate", "f", 0}, {"sync_file_range", "f", 0},
    {"syncfs", "f", 0}, {"readahead", "f", 0}, {"inotify_rm_watch", "f", 0},
    {"timerfd_settime", "f", 0}, {"timerfd_gettime", "f", 0}, {"signalfd", "f", 'F'},
    {"signalfd4", "f", 'F'}, {"fgetxattr", "f", 0}, {"fsetxattr", "f", 0},
    {"flistxattr", "f", 0}, {"fremovexattr", "f", 0}, {"pidfd_send_signal", "f", 0},
    {"pidfd_getfd", "f", 'F'}, {"open_by_handle_at", "f", 'F'}, {"fsconfig", "f", 0},
    {"fsmount", "f", 'F'}, {"io_uring_enter", "f", 0}, {"io_uring_register", "f", 0},
    // Calls that only create something.
    {"socket", "", 'F'}, {"socketpair", "", 0}, {"pipe", "", 0}, {"pipe2", "", 0},
    {"epoll_create", "", 'F'}, {"epoll_create1", "", 'F'}, {"eventfd", "", 'F'},
    {"eventfd2", "", 'F'}, {"inotify_init", "", 'F'}, {"inotify_init1", "", 'F'},
    {"timerfd_create", "", 'F'}, {"memfd_create", "", 'F'}, {"pidfd_open", "", 'F'},
    {"fanotify_init", "", 'F'}, {"userfaultfd", "", 'F'}, {"perf_event_open", "", 'F'},
    {"fsopen", "", 'F'}, {"io_uring_setup", "", 'F'}, {"memfd_secret", "", 'F'},
    {"clone", "", 'P'}, {"clone3", "", 'P'}, {"fork", "", 'P'}, {"vfork", "", 'P'},
};

ArgRole role_of(char c) {
  switch (c) {
    case 'p': return ArgRole::Path;
    case 'd': return ArgRole::DirFd;
    case 'f': return ArgRole::Fd;
    case 'l': return ArgRole::LinkTarget;
    default: return ArgRole::Other;
  }
}

const std::unordered_map<std::string_view, SyscallArgs>& table() {
  static const std::unordered_map<std::string_view, SyscallArgs> t = [] {
    std::unordered_map<std::string_view, SyscallArgs> m;
    for (const Row& r : kRows) {
      SyscallArgs a;
      a.name = r.name;
      for (std::size_t i = 0; r.roles[i] && i < a.roles.size(); ++i) a.roles[i] = role_of(r.roles[i]);
      a.returns_fd = r.ret == 'F';
      a.returns_pid = r.ret == 'P';
      m.emplace(a.name, a);
    }
    return m;
  }();
  return t;
}

}  // namespace

const SyscallArgs* syscall_args(std::string_view name) {
  const auto& t = table();
  auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

}  // namespace tracediff

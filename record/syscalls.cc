// The generated number/name table plus the hand-kept class lists (a class is
// a judgement about what a call is for, which no header states).
#include "record/syscalls.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

#include "model/errors.h"

namespace tracediff::record::detail {
namespace {

struct Row {
  int nr;
  const char* name;
};

constexpr Row kRows[] = {
#include TRACEDIFF_SYSCALLS_INC
};

const std::vector<std::string_view>& by_number() {
  static const std::vector<std::string_view> table = [] {
    int max = 0;
    for (const Row& r : kRows) max = std::max(max, r.nr);
    std::vector<std::string_view> t(max + 1);
    for (const Row& r : kRows) t[r.nr] = r.name;
    return t;
  }();
  return table;
}

// Classes, as strace groups them (names that do not exist on this
// architecture are ignored, so the lists can name calls of other ones).
const std::map<std::string, std::vector<std::string>, std::less<>>& classes() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> m = {
      {"file",
       {"open", "openat", "openat2", "creat", "access", "faccessat", "faccessat2", "stat", "lstat",
        "newfstatat", "statx", "statfs", "readlink", "readlinkat", "execve", "execveat", "chdir",
        "getcwd", "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat",
        "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "fchmodat2",
        "chown", "lchown", "fchownat", "truncate", "mount", "umount2", "utime", "utimes",
        "utimensat", "futimesat", "mknod", "mknodat", "chroot", "pivot_root", "swapon", "swapoff",
        "getxattr", "lgetxattr", "setxattr", "lsetxattr", "listxattr", "llistxattr", "removexattr",
        "lremovexattr", "inotify_add_watch", "fanotify_mark", "name_to_handle_at", "quotactl",
        "acct", "uselib", "open_tree", "move_mount", "mount_setattr"}},
      {"process",
       {"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
        "waitid", "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
        "pidfd_open", "pidfd_send_signal", "unshare", "setns"}},
      {"network",
       {"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "getsockname",
        "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
        "shutdown", "setsockopt", "getsockopt"}},
      {"fd",
       {"read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2",
        "pwritev2", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "pipe", "pipe2",
        "fstat", "fstatfs", "fchdir", "fchmod", "fchown", "ftruncate", "fsync", "fdatasync",
        "getdents64", "getdents", "ioctl", "lseek", "flock", "sendfile", "splice", "tee",
        "copy_file_range", "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
        "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
        "signalfd", "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_gettime",
        "inotify_init", "inotify_init1", "memfd_create", "fallocate", "fadvise64", "readahead",
        "fgetxattr", "fsetxattr", "flistxattr", "fremovexattr", "pidfd_getfd", "io_uring_setup",
        "io_uring_enter", "io_uring_register", "fsopen", "fsconfig", "fsmount", "fspick"}},
      {"creds",
       {"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
        "setfsgid", "setgroups", "getuid", "getgid", "geteuid", "getegid", "getresuid",
        "getresgid", "getgroups", "capget", "capset", "prctl"}},
      {"memory",
       {"mmap", "munmap", "mprotect", "brk", "madvise", "mremap", "msync", "mincore", "mlock",
        "mlock2", "munlock", "mlockall", "munlockall", "pkey_mprotect", "pkey_alloc", "pkey_free",
        "remap_file_pages", "mbind", "set_mempolicy", "get_mempolicy", "migrate_pages",
        "move_pages", "membarrier", "process_madvise", "set_mempolicy_home_node",
        "map_shadow_stack"}},
      {"signal",
       {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
        "rt_sigsuspend", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "kill", "tkill",
        "tgkill", "pause", "signalfd", "signalfd4", "restart_syscall"}},
  };
  return m;
}

const std::map<std::string, std::string, std::less<>>& class_aliases() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"desc", "fd"}, {"net", "network"}, {"proc", "process"}};
  return m;
}

}  // namespace

const char* syscall_arch() { return TRACEDIFF_ARCH; }

int syscall_count() { return static_cast<int>(by_number().size()); }

std::string_view syscall_name(int nr) {
  const auto& t = by_number();
  return nr >= 0 && nr < static_cast<int>(t.size()) ? t[nr] : std::string_view{};
}

int syscall_number(std::string_view name) {
  static const std::unordered_map<std::string_view, int> m = [] {
    std::unordered_map<std::string_view, int> r;
    for (const Row& row : kRows) r.emplace(row.name, row.nr);
    return r;
  }();
  auto it = m.find(name);
  return it == m.end() ? -1 : it->second;
}

const std::vector<std::string>& default_excluded_syscalls() {
  // Why each group is out: they are the bulk of a program's calls (an
  // interpreter start-up makes hundreds of mmap/mprotect/futex/clock calls),
  // they do not differ between a working and a failing host in a way a
  // person acts on, and stopping at them is where ptrace's cost goes.
  static const std::vector<std::string> v = [] {
    std::vector<std::string> r = classes().find("memory")->second;
    for (const char* n :
         {"futex", "futex_waitv", "get_robust_list", "set_robust_list", "clock_gettime",
          "clock_getres", "clock_settime", "clock_adjtime", "clock_nanosleep", "gettimeofday",
          "settimeofday", "time", "times", "nanosleep", "adjtimex", "getitimer", "setitimer",
          "alarm", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
          "timer_delete", "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "sigaltstack",
          "rt_sigpending", "sched_yield", "sched_getaffinity", "sched_setaffinity",
          "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
          "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
          "sched_getattr", "sched_setattr", "getcpu", "rseq",
          // Thread start-up bookkeeping made by every new thread and process
          // (TLS base, clear-child-tid address): memory management in effect.
          "set_tid_address", "arch_prctl"})
      r.push_back(n);
    return r;
  }();
  return v;
}

std::vector<bool> select_syscalls(const std::vector<std::string>& set_in, bool all) {
  const int n = syscall_count();
  std::vector<bool> sel(n, false);
  auto add_name = [&](std::string_view name, bool on) {
    int nr = syscall_number(name);
    if (nr >= 0) sel[nr] = on;
    return nr >= 0;
  };
  if (all) return std::vector<bool>(n, true);

  std::vector<std::string> set;
  for (const std::string& s : set_in) {
    // Accept "trace=a,b" and "a,b" alike, as strace's -e does.
    std::string_view v = s;
    if (v.rfind("trace=", 0) == 0) v.remove_prefix(6);
    while (!v.empty()) {
      auto comma = v.find(',');
      set.emplace_back(v.substr(0, comma));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (set.empty() || (set.size() == 1 && set[0] == "default")) {
    sel.assign(n, true);
    for (const std::string& name : default_excluded_syscalls()) add_name(name, false);
    return sel;
  }
  bool negate = false;
  if (!set.empty() && !set[0].empty() && set[0][0] == '!') {
    negate = true;
    set[0].erase(0, 1);
  }
  for (const std::string& item : set) {
    if (item == "all") {
      sel.assign(n, true);
    } else if (!item.empty() && item[0] == '%') {
      std::string cls = item.substr(1);
      if (auto a = class_aliases().find(cls); a != class_aliases().end()) cls = a->second;
      auto it = classes().find(cls);
      if (it == classes().end())
        throw InputError(fmt::format("-e trace: unknown class '{}' (known: %file %process %network "
                                     "%fd %creds %memory %signal)", item));
      for (const std::string& name : it->second) add_name(name, true);
    } else if (!add_name(item, true)) {
      throw InputError(fmt::format("-e trace: unknown system call '{}' on {}", item, syscall_arch()));
    }
  }
  if (negate) sel.flip();
  return sel;
}

}  // namespace tracediff::record::detail

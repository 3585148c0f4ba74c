// The rows of model/syscalls.h: one per call, its classes as flags.
//
// A class is a judgement about what a call is for, which no header states,
// so the rows are kept here by hand; the numbers come from the generated
// table of this build's architecture and are joined by name. A row may
// name a call this architecture lacks (stat64, recv, waitpid): strace logs
// from other machines have them.
#include <algorithm>
#include <unordered_map>

#include "model/syscalls.h"

namespace tracediff {
namespace {

// One letter per class, so that a row reads like strace's sysent flags.
constexpr SyscallClasses F = kClassFile, D = kClassDesc, N = kClassNetwork, P = kClassProcess,
                         S = kClassSignal, M = kClassMemory, C = kClassCreds, K = kClassClock,
                         H = kClassSched, Y = kClassSync, Q = kClassSigMask, T = kClassThreadSetup,
                         W = kClassTiming, L = kClassLookup, A = kClassStat, R = kClassReads,
                         V = kClassWrites, E = kClassExec, X = kClassClone, OF = kClassReturnsFd,
                         OP = kClassReturnsPid, TP = kClassTakesPid, CH = kClassChangesFs,
                         CR = kClassCreates, PR = kClassProbe, ID = kClassReturnsId, MP = kClassMaps;

// A row as written: roles one letter per position (p path, d dirfd, f fd,
// l link target, o a buffer the call fills, - nothing known).
struct Row {
  const char* name;
  SyscallClasses classes;
  const char* roles;
  std::uint8_t nargs;
  Effect effect = Effect::None;
  std::uint8_t effect_arg = 0;
  const char* anon = "";
  const char* family = "";
};

using E_ = Effect;

// clang-format off
constexpr Row kRows[] = {
    // Opening and looking up files by name.
    {"open",            F | L | OF,          "p",      3, E_::Open, 0, "", "openat"},
    {"creat",           F | OF | CR | CH,    "p",      2, E_::Open, 0, "", "openat"},
    {"openat",          F | D | L | OF,      "dp",     4, E_::Open},
    {"openat2",         F | D | L | OF,      "dp",     4, E_::Open, 0, "", "openat"},
    {"stat",            F | L | A,           "p",      2, E_::None, 0, "", "newfstatat"},
    {"lstat",           F | L | A,           "p",      2, E_::None, 0, "", "newfstatat"},
    {"stat64",          F | L | A,           "p",      2, E_::None, 0, "", "newfstatat"},
    {"lstat64",         F | L | A,           "p",      2, E_::None, 0, "", "newfstatat"},
    {"oldstat",         F | A,               "p",      2},
    {"oldlstat",        F | A,               "p",      2},
    {"fstat",           D | A,               "f",      2, E_::None, 0, "", "newfstatat"},
    {"fstat64",         D | A,               "f",      2, E_::None, 0, "", "newfstatat"},
    {"newfstatat",      F | D | L | A,       "dp",     4},
    {"fstatat64",       F | D | L | A,       "dp",     4, E_::None, 0, "", "newfstatat"},
    {"statx",           F | D | L | A,       "dp",     5, E_::None, 0, "", "newfstatat"},
    {"statfs",          F | L | A | PR,      "p",      2},
    {"fstatfs",         D | A | PR,          "f",      2},
    {"statfs64",        F | A,               "p",      3},
    {"fstatfs64",       D | A,               "f",      3},
    {"access",          F | L,               "p",      2, E_::None, 0, "", "faccessat"},
    {"faccessat",       F | D | L,           "dp",     3},
    {"faccessat2",      F | D | L,           "dp",     4, E_::None, 0, "", "faccessat"},
    {"readlink",        F | L,               "po",     3},
    {"readlinkat",      F | D | L,           "dpo",    4},
    {"execve",          F | P | E | L,       "p",      3},
    {"execveat",        F | D | P | E | L,   "dp",     5},
    {"uselib",          F | L,               "p",      1},
    {"getcwd",          F,                   "o",      2},
    {"chdir",           F,                   "p",      1, E_::Chdir},
    {"fchdir",          D,                   "f",      1, E_::Fchdir},
    {"chroot",          F | CH,              "p",      1},
    // Changing the tree.
    {"mkdir",           F | CR | CH,         "p",      2},
    {"mkdirat",         F | D | CR | CH,     "dp",     3},
    {"rmdir",           F | CH,              "p",      1},
    {"unlink",          F | CH,              "p",      1},
    {"unlinkat",        F | D | CH,          "dp",     3},
    {"rename",          F | CR | CH,         "pp",     2},
    {"renameat",        F | D | CR | CH,     "dpdp",   4},
    {"renameat2",       F | D | CR | CH,     "dpdp",   5},
    {"link",            F | CR | CH,         "pp",     2},
    {"linkat",          F | D | CR | CH,     "dpdp",   5},
    {"symlink",         F | CR | CH,         "lp",     2},
    {"symlinkat",       F | D | CR | CH,     "ldp",    3},
    {"chmod",           F | CH,              "p",      2},
    {"fchmod",          D | CH,              "f",      2},
    {"fchmodat",        F | D | CH,          "dp",     3},
    {"fchmodat2",       F | D | CH,          "dp",     4},
    {"chown",           F | CH,              "p",      3},
    {"lchown",          F | CH,              "p",      3},
    {"fchown",          D | CH,              "f",      3},
    {"fchownat",        F | D | CH,          "dp",     5},
    {"truncate",        F,                   "p",      2},
    {"ftruncate",       D,                   "f",      2},
    {"utime",           F,                   "p",      2},
    {"utimes",          F,                   "p",      2},
    {"utimensat",       F | D,               "dp",     4},
    {"futimesat",       F | D,               "dp",     3},
    {"mknod",           F | CR | CH,         "p",      3},
    {"mknodat",         F | D | CR | CH,     "dp",     4},
    {"getxattr",        F,                   "p",      4},
    {"lgetxattr",       F,                   "p",      4},
    {"setxattr",        F,                   "p",      5},
    {"lsetxattr",       F,                   "p",      5},
    {"listxattr",       F,                   "p",      3},
    {"llistxattr",      F,                   "p",      3},
    {"removexattr",     F,                   "p",      2},
    {"lremovexattr",    F,                   "p",      2},
    {"fgetxattr",       D,                   "f",      4},
    {"fsetxattr",       D,                   "f",      5},
    {"flistxattr",      D,                   "f",      3},
    {"fremovexattr",    D,                   "f",      2},
    {"mount",           F | CH,              "-p",     5},
    {"umount",          F,                   "p",      1},
    {"umount2",         F | CH,              "p",      2},
    {"swapon",          F,                   "p",      2},
    {"swapoff",         F,                   "p",      1},
    {"pivot_root",      F | CH,              "pp",     2},
    {"acct",            F,                   "p",      1},
    {"quotactl",        F,                   "-p",     4},
    {"inotify_add_watch", F | D,             "fp",     3},
    {"fanotify_mark",   F | D,               "f---dp", 5},
    {"name_to_handle_at", F | D,             "dp",     5},
    {"open_tree",       F | D | OF,          "dp",     3, E_::Open},
    {"move_mount",      F | D | CH,          "dpdp",   5},
    {"mount_setattr",   F | D | CH,          "dp",     5},
    {"fspick",          F | D | OF,          "dp",     3, E_::Open},
    {"fsopen",          D | OF,              "",       2, E_::Open},
    {"fsconfig",        D,                   "f",      5},
    {"fsmount",         D | OF | CH,         "f",      3},
    {"open_by_handle_at", D | OF,            "f",      3, E_::Open},
    // Reading and writing through fds.
    {"read",            D | R,               "f",      3},
    {"write",           D | V,               "f",      3},
    {"pread64",         D | R,               "f",      4},
    {"pwrite64",        D | V,               "f",      4},
    {"readv",           D | R,               "f",      3},
    {"writev",          D | V,               "f",      3},
    {"preadv",          D | R,               "f",      5},
    {"pwritev",         D | V,               "f",      5},
    {"preadv2",         D | R,               "f",      6},
    {"pwritev2",        D | V,               "f",      6},
    {"close",           D,                   "f",      1, E_::Close},
    {"close_range",     D,                   "",       3, E_::CloseRange},
    {"dup",             D | OF,              "f",      1, E_::Dup},
    {"dup2",            D | OF,              "ff",     2, E_::DupTo, 0, "", "dup3"},
    {"dup3",            D | OF,              "ff",     3, E_::DupTo},
    {"fcntl",           D,                   "f",      3, E_::FcntlDup},
    {"fcntl64",         D,                   "f",      3, E_::FcntlDup},
    {"pipe",            D,                   "",       1, E_::Pipe, 0, "", "pipe2"},
    {"pipe2",           D,                   "",       2, E_::Pipe, 0},
    {"flock",           D,                   "f",      2},
    {"fsync",           D,                   "f",      1},
    {"fdatasync",       D,                   "f",      1},
    {"lseek",           D,                   "f",      3},
    {"_llseek",         D,                   "f",      5},
    {"ioctl",           D,                   "f",      3},
    {"getdents",        D,                   "f",      3, E_::None, 0, "", "getdents64"},
    {"getdents64",      D,                   "f",      3},
    {"sendfile",        D,                   "ff",     4},
    {"splice",          D,                   "f-f",    6},
    {"tee",             D,                   "ff",     4},
    {"vmsplice",        D,                   "f",      4},
    {"copy_file_range", D,                   "f-f",    6},
    {"fadvise64",       D,                   "f",      4},
    {"fallocate",       D,                   "f",      4},
    {"sync_file_range", D,                   "f",      4},
    {"syncfs",          D,                   "f",      1},
    {"readahead",       D,                   "f",      3},
    // Waiting on fds, and anonymous fds.
    {"poll",            D | W,               "",       3},
    {"ppoll",           D | W,               "",       5},
    {"select",          D | W,               "",       5},
    {"_newselect",      D | W,               "",       5},
    {"pselect6",        D | W,               "",       6},
    {"epoll_create",    D | OF,              "",       1, E_::Anon, 0, "anon_inode:[eventpoll]"},
    {"epoll_create1",   D | OF,              "",       1, E_::Anon, 0, "anon_inode:[eventpoll]"},
    {"epoll_ctl",       D,                   "f-f",    4},
    {"epoll_wait",      D | W,               "f",      4},
    {"epoll_pwait",     D | W,               "f",      6},
    {"epoll_pwait2",    D | W,               "f",      6},
    {"eventfd",         D | OF,              "",       1, E_::Anon, 0, "anon_inode:[eventfd]"},
    {"eventfd2",        D | OF,              "",       2, E_::Anon, 0, "anon_inode:[eventfd]"},
    {"signalfd",        D | S | OF,          "f",      3, E_::Anon, 0, "anon_inode:[signalfd]"},
    {"signalfd4",       D | S | OF,          "f",      4, E_::Anon, 0, "anon_inode:[signalfd]"},
    {"timerfd_create",  D | OF,              "",       2, E_::Anon, 0, "anon_inode:[timerfd]"},
    {"timerfd_settime", D | W,               "f",      4},
    {"timerfd_gettime", D,                   "f",      2},
    {"inotify_init",    D | OF,              "",       0, E_::Anon, 0, "anon_inode:inotify"},
    {"inotify_init1",   D | OF,              "",       1, E_::Anon, 0, "anon_inode:inotify"},
    {"inotify_rm_watch", D,                  "f",      2},
    {"memfd_create",    D | OF,              "",       2, E_::Anon, 0, "memfd"},
    {"memfd_secret",    D | OF,              "",       1},
    {"userfaultfd",     D | OF,              "",       1, E_::Anon, 0, "anon_inode:[userfaultfd]"},
    {"perf_event_open", D | OF,              "",       5, E_::Anon, 0, "anon_inode:[perf_event]"},
    {"fanotify_init",   D | OF,              "",       2, E_::Anon, 0, "anon_inode:[fanotify]"},
    {"pidfd_open",      D | P | OF | TP,     "",       2, E_::Anon, 0, "anon_inode:[pidfd]"},
    {"pidfd_send_signal", D | P | S,         "f",      4},
    {"pidfd_getfd",     D | OF,              "f",      3},
    {"io_uring_setup",  D | OF,              "",       2, E_::Anon, 0, "anon_inode:[io_uring]"},
    {"io_uring_enter",  D | W,               "f",      6},
    {"io_uring_register", D,                 "f",      4},
    {"io_getevents",    W,                   "",       5},
    // Sockets.
    {"socket",          N | OF,              "",       3, E_::Socket},
    {"socketpair",      N,                   "",       4, E_::SocketPair, 3},
    {"connect",         N,                   "f",      3, E_::Connect},
    {"bind",            N | CR,              "f",      3, E_::Bind},
    {"listen",          N,                   "f",      2},
    {"accept",          N | OF,              "f",      3, E_::Accept},
    {"accept4",         N | OF,              "f",      4, E_::Accept},
    {"sendto",          N | V,               "f",      6},
    {"recvfrom",        N | R,               "f",      6},
    {"sendmsg",         N | V,               "f",      3},
    {"recvmsg",         N | R,               "f",      3},
    {"sendmmsg",        N | V,               "f",      4},
    {"recvmmsg",        N | R,               "f",      5},
    {"send",            N | V,               "f",      4},
    {"recv",            N | R,               "f",      4},
    {"shutdown",        N,                   "f",      2},
    {"getsockname",     N,                   "f",      3},
    {"getpeername",     N,                   "f",      3},
    {"setsockopt",      N,                   "f",      5},
    {"getsockopt",      N,                   "f",      5},
    // Processes.
    {"clone",           P | X | OP,          "",       5, E_::None, 0, "", "clone"},
    {"clone3",          P | X | OP,          "",       2, E_::None, 0, "", "clone"},
    {"fork",            P | X | OP,          "",       0, E_::None, 0, "", "clone"},
    {"vfork",           P | X | OP,          "",       0, E_::None, 0, "", "clone"},
    {"exit",            P,                   "",       1},
    {"exit_group",      P,                   "",       1},
    {"wait4",           P | W | OP | TP,     "",       4},
    {"waitpid",         P | W | OP | TP,     "",       3, E_::None, 0, "", "wait4"},
    {"waitid",          P | W,               "",       5},
    {"kill",            P | S | TP,          "",       2},
    {"tkill",           P | S | TP,          "",       2},
    {"tgkill",          P | S | TP,          "",       3},
    {"rt_sigqueueinfo", P | S | TP,          "",       3},
    {"rt_tgsigqueueinfo", P | S | TP,        "",       4},
    {"unshare",         P | CH,              "",       1},
    {"setns",           P | CH,              "",       2},
    {"getpid",          W | OP,              "",       0},
    {"gettid",          W | OP,              "",       0},
    {"getppid",         W | OP,              "",       0},
    {"getpgrp",         OP,                  "",       0},
    {"getpgid",         OP | TP,             "",       1},
    {"getsid",          OP | TP,             "",       1},
    {"setsid",          OP,                  "",       0},
    {"setpgid",         TP,                  "",       2},
    {"prlimit64",       TP,                  "",       4},
    {"ptrace",          TP,                  "",       4},
    {"process_vm_readv", TP,                 "",       6},
    {"getrlimit",       0,                   "",       2},
    {"setrlimit",       0,                   "",       2},
    {"getrusage",       0,                   "",       2},
    {"uname",           0,                   "",       1},
    {"sysinfo",         0,                   "",       1},
    {"umask",           0,                   "",       1},
    {"getrandom",       W,                   "",       3},
    // Signals.
    {"rt_sigaction",    S | Q | W,           "",       4},
    {"rt_sigprocmask",  S | Q | W,           "",       4},
    {"rt_sigreturn",    S | Q | W | PR,      "",       0},
    {"rt_sigpending",   S | Q,               "",       2},
    {"rt_sigtimedwait", S | W,               "",       4},
    {"rt_sigsuspend",   S | W,               "",       2},
    {"sigaltstack",     S | Q | W,           "",       2},
    {"pause",           S | W,               "",       0},
    {"restart_syscall", S | W,               "",       0},
    // Memory.
    {"mmap",            M | MP | W,          "----f",  6},
    {"munmap",          M | W,               "",       2},
    {"mprotect",        M | MP | W,          "",       3},
    {"brk",             M | MP | W,          "",       1},
    {"madvise",         M | W,               "",       3},
    {"mremap",          M | MP | W,          "",       5},
    {"msync",           M,                   "",       3},
    {"mincore",         M,                   "",       3},
    {"mlock",           M,                   "",       2},
    {"mlock2",          M,                   "",       3},
    {"munlock",         M,                   "",       2},
    {"mlockall",        M,                   "",       1},
    {"munlockall",      M,                   "",       0},
    {"pkey_mprotect",   M,                   "",       4},
    {"pkey_alloc",      M,                   "",       2},
    {"pkey_free",       M,                   "",       1},
    {"remap_file_pages", M,                  "",       5},
    {"mbind",           M,                   "",       6},
    {"set_mempolicy",   M,                   "",       3},
    {"get_mempolicy",   M,                   "",       5},
    {"migrate_pages",   M,                   "",       4},
    {"move_pages",      M,                   "",       6},
    {"membarrier",      M | W,               "",       3},
    {"process_madvise", M,                   "",       5},
    {"set_mempolicy_home_node", M,           "",       4},
    {"map_shadow_stack", M,                  "",       3},
    // Credentials.
    {"setuid",          C,                   "",       1, E_::SetUid, 0},
    {"setuid32",        C,                   "",       1, E_::SetUid, 0},
    {"setreuid",        C,                   "",       2, E_::SetUid, 1},
    {"setreuid32",      C,                   "",       2, E_::SetUid, 1},
    {"setresuid",       C,                   "",       3, E_::SetUid, 1},
    {"setresuid32",     C,                   "",       3, E_::SetUid, 1},
    {"setgid",          C,                   "",       1, E_::SetGid, 0},
    {"setgid32",        C,                   "",       1, E_::SetGid, 0},
    {"setregid",        C,                   "",       2, E_::SetGid, 1},
    {"setregid32",      C,                   "",       2, E_::SetGid, 1},
    {"setresgid",       C,                   "",       3, E_::SetGid, 1},
    {"setresgid32",     C,                   "",       3, E_::SetGid, 1},
    {"setgroups",       C,                   "",       2, E_::SetGroups, 1},
    {"setgroups32",     C,                   "",       2, E_::SetGroups, 1},
    {"setfsuid",        C,                   "",       1},
    {"setfsgid",        C,                   "",       1},
    {"getuid",          C | ID,              "",       0},
    {"getgid",          C | ID,              "",       0},
    {"geteuid",         C | ID,              "",       0},
    {"getegid",         C | ID,              "",       0},
    {"getresuid",       C,                   "",       3},
    {"getresgid",       C,                   "",       3},
    {"getgroups",       C,                   "",       2},
    {"capget",          C,                   "",       2},
    {"capset",          C,                   "",       2},
    {"prctl",           C | PR,              "",       5},
    // Clocks, timers, sleeps.
    {"clock_gettime",   K | W,               "",       2},
    {"clock_getres",    K,                   "",       2},
    {"clock_settime",   K,                   "",       2},
    {"clock_adjtime",   K,                   "",       2},
    {"clock_nanosleep", K | W,               "",       4},
    {"gettimeofday",    K | W,               "",       2},
    {"settimeofday",    K,                   "",       2},
    {"time",            K | W,               "",       1},
    {"times",           K,                   "",       1},
    {"nanosleep",       K | W,               "",       2},
    {"adjtimex",        K,                   "",       1},
    {"getitimer",       K,                   "",       2},
    {"setitimer",       K | W,               "",       3},
    {"alarm",           K | W,               "",       1},
    {"timer_create",    K,                   "",       3},
    {"timer_settime",   K,                   "",       4},
    {"timer_gettime",   K,                   "",       2},
    {"timer_getoverrun", K,                  "",       1},
    {"timer_delete",    K,                   "",       1},
    // Scheduling.
    {"sched_yield",     H | W,               "",       0},
    {"sched_getaffinity", H | W | TP | PR,   "",       3},
    {"sched_setaffinity", H | TP,            "",       3},
    {"sched_getparam",  H | TP,              "",       2},
    {"sched_setparam",  H | TP,              "",       2},
    {"sched_getscheduler", H,                "",       1},
    {"sched_setscheduler", H | TP,           "",       3},
    {"sched_get_priority_max", H,            "",       1},
    {"sched_get_priority_min", H,            "",       1},
    {"sched_rr_get_interval", H,             "",       2},
    {"sched_getattr",   H,                   "",       4},
    {"sched_setattr",   H,                   "",       3},
    {"getcpu",          H,                   "",       3},
    // Futexes; thread set-up.
    {"futex",           Y | W,               "",       6},
    {"futex_waitv",     Y | W,               "",       5},
    {"get_robust_list", Y | TP,              "",       3},
    {"set_robust_list", Y | W | PR,          "",       2},
    {"set_tid_address", T | W | OP,          "",       1},
    {"arch_prctl",      T | W | PR,          "",       2},
    {"rseq",            T | W | PR,          "",       4},
};
// clang-format on

// The numbers of this build's architecture, generated from its headers.
struct NumberRow {
  int nr;
  const char* name;
};
constexpr NumberRow kNumbers[] = {
#include TRACEDIFF_SYSCALLS_INC
};

ArgRole role_of(char c) {
  switch (c) {
    case 'p': return ArgRole::Path;
    case 'd': return ArgRole::DirFd;
    case 'f': return ArgRole::Fd;
    case 'l': return ArgRole::LinkTarget;
    case 'o': return ArgRole::Out;
    default: return ArgRole::Other;
  }
}

struct Table {
  std::unordered_map<std::string_view, SyscallInfo> by_name;
  std::vector<const SyscallInfo*> by_number;

  Table() {
    for (const Row& r : kRows) {
      SyscallInfo& i = by_name[r.name];
      i.name = r.name;
      i.classes = r.classes;
      for (std::size_t k = 0; r.roles[k] && k < i.roles.size(); ++k) i.roles[k] = role_of(r.roles[k]);
      i.nargs = r.nargs;
      i.effect = r.effect;
      i.effect_arg = r.effect_arg;
      i.anon = r.anon;
      i.family = *r.family ? r.family : r.name;
    }
    int max = 0;
    for (const NumberRow& n : kNumbers) max = std::max(max, n.nr);
    by_number.assign(static_cast<std::size_t>(max) + 1, nullptr);
    for (const NumberRow& n : kNumbers) {
      auto [it, added] = by_name.try_emplace(n.name);
      SyscallInfo& i = it->second;
      if (added) {
        i.name = n.name;
        i.family = n.name;
      }
      i.nr = n.nr;
      by_number[static_cast<std::size_t>(n.nr)] = &i;
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

const SyscallInfo kUnknown{};

}  // namespace

int SyscallInfo::path_index() const {
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (roles[i] == ArgRole::Path) return static_cast<int>(i);
  return -1;
}

int SyscallInfo::dirfd_index() const {
  int p = path_index();
  return p > 0 && roles[static_cast<std::size_t>(p - 1)] == ArgRole::DirFd ? p - 1 : -1;
}

int SyscallInfo::fd_index() const {
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (roles[i] == ArgRole::Fd || roles[i] == ArgRole::DirFd) return static_cast<int>(i);
  return -1;
}

const SyscallInfo& syscall_info(std::string_view name) {
  const auto& m = table().by_name;
  auto it = m.find(name);
  return it == m.end() ? kUnknown : it->second;
}

const SyscallInfo& syscall_info(const InternedString& name) {
  // Event names are interned: one small number per distinct name, so the
  // row is remembered by number and a million events hash no string. Per
  // thread: the importer and the writer may look up from two.
  thread_local std::vector<const SyscallInfo*> cache;
  std::uint32_t n = name.number();
  if (n >= cache.size()) cache.resize(n + 64, nullptr);
  const SyscallInfo*& row = cache[n];
  if (!row) row = &syscall_info(name.view());
  return *row;
}

const SyscallInfo* syscall_info(int nr) {
  const auto& v = table().by_number;
  return nr >= 0 && nr < static_cast<int>(v.size()) ? v[static_cast<std::size_t>(nr)] : nullptr;
}

const std::vector<const SyscallInfo*>& syscalls_by_number() { return table().by_number; }

const char* syscall_arch() { return TRACEDIFF_ARCH; }

int syscall_count() { return static_cast<int>(table().by_number.size()); }

std::string_view syscall_name(int nr) {
  const SyscallInfo* i = syscall_info(nr);
  return i ? i->name : std::string_view{};
}

int syscall_number(std::string_view name) { return syscall_info(name).nr; }

SyscallClasses trace_class(std::string_view name) {
  if (name == "file") return kClassFile;
  if (name == "desc" || name == "fd") return kClassDesc;
  if (name == "network" || name == "net") return kClassNetwork;
  if (name == "process" || name == "proc") return kClassProcess;
  if (name == "signal") return kClassSignal;
  if (name == "memory") return kClassMemory;
  if (name == "creds") return kClassCreds;
  return 0;
}

namespace {

struct ErrnoRow {
  const char* name;
  ErrnoClasses classes;
};

constexpr ErrnoClasses Tr = kErrTransient, Lk = kErrLookup, Pm = kErrPermission, Lm = kErrLimit,
                       Rs = kErrRestart, Nw = kErrNetwork;

constexpr ErrnoRow kErrnos[] = {
    {"EAGAIN", Tr | Lm},  // would block; also fork under RLIMIT_NPROC
    {"EWOULDBLOCK", Tr | Lm},
    {"EINTR", Tr},
    {"EINPROGRESS", Tr},  // a non-blocking connect: the outcome comes later
    {"EALREADY", Tr},
    {"ECHILD", Tr},       // wait with no child left
    {"ERESTARTSYS", Tr | Rs},
    {"ERESTARTNOINTR", Tr | Rs},
    {"ERESTARTNOHAND", Tr | Rs},
    {"ERESTART_RESTARTBLOCK", Tr | Rs},
    {"ENOENT", Lk},
    {"ENOTDIR", Lk},
    {"ELOOP", Lk},
    {"ENAMETOOLONG", Lk},
    {"EACCES", Lk | Pm},  // a search permission missing on the way
    {"EPERM", Pm},
    {"EROFS", Pm},
    {"EMFILE", Lm},
    {"ENFILE", Lm},
    {"ENOMEM", Lm},
    {"ENOSPC", Lm},
    {"EDQUOT", Lm},
    {"ENOBUFS", Lm},
    {"EFBIG", Lm},
    {"E2BIG", Lm},
    {"ETIMEDOUT", Nw},
    {"ECONNREFUSED", Nw},
    {"ECONNRESET", Nw},
    {"ECONNABORTED", Nw},
    {"ENETUNREACH", Nw},
    {"EHOSTUNREACH", Nw},
    {"ENETDOWN", Nw},
    {"EADDRINUSE", Nw},
    {"EADDRNOTAVAIL", Nw},
};

// Failures of a call that are part of normal operation wherever they
// appear: the question a program asked was answered "no", as expected.
struct ExpectedFailure {
  const char* call;
  const char* err;
  const char* why;
};

constexpr ExpectedFailure kExpected[] = {
    {"ioctl", "ENOTTY", "an isatty probe: not a terminal"},
    {"ioctl", "EINVAL", "an ioctl probe the device does not know"},
    {"ioctl", "ENOIOCTLCMD", "an ioctl probe the device does not know"},
    {"lseek", "ESPIPE", "a pipe or socket cannot seek"},
    {"readlink", "EINVAL", "not a symbolic link"},
    {"readlinkat", "EINVAL", "not a symbolic link"},
    {"unlink", "ENOENT", "removing what is already gone"},
    {"unlinkat", "ENOENT", "removing what is already gone"},
    {"rmdir", "ENOENT", "removing what is already gone"},
    {"mkdir", "EEXIST", "making what is already there"},
    {"mkdirat", "EEXIST", "making what is already there"},
    {"getpeername", "ENOTSOCK", "a shell asking whether stdin is a socket"},
    {"getsockname", "ENOTSOCK", "a shell asking whether stdin is a socket"},
};

// Files a program looks for and does without: the loader's optional
// lists, the name-service caches, locale and translation data, glibc's
// probes. A prefix per row.
struct OptionalFile {
  const char* prefix;
  const char* why;
};

constexpr OptionalFile kOptionalFiles[] = {
    {"/etc/ld.so.preload", "the loader's optional preload list"},
    {"/etc/ld.so.nohwcap", "the loader's optional hwcap switch"},
    {"/var/run/nscd/", "the name-service cache daemon, used when running"},
    {"/run/nscd/", "the name-service cache daemon, used when running"},
    {"/var/lib/sss/mc/", "the SSSD cache, used when installed"},
    {"/usr/lib/locale/", "locale data, optional"},
    {"/usr/share/locale/", "a translation, optional"},
    {"/usr/share/locale-langpack/", "a translation, optional"},
    {"/etc/localtime", "the time zone, optional (UTC without it)"},
    {"/etc/suid-debug", "glibc's optional debug switch"},
    {"/proc/sys/kernel/", "a kernel setting probed"},
    {"/sys/fs/selinux", "SELinux, absent where it is not enabled"},
    {"/etc/gconv", "character-set conversion modules, optional"},
    {"/usr/lib/x86_64-linux-gnu/gconv", "character-set conversion modules, optional"},
};

}  // namespace

std::string_view optional_file(std::string_view path) {
  for (const OptionalFile& f : kOptionalFiles)
    if (path.starts_with(f.prefix)) return f.why;
  return {};
}

ErrnoClasses errno_classes(std::string_view name) {
  static const std::unordered_map<std::string_view, ErrnoClasses> m = [] {
    std::unordered_map<std::string_view, ErrnoClasses> r;
    for (const ErrnoRow& e : kErrnos) r.emplace(e.name, e.classes);
    return r;
  }();
  auto it = m.find(name);
  return it == m.end() ? 0 : it->second;
}

std::string_view expected_failure(std::string_view name, std::string_view err) {
  for (const ExpectedFailure& x : kExpected)
    if (name == x.call && err == x.err) return x.why;
  if (syscall_info(name).is(kClassProbe)) return "a feature probe";
  return {};
}

}  // namespace tracediff

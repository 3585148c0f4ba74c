// What tracediff knows about each system call and each errno, kept as data
// in one table (strace's sysent rows: one row per call, its classes as
// flags). Every stage reads it; none keeps a list of call names of its own.
//
// A row says what a call *is*: which arguments are paths, fds or dirfds,
// which classes it belongs to (file, desc, network, process, ...; lookup,
// stat, reads data, returns an fd, ...), how many arguments it takes, what
// a successful call does to the state a replay of the trace keeps (opens
// an fd, closes one, changes the cwd, ...), and under which canonical name
// libc versions make it (open -> openat). Whether a difference in a call
// matters is decided in context by the stages, not here.
//
// The numbers of the architecture this build is for are generated at build
// time from the system's <asm/unistd_64.h> (cmake/gen_syscalls.py), never
// typed by hand. Calls the table has no row for are known by name only:
// no classes, no roles, six arguments.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/compact_string.h"

namespace tracediff {

/// Classes of a call; a row has any number of them.
enum SyscallClass : std::uint32_t {
  kClassFile = 1u << 0,         ///< takes a file name (strace's %file)
  kClassDesc = 1u << 1,         ///< takes or makes a file descriptor (%desc, %fd)
  kClassNetwork = 1u << 2,      ///< sockets (%network)
  kClassProcess = 1u << 3,      ///< process lifecycle (%process)
  kClassSignal = 1u << 4,       ///< signals (%signal)
  kClassMemory = 1u << 5,       ///< memory mapping (%memory)
  kClassCreds = 1u << 6,        ///< credentials (%creds)
  kClassClock = 1u << 7,        ///< clocks, timers and sleeps
  kClassSched = 1u << 8,        ///< scheduling
  kClassSync = 1u << 9,         ///< futexes and robust lists
  kClassSigMask = 1u << 10,     ///< signal masks, handlers and returns
  kClassThreadSetup = 1u << 11, ///< bookkeeping every new thread makes (TLS base, tid address, rseq)
  kClassTiming = 1u << 12,      ///< what it returns depends on when it ran (waits, clocks, allocation)
  kClassLookup = 1u << 13,      ///< looks a name up: a failure may be one step of a search (PATH, the loader)
  kClassStat = 1u << 14,        ///< fills a stat-like struct
  kClassReads = 1u << 15,       ///< reads data into the buffer of its second argument
  kClassWrites = 1u << 16,      ///< writes the data of its second argument
  kClassExec = 1u << 17,        ///< runs a program
  kClassClone = 1u << 18,       ///< makes a task (fork, vfork, clone, clone3)
  kClassReturnsFd = 1u << 19,   ///< a successful return is a new fd
  kClassReturnsPid = 1u << 20,  ///< a successful return is a pid or tid
  kClassTakesPid = 1u << 21,    ///< its first argument is a pid or tid
  kClassChangesFs = 1u << 22,   ///< when it succeeds, the file tree (names, owners, modes, mounts) may differ
  kClassCreates = 1u << 23,     ///< makes a new name in a directory (mkdir, link, bind to a path, ...)
  kClassProbe = 1u << 24,       ///< a failure is a feature probe, normal on any host (arch_prctl, rseq, ...)
  kClassReturnsId = 1u << 25,   ///< returns a user or group id (getuid, ...)
  kClassMaps = 1u << 26,        ///< maps or protects memory: failing is a limit (ENOMEM) or a policy (EPERM: noexec)
};
using SyscallClasses = std::uint32_t;

/// What one argument position of a call means.
enum class ArgRole : std::uint8_t {
  Other,       ///< nothing known
  Path,        ///< a path, resolved against the cwd or the DirFd before it
  Fd,          ///< a file descriptor
  DirFd,       ///< a directory fd (or AT_FDCWD) that the next Path is relative to
  LinkTarget,  ///< a symlink's target: a path-like string never resolved against the cwd
  Out,         ///< a buffer the call fills (readlink's target, getcwd's path)
};

/// What a successful call does to the per-process state a replay keeps
/// (model/replay.h). `SyscallInfo::effect_arg` says which argument.
enum class Effect : std::uint8_t {
  None,
  Open,        ///< the result is a new fd naming the path argument
  Socket,      ///< the result is a new socket of the family in argument 0
  Accept,      ///< the result is a connection accepted on the fd argument
  Dup,         ///< the result is a copy of fd argument 0
  DupTo,       ///< argument 1 becomes a copy of fd argument 0
  FcntlDup,    ///< fcntl: with F_DUPFD*, the result is a copy of argument 0
  Pipe,        ///< argument effect_arg is an array of two new pipe fds (read, write)
  SocketPair,  ///< argument effect_arg is an array of two connected socket fds
  Anon,        ///< the result is a new fd of an anonymous kind (SyscallInfo::anon)
  Close,       ///< fd argument 0 is closed
  CloseRange,  ///< fds from argument 0 to argument 1 are closed
  Chdir,       ///< the cwd becomes the path argument
  Fchdir,      ///< the cwd becomes what fd argument 0 names
  Bind,        ///< the fd argument gets the local address of argument 1
  Connect,     ///< the fd argument gets the remote address of argument 1
  SetUid,      ///< the effective uid becomes argument effect_arg
  SetGid,      ///< the effective gid becomes argument effect_arg
  SetGroups,   ///< the supplementary groups become the array in argument 1
};

/// One row of the table.
struct SyscallInfo {
  std::string_view name;
  int nr = -1;                       ///< number on this build's architecture, -1 when it has none
  SyscallClasses classes = 0;
  std::array<ArgRole, 6> roles{};    ///< by argument position
  std::uint8_t nargs = 6;            ///< arguments the kernel reads
  Effect effect = Effect::None;
  std::uint8_t effect_arg = 0;
  std::string_view anon;             ///< Effect::Anon: the referent ("anon_inode:[eventfd]")
  std::string_view family;           ///< the name current glibc uses for the same request ("openat" for open)

  bool is(SyscallClasses c) const { return (classes & c) != 0; }
  /// Role of argument `i`; Other past the table.
  ArgRole role(std::size_t i) const { return i < roles.size() ? roles[i] : ArgRole::Other; }
  /// Position of the first Path argument, -1 when none.
  int path_index() const;
  /// Position of the DirFd the first Path is relative to, -1 when none.
  int dirfd_index() const;
  /// Position of the first Fd (or DirFd) argument, -1 when none.
  int fd_index() const;
};

/// The row of `name`: for a call the table does not know, an empty row (no
/// name, no classes, no roles, six arguments). Never fails; the reference
/// stays valid for the life of the program.
const SyscallInfo& syscall_info(std::string_view name);
/// The same for an event's (interned) name, remembered per name: the
/// differ and the normalizer ask for every event of a million.
const SyscallInfo& syscall_info(const InternedString& name);
inline const SyscallInfo& syscall_info(const char* name) { return syscall_info(std::string_view(name)); }
/// The row of call number `nr` on this build's architecture; null for a
/// number it does not have.
const SyscallInfo* syscall_info(int nr);
/// True when call `name` has any of the classes `c`.
inline bool syscall_is(std::string_view name, SyscallClasses c) { return syscall_info(name).is(c); }
inline bool syscall_is(const InternedString& name, SyscallClasses c) { return syscall_info(name).is(c); }
inline bool syscall_is(const char* name, SyscallClasses c) { return syscall_info(name).is(c); }

/// Every call of this build's architecture, by number (index = number;
/// a number the architecture skips has an empty name).
const std::vector<const SyscallInfo*>& syscalls_by_number();
/// Architecture whose numbers this build carries ("x86_64").
const char* syscall_arch();
/// One past the highest call number of this build's architecture.
int syscall_count();
/// The name of call `nr`, or "" for a number the architecture lacks.
std::string_view syscall_name(int nr);
/// The number of `name` on this build's architecture, or -1.
int syscall_number(std::string_view name);

/// The classes strace's -e trace=%NAME selects ("file", "desc", "network",
/// "process", "signal", "memory", "creds"; "fd", "net" and "proc" are
/// spelled too); 0 for an unknown name.
SyscallClasses trace_class(std::string_view name);
/// The classes the recorder leaves out by default: memory management,
/// futexes, clocks and timers, signal masks, scheduling and thread set-up.
/// They are the bulk of a program's calls and where ptrace's cost goes.
inline constexpr SyscallClasses kDefaultExcluded =
    kClassMemory | kClassSync | kClassClock | kClassSigMask | kClassSched | kClassThreadSetup;
/// True for a call the recorder leaves out by default: of those classes,
/// but not a mapping (mmap, mprotect, brk, mremap), whose failure under a
/// lower RLIMIT_AS or on a noexec mount is the cause of a MemoryError or
/// of a plugin that will not load.
inline bool excluded_by_default(const SyscallInfo& i) { return i.is(kDefaultExcluded) && !i.is(kClassMaps); }

/// Classes of an errno.
enum ErrnoClass : std::uint16_t {
  kErrTransient = 1u << 0,      ///< try again: would block, interrupted, restarted, in progress
  kErrLookup = 1u << 1,         ///< the name was not found on the way (a lookup may go on elsewhere)
  kErrPermission = 1u << 2,     ///< not allowed: modes, owners, capabilities, read-only mounts
  kErrLimit = 1u << 3,          ///< a resource limit or exhaustion (fds, memory, processes, disk)
  kErrRestart = 1u << 4,        ///< kernel-internal: the call is restarted, the program never sees it
  kErrNetwork = 1u << 5,        ///< the network said no (refused, unreachable, reset, timed out)
};
using ErrnoClasses = std::uint16_t;

/// The classes of errno `name` ("ENOENT"); 0 for an unknown name.
ErrnoClasses errno_classes(std::string_view name);
inline bool errno_is(std::string_view name, ErrnoClasses c) { return (errno_classes(name) & c) != 0; }

/// Why call `name` failing with `err` is normal on any host (an isatty
/// probe, lseek on a pipe, removing what is already gone, a probe call of
/// class Probe failing at all), or "" when it is not such a failure.
std::string_view expected_failure(std::string_view name, std::string_view err);

/// Why a file that is absent is normal on any host ("the loader's optional
/// preload list", "a translation", ...), or "" when its absence may matter:
/// files glibc and the loader look for and do without.
std::string_view optional_file(std::string_view path);

}  // namespace tracediff

#include "record/flags.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <fmt/format.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>

#include <array>

#include "model/trace.h"

namespace tracediff::record::detail {
namespace {

// glibc folds __O_SYNC into O_SYNC; the kernel bit alone is O_SYNC minus O_DSYNC.
constexpr int kOSyncBit = O_SYNC & ~O_DSYNC;

#define F(x) FlagName{static_cast<std::uint64_t>(x), #x}

constexpr FlagName kOpenFlagsArr[] = {
    F(O_CREAT),   F(O_EXCL),     F(O_NOCTTY),  F(O_TRUNC),    F(O_APPEND),   F(O_NONBLOCK),
    F(O_DSYNC),   F(O_ASYNC),    F(O_DIRECT),  F(O_LARGEFILE), F(O_DIRECTORY), F(O_NOFOLLOW),
    F(O_NOATIME), F(O_CLOEXEC),  FlagName{kOSyncBit, "__O_SYNC"},  F(O_PATH),     F(__O_TMPFILE),
};
constexpr FlagName kAtFlagsArr[] = {
    F(AT_SYMLINK_NOFOLLOW), F(AT_REMOVEDIR), F(AT_SYMLINK_FOLLOW), F(AT_NO_AUTOMOUNT),
    F(AT_EMPTY_PATH),       F(AT_EACCESS),   F(AT_STATX_FORCE_SYNC), F(AT_STATX_DONT_SYNC),
    F(AT_RECURSIVE),
};
constexpr FlagName kAccessModesArr[] = {F(R_OK), F(W_OK), F(X_OK)};
constexpr FlagName kAddressFamiliesArr[] = {
    F(AF_UNSPEC), F(AF_UNIX), F(AF_INET), F(AF_INET6), F(AF_NETLINK), F(AF_PACKET), F(AF_ALG),
    F(AF_VSOCK),  F(AF_BLUETOOTH), F(AF_KEY), F(AF_XDP),
};
constexpr FlagName kMsgFlagsArr[] = {
    F(MSG_OOB),      F(MSG_PEEK),     F(MSG_DONTROUTE), F(MSG_CTRUNC), F(MSG_PROXY),
    F(MSG_TRUNC),    F(MSG_DONTWAIT), F(MSG_EOR),       F(MSG_WAITALL), F(MSG_FIN),
    F(MSG_SYN),      F(MSG_CONFIRM),  F(MSG_RST),       F(MSG_ERRQUEUE), F(MSG_NOSIGNAL),
    F(MSG_MORE),     F(MSG_WAITFORONE), F(MSG_FASTOPEN), F(MSG_CMSG_CLOEXEC),
};
constexpr FlagName kFcntlCmdsArr[] = {
    F(F_DUPFD), F(F_GETFD), F(F_SETFD), F(F_GETFL), F(F_SETFL), F(F_GETLK), F(F_SETLK),
    F(F_SETLKW), F(F_SETOWN), F(F_GETOWN), F(F_SETSIG), F(F_GETSIG), F(F_OFD_GETLK),
    F(F_OFD_SETLK), F(F_OFD_SETLKW), F(F_SETLEASE), F(F_GETLEASE), F(F_NOTIFY),
    F(F_DUPFD_CLOEXEC), F(F_SETPIPE_SZ), F(F_GETPIPE_SZ), F(F_ADD_SEALS), F(F_GET_SEALS),
};
constexpr FlagName kFdFlagsArr[] = {F(FD_CLOEXEC)};
constexpr FlagName kWaitOptionsArr[] = {
    F(WNOHANG), F(WUNTRACED), F(WEXITED), F(WCONTINUED), F(WNOWAIT), F(__WNOTHREAD),
    F(__WALL), F(__WCLONE),
};
constexpr FlagName kPrctlOptionsArr[] = {
    F(PR_SET_PDEATHSIG), F(PR_GET_PDEATHSIG), F(PR_GET_DUMPABLE), F(PR_SET_DUMPABLE),
    F(PR_SET_NAME), F(PR_GET_NAME), F(PR_GET_SECCOMP), F(PR_SET_SECCOMP),
    F(PR_CAPBSET_READ), F(PR_CAPBSET_DROP), F(PR_GET_SECUREBITS), F(PR_SET_SECUREBITS),
    F(PR_SET_NO_NEW_PRIVS), F(PR_GET_NO_NEW_PRIVS), F(PR_SET_CHILD_SUBREAPER),
    F(PR_GET_CHILD_SUBREAPER), F(PR_CAP_AMBIENT), F(PR_SET_KEEPCAPS), F(PR_GET_KEEPCAPS),
    F(PR_SET_MM), F(PR_SET_VMA), F(PR_SET_THP_DISABLE), F(PR_GET_THP_DISABLE),
    F(PR_SET_PTRACER), F(PR_SET_TIMERSLACK), F(PR_GET_TIMERSLACK),
};
constexpr FlagName kIoctlRequestsArr[] = {
    F(TCGETS), F(TCSETS), F(TCSETSW), F(TCSETSF), F(TIOCGWINSZ), F(TIOCSWINSZ), F(TIOCGPGRP),
    F(TIOCSPGRP), F(TIOCSCTTY), F(TIOCNOTTY), F(FIONREAD), F(FIONBIO), F(FIOCLEX), F(FIONCLEX),
    F(FIOASYNC), F(TIOCGPTN), F(TIOCSPTLCK), F(TIOCGSID), F(TCFLSH), F(TCXONC), F(TCSBRK),
    F(FS_IOC_GETFLAGS), F(FS_IOC_SETFLAGS), F(FICLONE), F(BLKGETSIZE64), F(FIGETBSZ),
};
constexpr FlagName kMountFlagsArr[] = {
    F(MS_RDONLY), F(MS_NOSUID), F(MS_NODEV), F(MS_NOEXEC), F(MS_SYNCHRONOUS), F(MS_REMOUNT),
    F(MS_MANDLOCK), F(MS_DIRSYNC), F(MS_NOATIME), F(MS_NODIRATIME), F(MS_BIND), F(MS_MOVE),
    F(MS_REC), F(MS_SILENT), F(MS_POSIXACL), F(MS_UNBINDABLE), F(MS_PRIVATE), F(MS_SLAVE),
    F(MS_SHARED), F(MS_RELATIME), F(MS_KERNMOUNT), F(MS_I_VERSION), F(MS_STRICTATIME),
    F(MS_LAZYTIME),
};
constexpr FlagName kUmountFlagsArr[] = {F(MNT_FORCE), F(MNT_DETACH), F(MNT_EXPIRE), F(UMOUNT_NOFOLLOW)};
constexpr FlagName kRenameFlagsArr[] = {F(RENAME_NOREPLACE), F(RENAME_EXCHANGE), F(RENAME_WHITEOUT)};
constexpr FlagName kPipeFlagsArr[] = {F(O_CLOEXEC), F(O_NONBLOCK), F(O_DIRECT)};
constexpr FlagName kStatxMaskArr[] = {
    F(STATX_TYPE), F(STATX_MODE), F(STATX_NLINK), F(STATX_UID), F(STATX_GID), F(STATX_ATIME),
    F(STATX_MTIME), F(STATX_CTIME), F(STATX_INO), F(STATX_SIZE), F(STATX_BLOCKS),
    F(STATX_BTIME), F(STATX_MNT_ID), F(STATX_DIOALIGN),
};
constexpr FlagName kResolveFlagsArr[] = {
    F(RESOLVE_NO_XDEV), F(RESOLVE_NO_MAGICLINKS), F(RESOLVE_NO_SYMLINKS), F(RESOLVE_BENEATH),
    F(RESOLVE_IN_ROOT), F(RESOLVE_CACHED),
};
constexpr FlagName kWhenceArr[] = {F(SEEK_SET), F(SEEK_CUR), F(SEEK_END), F(SEEK_DATA), F(SEEK_HOLE)};
constexpr FlagName kIdTypesArr[] = {F(P_ALL), F(P_PID), F(P_PGID), F(P_PIDFD)};
constexpr FlagName kCloneFlagsArr[] = {
    F(CLONE_VM), F(CLONE_FS), F(CLONE_FILES), F(CLONE_SIGHAND), F(CLONE_PIDFD), F(CLONE_PTRACE),
    F(CLONE_VFORK), F(CLONE_PARENT), F(CLONE_THREAD), F(CLONE_NEWNS), F(CLONE_SYSVSEM),
    F(CLONE_SETTLS), F(CLONE_PARENT_SETTID), F(CLONE_CHILD_CLEARTID), F(CLONE_DETACHED),
    F(CLONE_UNTRACED), F(CLONE_CHILD_SETTID), F(CLONE_NEWCGROUP), F(CLONE_NEWUTS),
    F(CLONE_NEWIPC), F(CLONE_NEWUSER), F(CLONE_NEWPID), F(CLONE_NEWNET), F(CLONE_IO),
};
constexpr FlagName kSockTypesArr[] = {
    F(SOCK_STREAM), F(SOCK_DGRAM), F(SOCK_RAW), F(SOCK_RDM), F(SOCK_SEQPACKET), F(SOCK_DCCP),
    F(SOCK_PACKET),
};
constexpr FlagName kSockTypeFlagsArr[] = {F(SOCK_NONBLOCK), F(SOCK_CLOEXEC)};
constexpr FlagName kFileTypesArr[] = {
    F(S_IFREG), F(S_IFDIR), F(S_IFLNK), F(S_IFCHR), F(S_IFBLK), F(S_IFIFO), F(S_IFSOCK),
};

constexpr FlagName kSockLevelsArr[] = {
    F(SOL_SOCKET), F(IPPROTO_IP), F(IPPROTO_TCP), F(IPPROTO_UDP), F(IPPROTO_IPV6),
};
constexpr FlagName kSockOptsArr[] = {
    F(SO_DEBUG), F(SO_REUSEADDR), F(SO_TYPE), F(SO_ERROR), F(SO_DONTROUTE), F(SO_BROADCAST),
    F(SO_SNDBUF), F(SO_RCVBUF), F(SO_KEEPALIVE), F(SO_OOBINLINE), F(SO_LINGER), F(SO_REUSEPORT),
    F(SO_PASSCRED), F(SO_PEERCRED), F(SO_RCVLOWAT), F(SO_SNDLOWAT), F(SO_RCVTIMEO), F(SO_SNDTIMEO),
    F(SO_ACCEPTCONN), F(SO_PROTOCOL), F(SO_DOMAIN), F(SO_PRIORITY), F(SO_MARK),
};
constexpr FlagName kFlockOpsArr[] = {F(LOCK_SH), F(LOCK_EX), F(LOCK_UN), F(LOCK_NB)};
constexpr FlagName kProtFlagsArr[] = {F(PROT_READ), F(PROT_WRITE), F(PROT_EXEC), F(PROT_GROWSDOWN), F(PROT_GROWSUP)};
constexpr FlagName kMapFlagsArr[] = {
    F(MAP_SHARED), F(MAP_PRIVATE), F(MAP_FIXED), F(MAP_ANONYMOUS), F(MAP_GROWSDOWN), F(MAP_DENYWRITE),
    F(MAP_EXECUTABLE), F(MAP_LOCKED), F(MAP_NORESERVE), F(MAP_POPULATE), F(MAP_NONBLOCK), F(MAP_STACK),
    F(MAP_HUGETLB), F(MAP_SYNC), F(MAP_FIXED_NOREPLACE), F(MAP_32BIT),
};

#undef F

}  // namespace

const FlagTable kAtFlags{kAtFlagsArr};
const FlagTable kAccessModes{kAccessModesArr};
const FlagTable kAddressFamilies{kAddressFamiliesArr};
const FlagTable kMsgFlags{kMsgFlagsArr};
const FlagTable kSockLevels{kSockLevelsArr};
const FlagTable kSockOpts{kSockOptsArr};
const FlagTable kFlockOps{kFlockOpsArr};
const FlagTable kProtFlags{kProtFlagsArr};
const FlagTable kMapFlags{kMapFlagsArr};
const FlagTable kFcntlCmds{kFcntlCmdsArr};
const FlagTable kFdFlags{kFdFlagsArr};
const FlagTable kWaitOptions{kWaitOptionsArr};
const FlagTable kPrctlOptions{kPrctlOptionsArr};
const FlagTable kIoctlRequests{kIoctlRequestsArr};
const FlagTable kMountFlags{kMountFlagsArr};
const FlagTable kUmountFlags{kUmountFlagsArr};
const FlagTable kRenameFlags{kRenameFlagsArr};
const FlagTable kPipeFlags{kPipeFlagsArr};
const FlagTable kStatxMask{kStatxMaskArr};
const FlagTable kResolveFlags{kResolveFlagsArr};
const FlagTable kWhence{kWhenceArr};
const FlagTable kIdTypes{kIdTypesArr};

std::string flags_to_string(std::uint64_t v, FlagTable t, const char* zero) {
  if (v == 0) return zero;
  std::string out;
  for (const FlagName& f : t) {
    if (f.value && (v & f.value) == f.value) {
      if (!out.empty()) out.push_back('|');
      out += f.name;
      v &= ~f.value;
    }
  }
  if (v) {
    if (!out.empty()) out.push_back('|');
    out += fmt::format("{:#x}", v);
  }
  return out;
}

std::string enum_to_string(std::uint64_t v, FlagTable t) {
  for (const FlagName& f : t)
    if (f.value == v) return f.name;
  return fmt::format("{}", static_cast<std::int64_t>(v));
}

std::string open_flags_to_string(std::uint64_t v) {
  static constexpr const char* kAcc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
  std::string out = kAcc[v & O_ACCMODE];
  v &= ~static_cast<std::uint64_t>(O_ACCMODE);
  // O_TMPFILE includes O_DIRECTORY; O_SYNC includes O_DSYNC: show the
  // composite names the way a person writes them.
  if ((v & __O_TMPFILE) && (v & O_DIRECTORY)) {
    out += "|O_TMPFILE";
    v &= ~static_cast<std::uint64_t>(__O_TMPFILE | O_DIRECTORY);
  }
  if ((v & kOSyncBit) && (v & O_DSYNC)) {
    out += "|O_SYNC";
    v &= ~static_cast<std::uint64_t>(kOSyncBit | O_DSYNC);
  }
  if (v) out += "|" + flags_to_string(v, kOpenFlagsArr);
  return out;
}

std::string mode_to_string(std::uint32_t mode) { return fmt::format("0{:o}", mode); }

std::string stat_mode_to_string(std::uint32_t mode) {
  std::string type = enum_to_string(mode & S_IFMT, kFileTypesArr);
  return fmt::format("{}|{:04o}", type, mode & 07777);
}

std::string clone_flags_to_string(std::uint64_t v) {
  std::uint64_t sig = v & 0xff;
  std::string out = flags_to_string(v & ~0xffULL, kCloneFlagsArr, "");
  if (sig) {
    if (!out.empty()) out.push_back('|');
    out += signal_name(static_cast<int>(sig));
  }
  return out.empty() ? "0" : out;
}

std::string socket_type_to_string(std::uint64_t v) {
  std::string out = enum_to_string(v & 0xf, kSockTypesArr);
  std::uint64_t rest = v & ~0xfULL;
  if (rest) out += "|" + flags_to_string(rest, kSockTypeFlagsArr);
  return out;
}

std::string wait_status_to_string(int s) {
  if (WIFEXITED(s)) return fmt::format("[{{WIFEXITED(s) && WEXITSTATUS(s) == {}}}]", WEXITSTATUS(s));
  if (WIFSIGNALED(s))
    return fmt::format("[{{WIFSIGNALED(s) && WTERMSIG(s) == {}{}}}]", signal_name(WTERMSIG(s)),
                       WCOREDUMP(s) ? " && WCOREDUMP(s)" : "");
  if (WIFSTOPPED(s)) return fmt::format("[{{WIFSTOPPED(s) && WSTOPSIG(s) == {}}}]", signal_name(WSTOPSIG(s)));
  if (WIFCONTINUED(s)) return "[{WIFCONTINUED(s)}]";
  return fmt::format("[{:#x}]", s);
}

}  // namespace tracediff::record::detail

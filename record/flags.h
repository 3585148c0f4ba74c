// Flag and constant names, one table per family. Decoders turn raw values
// into names through these; tables are data, not switches.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tracediff::record::detail {

struct FlagName {
  std::uint64_t value;
  const char* name;
};
using FlagTable = std::span<const FlagName>;

/// Bits of `v` named from `t` joined with '|'; unnamed bits left as hex;
/// `zero` when v is 0.
std::string flags_to_string(std::uint64_t v, FlagTable t, const char* zero = "0");
/// The name of the constant equal to `v`, else its decimal value.
std::string enum_to_string(std::uint64_t v, FlagTable t);
/// open(2) flags: access mode first ("O_RDONLY|O_CLOEXEC").
std::string open_flags_to_string(std::uint64_t v);
/// A permission mode in octal with a leading zero ("0644").
std::string mode_to_string(std::uint32_t mode);
/// A st_mode: type and permissions ("S_IFREG|0644").
std::string stat_mode_to_string(std::uint32_t mode);
/// clone flags, with the exit signal in the low byte named ("CLONE_VM|SIGCHLD").
std::string clone_flags_to_string(std::uint64_t v);
/// socket(2) type: base type plus SOCK_NONBLOCK/SOCK_CLOEXEC.
std::string socket_type_to_string(std::uint64_t v);
/// wait(2) status as strace shows it: "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]".
std::string wait_status_to_string(int status);

extern const FlagTable kAtFlags;
extern const FlagTable kAccessModes;
extern const FlagTable kAddressFamilies;
extern const FlagTable kMsgFlags;
extern const FlagTable kSockLevels;   ///< getsockopt/setsockopt levels (SOL_SOCKET, IPPROTO_TCP, ...)
extern const FlagTable kSockOpts;     ///< SOL_SOCKET option names
extern const FlagTable kFlockOps;     ///< flock(2) operations
extern const FlagTable kProtFlags;    ///< mmap/mprotect protections
extern const FlagTable kMapFlags;     ///< mmap flags
extern const FlagTable kFcntlCmds;
extern const FlagTable kFdFlags;
extern const FlagTable kWaitOptions;
extern const FlagTable kPrctlOptions;
extern const FlagTable kIoctlRequests;
extern const FlagTable kMountFlags;
extern const FlagTable kUmountFlags;
extern const FlagTable kRenameFlags;
extern const FlagTable kPipeFlags;
extern const FlagTable kStatxMask;
extern const FlagTable kResolveFlags;
extern const FlagTable kWhence;
extern const FlagTable kIdTypes;

}  // namespace tracediff::record::detail

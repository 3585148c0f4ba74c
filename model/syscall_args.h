// Which argument of a system call is a path, an fd or a directory fd.
//
// One small table shared by the strace importer (to type arguments), the
// recorder (to know what to decode) and the differ (to know what to compare).
// Calls not in the table have no known roles; nothing here guesses.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tracediff {

/// What one argument position of a call means.
enum class ArgRole : std::uint8_t {
  Other,       ///< nothing known
  Path,        ///< a path, resolved against the cwd or the DirFd before it
  Fd,          ///< a file descriptor
  DirFd,       ///< a directory fd (or AT_FDCWD) that the next Path is relative to
  LinkTarget,  ///< a symlink's target: a path-like string never resolved against the cwd
};

/// The roles of a call's arguments and what it returns.
struct SyscallArgs {
  std::string_view name;
  std::array<ArgRole, 6> roles{};   ///< by argument position
  bool returns_fd = false;          ///< a successful return is a new fd
  bool returns_pid = false;         ///< a successful return is a new task (clone, fork)
  /// Role of argument `i`; Other past the table.
  ArgRole role(std::size_t i) const { return i < roles.size() ? roles[i] : ArgRole::Other; }
};

/// The entry for `name`, or nullptr when the call has no path/fd arguments.
const SyscallArgs* syscall_args(std::string_view name);

}  // namespace tracediff

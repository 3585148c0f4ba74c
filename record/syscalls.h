// The system call table of the architecture the recorder was built for,
// and the named classes used by `-e trace=` and the default filter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tracediff::record::detail {

/// Architecture whose table this build carries ("x86_64"); written in the header.
const char* syscall_arch();
/// One past the highest system call number in the table.
int syscall_count();
/// The name of call `nr`, or "" for a number the table does not know.
std::string_view syscall_name(int nr);
/// The number of `name`, or -1.
int syscall_number(std::string_view name);

/// Which calls stop the tracee (index = number). `set` holds names and
/// %classes (%file %process %network %fd %creds %memory %signal, also
/// %desc/%net as strace spells them), "all" or empty for the default set.
/// A leading "!" negates the whole set as in strace. Throws InputError
/// naming the first unknown entry.
std::vector<bool> select_syscalls(const std::vector<std::string>& set, bool all);

/// The calls left out of the default set: memory management, futex, clock
/// and time, signal masks and scheduling.
const std::vector<std::string>& default_excluded_syscalls();

}  // namespace tracediff::record::detail

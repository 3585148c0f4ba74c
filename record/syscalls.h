// Which calls stop the tracee: the selection of `-e trace=` and the
// default set, over the model's syscall table (model/syscalls.h).
#pragma once

#include <string>
#include <vector>

#include "model/syscalls.h"

namespace tracediff::record::detail {

/// Which calls stop the tracee (index = number). `set` holds names and
/// %classes (%file %process %network %fd %creds %memory %signal, also
/// %desc/%net as strace spells them), "all" or empty for the default set.
/// A leading "!" negates the whole set as in strace. Throws InputError
/// naming the first unknown entry.
std::vector<bool> select_syscalls(const std::vector<std::string>& set, bool all);

/// The calls left out of the default set (the table's kDefaultExcluded
/// classes), by number.
const std::vector<std::string>& default_excluded_syscalls();

}  // namespace tracediff::record::detail

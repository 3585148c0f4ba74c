// The recorder's selection of calls over the model's syscall table.
#include "record/syscalls.h"

#include <fmt/format.h>

#include "model/errors.h"

namespace tracediff::record::detail {

const std::vector<std::string>& default_excluded_syscalls() {
  // Why these are out: they are the bulk of a program's calls (an
  // interpreter start-up makes hundreds of mmap/mprotect/futex/clock calls),
  // they do not differ between a working and a failing host in a way a
  // person acts on, and stopping at them is where ptrace's cost goes.
  static const std::vector<std::string> v = [] {
    std::vector<std::string> r;
    for (const SyscallInfo* i : syscalls_by_number())
      if (i && excluded_by_default(*i)) r.emplace_back(i->name);
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
      SyscallClasses cls = trace_class(std::string_view(item).substr(1));
      if (!cls)
        throw InputError(fmt::format("-e trace: unknown class '{}' (known: %file %process %network "
                                     "%fd %creds %memory %signal)", item));
      for (const SyscallInfo* i : syscalls_by_number())
        if (i && i->is(cls)) sel[static_cast<std::size_t>(i->nr)] = true;
    } else if (!add_name(item, true)) {
      throw InputError(fmt::format("-e trace: unknown system call '{}' on {}", item, syscall_arch()));
    }
  }
  if (negate) sel.flip();
  return sel;
}

}  // namespace tracediff::record::detail

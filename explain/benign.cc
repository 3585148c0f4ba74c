// Failures that are part of normal operation, and the searches they belong to.
#include "explain/search.h"

#include <algorithm>

#include "model/syscalls.h"

namespace tracediff::explain::detail {

// Failures that are part of normal operation wherever they appear.
bool always_benign(const Event& e, const std::string& path) {
  const std::string_view err = e.result.err.view();
  if (errno_is(err, kErrRestart) || err == "ECHILD") return true;
  // Would block or interrupted: how I/O and waits go when data or time is
  // not there yet. A lock or a fork that would block is an answer, though.
  if (errno_is(err, kErrTransient) &&
      (syscall_is(e.name, kClassReads | kClassWrites | kClassTiming) || err == "EINPROGRESS" || err == "EALREADY" ||
       err == "EINTR"))
    return true;
  if (!expected_failure(e.name.view(), err).empty()) return true;  // isatty probes, removing what is gone, ...
  // A shell asks whether there is a terminal.
  if (path == "/dev/tty" && (err == "ENXIO" || err == "ENODEV")) return true;
  // glibc asks the name-service caches first and falls back quietly.
  const SyscallInfo& info = syscall_info(e.name);
  if (info.is(kClassNetwork) && e.args.size() >= 2) {
    std::string a = arg_sockaddr(e.args[1]);
    if (a.find("/nscd/") != std::string::npos || a.find("/sss/") != std::string::npos) return true;
  }
  // The loader's optional files and glibc's probes.
  if (!optional_file(path).empty()) return true;
  return false;
}

bool Searcher::benign(std::size_t j, std::size_t until) const {
  const Event& e = t_.events[j];
  auto it = r_.ctx.find(j);
  std::string path = it != r_.ctx.end() ? it->second.path : std::string();
  if (always_benign(e, path)) return true;
  if (path.empty() || !errno_is(e.result.err, kErrLookup)) return false;
  // A lookup that later succeeds under another directory (or once created).
  auto f = found_.find({r_.tgid[j], basename_of(path)});
  if (f == found_.end()) return false;
  auto k = std::upper_bound(f->second.begin(), f->second.end(), j);
  return k != f->second.end() && *k < until;
}

// Every failing lookup of the same name in this process since its last
// exec (the loader's and PATH's search lists).
std::vector<std::string> Searcher::tried(std::size_t cause) const {
  std::vector<std::string> out;
  auto c = r_.ctx.find(cause);
  if (c == r_.ctx.end() || c->second.path.empty()) return out;
  std::string base = basename_of(c->second.path);
  std::int32_t pid = r_.tgid[cause];
  std::size_t start = r_.first_event.count(pid) ? r_.first_event.at(pid) : 0;
  for (std::size_t i = start; i <= cause; ++i) {
    const Event& e = t_.events[i];
    if (r_.tgid[i] != pid || !is_syscall(i)) continue;
    if ((e.name == "execve" || e.name == "execveat") && !e.result.failed() && i < cause) out.clear();
    if (!e.result.failed() || e.result.err != t_.events[cause].result.err) continue;
    auto it = r_.ctx.find(i);
    if (it == r_.ctx.end() || basename_of(it->second.path) != base) continue;
    if (std::find(out.begin(), out.end(), it->second.path) == out.end()) out.push_back(it->second.path);
  }
  if (out.size() < 2) out.clear();
  return out;
}

}  // namespace tracediff::explain::detail

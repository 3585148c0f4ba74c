#include "record/state.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

namespace tracediff::record::detail {

std::string read_link(const std::string& p) {
  char buf[4096];
  ssize_t n = readlink(p.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

const std::string& FdTable::ref(pid_t tid, int fd) {
  auto it = fds.find(fd);
  if (it != fds.end()) return it->second.ref;
  static const std::string kNone;
  if (fd < 0) return kNone;
  // Not seen opened (inherited, or opened by an untraced call): ask /proc.
  std::string r = read_link(fmt::format("/proc/{}/fd/{}", tid, fd));
  if (r.empty()) return kNone;
  return fds.emplace(fd, FdEntry{std::move(r), false, 0}).first->second.ref;
}

void FdTable::on_exec() {
  for (auto it = fds.begin(); it != fds.end();) {
    if (it->second.cloexec) it = fds.erase(it);
    else ++it;
  }
}

std::string proc_cwd(pid_t tid) { return read_link(fmt::format("/proc/{}/cwd", tid)); }

}  // namespace tracediff::record::detail

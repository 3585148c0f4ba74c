#include "record/proc_status.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "model/scoped_fd.h"

namespace tracediff::record::detail {
namespace {

// The decimal numbers of a line, in order ("0\t1000\t1000\t1000").
std::vector<std::uint32_t> numbers(std::string_view s) {
  std::vector<std::uint32_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] < '0' || s[i] > '9')) ++i;
    if (i >= s.size()) break;
    std::uint32_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + static_cast<std::uint32_t>(s[i++] - '0');
    out.push_back(v);
  }
  return out;
}

std::uint32_t number(std::string_view s, int base = 10) {
  std::uint32_t v = 0;
  for (char c : s) {
    if (c == ' ' || c == '\t') continue;
    if (c < '0' || c >= '0' + base) break;
    v = v * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(c - '0');
  }
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<ProcStatus> read_status_file(const std::string& path) {
  // One read() in the usual case (the file is ~1.5 KiB): this runs once per
  // process that fails a path call, and C++ streams once made it the
  // recorder's most expensive per-process step.
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < sizeof buf) break;  // the kernel gave all there was
  }
  if (text.empty()) return std::nullopt;
  return parse_proc_status(text);
}

}  // namespace

ProcStatus parse_proc_status(std::string_view text) {
  ProcStatus st;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (key == "Name") {
      st.name = std::string(trim(value));
    } else if (key == "Umask") {
      st.umask = number(value, 8);
    } else if (key == "Tgid") {
      st.tgid = static_cast<pid_t>(number(value));
    } else if (key == "PPid") {
      st.ppid = static_cast<pid_t>(number(value));
    } else if (key == "TracerPid") {
      st.tracer = static_cast<pid_t>(number(value));
    } else if (key == "Uid" || key == "Gid") {
      std::vector<std::uint32_t> v = numbers(value);
      bool is_uid = key == "Uid";
      std::uint32_t* ids = is_uid ? st.uid : st.gid;
      int n = static_cast<int>(std::min<std::size_t>(v.size(), 4));
      for (int i = 0; i < n; ++i) ids[i] = v[static_cast<std::size_t>(i)];
      (is_uid ? st.uid_count : st.gid_count) = n;
    } else if (key == "Groups") {
      st.groups = numbers(value);
    } else if (key == "CapEff") {
      st.cap_eff = std::string(trim(value));
    } else if (key == "NoNewPrivs") {
      st.no_new_privs = number(value) != 0;
    } else if (key == "Seccomp") {
      st.seccomp = static_cast<int>(number(value));
    } else if (key == "Seccomp_filters") {
      st.seccomp_filters = static_cast<int>(number(value));
    }
  }
  return st;
}

std::optional<ProcStatus> read_proc_status(pid_t tid) { return read_status_file(fmt::format("/proc/{}/status", tid)); }

std::optional<ProcStatus> read_own_status() { return read_status_file("/proc/self/status"); }

}  // namespace tracediff::record::detail

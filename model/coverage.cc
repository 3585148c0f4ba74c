#include "model/coverage.h"
#include "model/text.h"

#include <fmt/format.h>

namespace tracediff {
namespace {

long count_of(const Header& h, const char* key) {
  auto it = h.options.find(key);
  if (it == h.options.end()) return 0;
  try {
    return std::stol(it->second);
  } catch (...) {
    return 0;  // not a count: a later writer's value this reader cannot read
  }
}

// "process 12", "processes 12, 40 and 5 more" (the header lists a few).
std::string who(const Header& h, const char* pids_key, long n, const char* one, const char* many) {
  auto it = h.options.find(pids_key);
  std::string pids = it == h.options.end() ? std::string() : it->second;
  std::vector<std::string> list = split_nonempty(pids, ',');
  if (list.empty()) return fmt::format("{} {}", n, n == 1 ? one : many);
  std::string out = fmt::format("{} {}", n == 1 ? one : many, list[0]);
  long rest = n - static_cast<long>(list.size());
  for (std::size_t i = 1; i < list.size(); ++i)
    out += (i + 1 == list.size() && rest <= 0 ? " and " : ", ") + list[i];
  if (rest > 0) out += fmt::format(" and {} more", rest);
  return out;
}

const char* s(long n) { return n == 1 ? "" : "s"; }

}  // namespace

std::vector<std::string> recording_notes(const Header& h) {
  namespace c = coverage;
  std::vector<std::string> out;
  if (count_of(h, c::kSeccompRecorder))
    out.push_back(
        "tracediff ran under a seccomp filter (a container's or a service manager's) that the command "
        "inherited: it installed no filter of its own and stopped at every call, so calls that filter "
        "denied are in the trace with their errno");
  if (long n = count_of(h, c::kSeccompInstalled))
    out.push_back(fmt::format(
        "{} installed {} own seccomp filter: from then on {} and {} children were recorded at every call "
        "(before any filter runs), so calls {} filter denied are in the trace with their errno",
        who(h, c::kSeccompInstalledPids, n, "process", "processes"), n == 1 ? "its" : "their", n == 1 ? "it" : "they",
        n == 1 ? "its" : "their", n == 1 ? "its" : "their"));
  if (long n = count_of(h, c::kSeccompAtAttach))
    out.push_back(fmt::format(
        "{} already ran under a seccomp filter when attached; -p stops at every call before any filter "
        "runs, so calls the filter denied are in the trace with their errno",
        who(h, c::kSeccompAtAttachPids, n, "process", "processes")));
  if (long n = count_of(h, c::kIoUringProcesses)) {
    long enters = count_of(h, c::kIoUringEnters);
    out.push_back(fmt::format(
        "{} used io_uring{}: operations submitted through a ring (open, read, write, connect, ...) are not "
        "system calls and are not in the trace, so a file missing from the trace may still have been opened",
        who(h, c::kIoUringPids, n, "process", "processes"),
        enters ? fmt::format(" ({} io_uring_enter call{})", enters, s(enters)) : std::string()));
  }
  if (long n = count_of(h, c::kEntryMissed))
    out.push_back(fmt::format(
        "{} call{} {} already in progress when tracing began: {} result{} {} not in the trace", n, s(n),
        n == 1 ? "was" : "were", n == 1 ? "its" : "their", s(n), n == 1 ? "is" : "are"));
  if (long n = count_of(h, c::kNotFollowed))
    out.push_back(fmt::format("{} task{} created by the command {} not recorded (--no-follow)", n, s(n),
                              n == 1 ? "was" : "were"));
  return out;
}

}  // namespace tracediff

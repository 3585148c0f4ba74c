#include "record/coverage.h"

#include <fmt/format.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "model/coverage.h"
#include "record/recorder.h"
#include "record/state.h"

namespace tracediff::record::detail {

bool PidSet::add(pid_t pid) {
  if (std::find(pids.begin(), pids.end(), pid) != pids.end()) return false;
  if (pids.size() < coverage::kMaxPids) pids.push_back(pid);
  ++count;
  return true;
}

void Coverage::write_to(Header& h) const {
  auto count = [&](const char* key, std::size_t n) {
    if (n) h.options[key] = fmt::format("{}", n);
    else h.options.erase(key);
  };
  auto pids = [&](const char* key, const char* pids_key, const PidSet& s) {
    count(key, s.count);
    if (s.count) h.options[pids_key] = fmt::format("{}", fmt::join(s.pids, ","));
    else h.options.erase(pids_key);
  };
  pids(coverage::kSeccompInstalled, coverage::kSeccompInstalledPids, seccomp_installed);
  pids(coverage::kSeccompAtAttach, coverage::kSeccompAtAttachPids, seccomp_at_attach);
  count(coverage::kSeccompRecorder, recorder_filtered ? 1 : 0);
  pids(coverage::kIoUringProcesses, coverage::kIoUringPids, io_uring);
  count(coverage::kIoUringEnters, io_uring_enters);
  count(coverage::kUnreadable, unreadable);
  count(coverage::kEntryMissed, entry_missed);
  count(coverage::kNotFollowed, not_followed);
}

bool installs_seccomp(int nr, const std::uint64_t args[6]) {
  if (nr == SYS_seccomp) return args[0] == SECCOMP_SET_MODE_FILTER || args[0] == SECCOMP_SET_MODE_STRICT;
  if (nr == SYS_prctl) return args[0] == PR_SET_SECCOMP;
  return false;
}

std::size_t count_unreadable(const ArgList& args) {
  std::size_t n = 0;
  for (const Arg& a : args) {
    if (a.kind == ArgKind::Unreadable) ++n;
    if (!a.items.empty()) n += count_unreadable(a.items);
  }
  return n;
}

bool holds_io_uring(pid_t pid) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), ec))
    if (read_link(entry.path().string()) == "anon_inode:[io_uring]") return true;
  return false;
}

// The calls that tell the recorder it may not see everything from now on.
// Every one of them stops even when not selected (stops_), so that -e
// trace=%file still learns of them.
void Recorder::watch_call(Task& t, const StopInfo& si) {
  switch (t.nr) {
    case SYS_seccomp:
    case SYS_prctl:
      if (installs_seccomp(t.nr, t.args)) on_own_filter(t);
      return;
    case SYS_io_uring_setup:
      coverage_.changed |= coverage_.io_uring.add(t.tgid);
      return;
    case SYS_io_uring_enter:
      coverage_.io_uring.add(t.tgid);
      ++coverage_.io_uring_enters;
      coverage_.changed = true;
      return;
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
      // Without -f the new task is not traced: what it does is not here.
      if (!opt_.follow && si.rval > 0) {
        ++coverage_.not_followed;
        coverage_.changed = true;
      }
      return;
    default:
      return;
  }
}

// Task t now runs under a seccomp filter of its own. A call that filter
// denies (SECCOMP_RET_ERRNO) never reaches the recorder's filter's
// SECCOMP_RET_TRACE, but a syscall-entry stop comes before any filter
// runs: from now on t, and the tasks it creates, stop at every call. With
// SECCOMP_FILTER_FLAG_TSYNC the filter is every thread's, so every thread
// of the process is switched; one running outside a call (resumed with
// PTRACE_CONT) is interrupted to be resumed the new way.
void Recorder::on_own_filter(Task& t) {
  coverage_.changed |= coverage_.seccomp_installed.add(t.tgid);
  t.every_call = true;
  if (!seccomp_) return;  // without the recorder's filter every call stops already
  for (auto& [tid, other] : tasks_) {
    if (other.tgid != t.tgid || other.every_call) continue;
    other.every_call = true;
    // A task in a call, in a group stop or not started yet is resumed
    // with PTRACE_SYSCALL (or LISTEN) at its next stop anyway.
    if (other.in_syscall || other.group_stopped || other.parked || !other.started) continue;
    ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  }
}

}  // namespace tracediff::record::detail

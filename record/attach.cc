// -p: attaching to running processes (every thread, all or nothing),
// saying why the kernel refused when it does, and detaching at the end.
#include <fmt/format.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>

#include "record/internal.h"
#include "record/proc_status.h"
#include "record/recorder.h"

namespace tracediff::record::detail {

std::string attach_denied_hint(const AttachDenial& d) {
  // In the order the kernel checks: another tracer first (PTRACE_SEIZE of a
  // traced task), then __ptrace_may_access (same user or CAP_SYS_PTRACE),
  // then Yama.
  if (d.tracer > 0)
    return d.tracer_comm.empty() ? fmt::format(" (already traced by process {})", d.tracer)
                                 : fmt::format(" (already traced by process {}, {})", d.tracer, d.tracer_comm);
  if (d.yama_scope == 3) return " (kernel.yama.ptrace_scope is 3: no process may attach to another, not even root)";
  auto theirs = std::find_if(d.target_uids.begin(), d.target_uids.end(), [&](uid_t u) { return u != d.our_uid; });
  if (theirs != d.target_uids.end() && !d.cap_sys_ptrace)
    return fmt::format(" (it runs as uid {} and tracediff as uid {}: attach as that user or as root)", *theirs, d.our_uid);
  if (d.yama_scope == 2 && !d.cap_sys_ptrace)
    return " (kernel.yama.ptrace_scope is 2: only root (CAP_SYS_PTRACE) may attach)";
  if (d.yama_scope == 1 && !d.cap_sys_ptrace)
    return " (kernel.yama.ptrace_scope is 1: a process may only trace its own children; attach as root, "
           "or start the program under `tracediff record -- COMMAND`)";
  return "";
}

void for_each_thread(pid_t pid, const std::function<void(pid_t)>& fn) {
  std::set<pid_t> seen;
  for (bool more = true; more;) {
    more = false;
    std::error_code ec;
    std::filesystem::directory_iterator dir(fmt::format("/proc/{}/task", pid), ec);
    if (ec) {
      if (seen.empty()) throw InputError(fmt::format("record: -p {}: no such process", pid));
      break;
    }
    for (const auto& entry : dir) {
      pid_t tid = std::atoi(entry.path().filename().c_str());
      if (!tid || !seen.insert(tid).second) continue;
      more = true;
      fn(tid);
    }
  }
}

pid_t thread_group_of(pid_t tid) {
  std::optional<ProcStatus> st = read_proc_status(tid);
  return st && st->tgid > 0 ? st->tgid : tid;
}

std::vector<pid_t> processes_of(const std::vector<std::int32_t>& ids) {
  // A thread id (from top -H, ps -L or /proc/PID/task) stands for its
  // process: the recorder attaches whole processes, and events name the
  // process by its real pid.
  std::vector<pid_t> pids;
  for (pid_t p : ids) {
    if (p <= 0 || !std::filesystem::exists(fmt::format("/proc/{}/task", p)))
      throw InputError(fmt::format("record: -p {}: no such process", p));
    pid_t tgid = thread_group_of(p);
    if (tgid != p) fmt::print(stderr, "tracediff: record: -p {} is a thread of process {}: recording the whole process\n", p, tgid);
    if (std::find(pids.begin(), pids.end(), tgid) == pids.end()) pids.push_back(tgid);
  }
  return pids;
}

namespace {

// One line for a failed PTRACE_SEIZE of -p PID (thread TID), with the
// reason when it is one of the usual ones (see attach_denied_hint).
std::string attach_error(pid_t pid, pid_t tid, int err) {
  std::string msg = tid == pid ? fmt::format("record: -p {}: cannot attach", pid)
                               : fmt::format("record: -p {}: cannot attach to its thread {}", pid, tid);
  msg += fmt::format(" (ptrace): {}", std::strerror(err));
  if (err != EPERM) return msg;
  AttachDenial d;
  if (std::optional<ProcStatus> st = read_proc_status(tid)) {
    d.tracer = st->tracer;
    for (int i = 0; i < std::min(st->uid_count, 3); ++i) d.target_uids.push_back(st->uid[i]);
  }
  if (d.tracer > 0)
    if (std::optional<ProcStatus> tracer = read_proc_status(d.tracer)) d.tracer_comm = tracer->name;
  d.our_uid = geteuid();
  d.cap_sys_ptrace = has_capability(CAP_SYS_PTRACE);
  std::ifstream yama("/proc/sys/kernel/yama/ptrace_scope");
  if (!(yama >> d.yama_scope)) d.yama_scope = -1;
  return msg + attach_denied_hint(d);
}

}  // namespace

void Recorder::attach(pid_t pid) {
  auto fds = std::make_shared<FdTable>();
  auto fs = std::make_shared<FsState>();
  fs->cwd = proc_cwd(pid);
  auto creds = std::make_shared<Creds>();
  // Threads may be created while we attach: each pass attaches the new ones.
  std::size_t attached = 0;
  for_each_thread(pid, [&](pid_t tid) {
    if (tasks_.count(tid)) {  // -p given twice, or for a thread and its process
      ++attached;
      return;
    }
    if (ptrace(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(options_))) != 0) {
      if (errno == ESRCH) return;  // a thread that just ended
      // The caller detaches what is already attached (all or nothing).
      throw InputError(attach_error(pid, tid, errno));
    }
    ++attached;
    ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
    Task& t = new_task(tid);
    t.tgid = pid;
    t.fds = fds;
    t.fs = fs;
    t.creds = creds;
    t.attached = true;
    emit_process(t, kProcAttached, ProcInfo{});
  });
  // It ended between the check in run() and now.
  if (attached == 0) throw InputError(fmt::format("record: -p {}: no such process", pid));
  // What was set up before we came and limits what a recording shows: a
  // seccomp filter (a container's) is no obstacle, since every call stops
  // at its entry before any filter runs, but the trace says it was there;
  // an io_uring set up earlier may carry operations no call shows.
  if (std::optional<ProcStatus> st = read_proc_status(pid); st && st->seccomp != 0)
    coverage_.seccomp_at_attach.add(pid);
  if (holds_io_uring(pid)) coverage_.io_uring.add(pid);
}

void Recorder::detach_all() {
  // Every task is running or listening: interrupt each, then detach at its
  // next stop, passing on a signal it was about to receive. A task that is
  // parked is already stopped and is detached at once.
  std::set<pid_t> waiting;
  for (auto& [tid, t] : tasks_) {
    if (t.parked) {
      ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
      continue;
    }
    if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) == 0) waiting.insert(tid);
  }
  while (!waiting.empty()) {
    int status;
    pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    WaitStatus ws(status);
    if (ws.ended()) {
      on_death(tid, ws);
      waiting.erase(tid);
      continue;
    }
    // A signal it was about to receive is passed on with the detach.
    int sig = ws.kind() == WaitStatus::SignalStop ? ws.stop_signal() : 0;
    auto it = tasks_.find(tid);
    if (it != tasks_.end()) {
      close_pending(it->second, ResultState::Detached);
      emit_process(it->second, kProcDetached, ProcInfo{});
      tasks_.erase(it);
    }
    ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
    waiting.erase(tid);
  }
  tasks_.clear();
}

}  // namespace tracediff::record::detail

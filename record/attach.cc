// What the recorder says when it cannot attach to a process (-p), and which
// process a thread id belongs to.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include "record/internal.h"
#include "record/proc_status.h"

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

pid_t thread_group_of(pid_t tid) {
  std::optional<ProcStatus> st = read_proc_status(tid);
  return st && st->tgid > 0 ? st->tgid : tid;
}

}  // namespace tracediff::record::detail

// What each stop of a traced task is, and the system calls themselves:
// reading a call at its entry (PTRACE_GET_SYSCALL_INFO, or the registers),
// decoding it, pairing the exit with it, and resuming the task.
#include <fmt/format.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include <cerrno>
#include <cstring>

#include "record/recorder.h"
#include "record/syscalls.h"

namespace tracediff::record::detail {

void Recorder::dispatch(pid_t tid, WaitStatus ws) {
  if (ws.ended()) {
    on_death(tid, ws);
    return;
  }
  if (!ws.stopped()) return;
  auto it = tasks_.find(tid);
  if (it == tasks_.end()) {
    // A new child whose first stop came before its parent's fork event:
    // hold it until the parent tells who it is, so its spawn event comes
    // first and it inherits the right fd table and cwd.
    Task& t = new_task(tid);
    t.parked = true;
    ++parked_;
    return;
  }
  Task& t = it->second;
  if (!t.started) {
    t.started = true;
    if (ws.ptrace_event() == PTRACE_EVENT_STOP) {
      resume(t, 0);
      return;
    }
  }
  int sig = ws.stop_signal();
  switch (ws.kind()) {
    case WaitStatus::SyscallStop:
      on_syscall_stop(t, false);
      return;
    case WaitStatus::GroupStop:
      // Group stop: stay stopped (Ctrl-Z, SIGSTOP) but keep reporting, so a
      // SIGCONT resumes the program as it would untraced.
      if (!(prelude_ && tid == root_)) {
        Event& e = reset_event(scratch_, t, EventType::Signal, signal_name(sig));
        e.proc.signal = sig;
        e.proc.stopped = true;
        emit(e);
      }
      t.group_stopped = true;
      ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);
      return;
    case WaitStatus::PtraceEvent:
      if (ws.ptrace_event() == PTRACE_EVENT_STOP) {
        // An interrupt, or the end of a group stop (SIGCONT).
        t.group_stopped = false;
        resume(t, 0);
      } else {
        on_event(t, ws.ptrace_event());
      }
      return;
    case WaitStatus::SeccompStop:
      // A task stopped at every call saw this call's entry already (its
      // syscall-entry stop comes before any filter runs): only resume it.
      // A seccomp stop without that entry is one from before the task was
      // switched to every call, and is the entry.
      if (t.every_call && t.in_syscall) resume(t, 0);
      else on_syscall_stop(t, true);
      return;
    case WaitStatus::SignalStop:
      on_signal(t, sig);
      return;
    case WaitStatus::Exited:
    case WaitStatus::Killed:
    case WaitStatus::Continued:
      return;  // handled above
  }
}

// A signal-delivery stop: record the signal and pass it on.
void Recorder::on_signal(Task& t, int sig) {
  if (!(prelude_ && t.tid == root_)) {
    Event& e = reset_event(scratch_, t, EventType::Signal, signal_name(sig));
    // Who sent it and why (kill from pid N, a child's exit, a fault's
    // address): one ptrace call, only when a signal arrives.
    siginfo_t si;
    if (ptrace(PTRACE_GETSIGINFO, t.tid, nullptr, &si) == 0) e.args = siginfo_args(si);
    e.proc.signal = sig;
    emit(e);
  }
  resume(t, sig);
}

void Recorder::on_syscall_stop(Task& t, bool seccomp_stop) {
  StopInfo si;
  if (!fetch(t, seccomp_stop, si)) return;  // vanished: waitpid reports its death
  bool complete = false;
  if (si.op == StopInfo::Entry) begin_call(t, si);
  else if (si.op == StopInfo::Exit && t.in_syscall) complete = end_call(t, si);
  else if (si.op == StopInfo::Exit) exit_without_entry(t, si);
  resume(t, 0);
  // Everything read from the tracee is in t.ev: encode and write it while
  // the tracee runs on (t.ev is not touched again before its next stop,
  // which this loop handles only after returning).
  if (complete) emit(t.ev);
}

bool Recorder::fetch(Task& t, bool seccomp_stop, StopInfo& si) {
  if (syscall_info_) {
    __ptrace_syscall_info info{};
    long n = ptrace(PTRACE_GET_SYSCALL_INFO, t.tid, reinterpret_cast<void*>(sizeof info), &info);
    if (n > 0) {
      si.other_abi = info.arch != AUDIT_ARCH_X86_64;
      if (info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        si.op = StopInfo::Entry;
        const auto& src = info.op == PTRACE_SYSCALL_INFO_ENTRY ? info.entry.args : info.seccomp.args;
        si.nr = static_cast<int>(info.op == PTRACE_SYSCALL_INFO_ENTRY ? info.entry.nr : info.seccomp.nr);
        std::memcpy(si.args, src, sizeof si.args);
      } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
        si.op = StopInfo::Exit;
        si.rval = info.exit.rval;
        si.is_error = info.exit.is_error;
      }
      return true;
    }
    if (errno == ESRCH) return false;
    // EIO/EINVAL: a kernel before 5.3. Registers from now on.
    syscall_info_ = false;
  }
  user_regs_struct r{};
  if (ptrace(PTRACE_GETREGS, t.tid, nullptr, &r) != 0) return false;
  // x86_64 sets rax to -ENOSYS on entry; that tells entry from exit when
  // the recorder did not see the entry (attached mid-call).
  bool entry = seccomp_stop || (!t.in_syscall && static_cast<std::int64_t>(r.rax) == -ENOSYS);
  si.other_abi = (r.cs == 0x23);  // the i386 code segment selector
  if (entry) {
    si.op = StopInfo::Entry;
    si.nr = static_cast<int>(r.orig_rax);
    std::uint64_t a[6] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
    std::memcpy(si.args, a, sizeof a);
  } else {
    si.op = StopInfo::Exit;
    si.rval = static_cast<std::int64_t>(r.rax);
    si.is_error = si.rval < 0 && si.rval >= -4095;
  }
  return true;
}

void Recorder::begin_call(Task& t, const StopInfo& si) {
  if (t.in_syscall) close_pending(t, ResultState::Unfinished);
  t.in_syscall = true;
  t.nr = si.other_abi ? -1 : si.nr;
  std::memcpy(t.args, si.args, sizeof t.args);
  t.decode = false;
  if (prelude_ && t.tid == root_ && si.nr != SYS_execve) return;  // our own set-up calls
  bool known = !si.other_abi && si.nr >= 0 && si.nr < static_cast<int>(selected_.size());
  if (known && !selected_[si.nr]) return;
  t.decode = true;
  Event& e = reset_event(t.ev, t, EventType::Syscall, {});
  DecodeCtx c{t, opt_.data_size};
  c.content_size = opt_.content_size;
  if (!known) {
    e.name = fmt::format("{}syscall_{}", si.other_abi ? "i386:" : "", si.nr);
    for (int i = 0; i < 6; ++i) c.add(c.hex_arg(i));
    return;
  }
  e.name = syscall_event_name(si.nr);
  const Decoder* d = (*decoders_)[si.nr];
  if (d) {
    if (d->entry) d->entry(c);
  } else {
    int n = raw_arg_count(si.nr);
    for (int i = 0; i < n; ++i) c.add(c.hex_arg(i));
  }
}

// Decodes the outputs of the call; true when t.ev is complete and must be
// written (the caller writes it after resuming the task).
bool Recorder::end_call(Task& t, const StopInfo& si) {
  t.in_syscall = false;
  if (!si.is_error) watch_call(t, si);
  if (!t.decode) return false;
  t.decode = false;
  Event& e = t.ev;
  Result& r = e.result;
  r.state = ResultState::Returned;
  if (si.is_error) {
    r.value = -1;
    r.errnum = static_cast<int>(-si.rval);
    r.err = errno_name(r.errnum);
  } else {
    r.value = si.rval;
  }
  e.dur_ns = now_ns(CLOCK_REALTIME) - e.ts_ns;
  if (t.nr >= 0 && t.nr < static_cast<int>(decoders_->size())) {
    if (const Decoder* d = (*decoders_)[t.nr]; d && d->exit) {
      DecodeCtx c{t, opt_.data_size, si.rval, si.is_error};
      c.content_size = opt_.content_size;
      d->exit(c);
    }
  }
  if (!si.is_error && changes_file_system(t.nr, t.args)) perm_cache_.clear();
  if (si.is_error && wants_perm_snapshot(r.errnum)) {
    for (const Arg& a : e.args) {
      if (a.kind == ArgKind::Path && !a.abs.empty()) {
        if (!t.creds) t.creds = std::make_shared<Creds>();
        e.perm = snapshot_permissions(t.tid, a.abs, *t.creds, &perm_cache_);
        break;
      }
    }
  }
  return true;
}

void Recorder::close_pending(Task& t, ResultState state) {
  if (t.in_syscall && t.decode) {
    t.ev.result = Result{};
    t.ev.result.state = state;
    emit(t.ev);
  }
  t.in_syscall = false;
  t.decode = false;
}

void Recorder::resume(Task& t, int sig) {
  // Without a filter every call stops at entry and exit (PTRACE_SYSCALL).
  // Under the filter, the seccomp stop is the entry: PTRACE_SYSCALL only to
  // catch the exit of a call in progress, PTRACE_CONT otherwise; a task
  // under a filter of its own stops at every call (Task::every_call).
  int req = (!seccomp_ || t.in_syscall || t.every_call) ? PTRACE_SYSCALL : PTRACE_CONT;
  // ESRCH: the task died meanwhile (SIGKILL); its death is reported by
  // waitpid and handled there.
  ptrace(static_cast<__ptrace_request>(req), t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
}

// An exit stop whose entry was not seen has nothing to pair with: the
// launch handshake, a call in progress when the recorder attached or when
// a task was switched to every call. A call interrupted that way and
// restarted by the kernel (ERESTART*) is seen again from its entry; one
// that completed is lost, and counted when it is one the trace would hold.
void Recorder::exit_without_entry(Task& t, const StopInfo& si) {
  if (prelude_ && t.tid == root_) return;
  // ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ENOIOCTLCMD and
  // ERESTART_RESTARTBLOCK (512-516): kernel-internal, never returned.
  if (si.is_error && si.rval <= -512 && si.rval >= -516) return;
  user_regs_struct r{};
  if (ptrace(PTRACE_GETREGS, t.tid, nullptr, &r) != 0) return;
  int nr = static_cast<int>(r.orig_rax);
  if (nr >= 0 && nr < static_cast<int>(selected_.size()) && !selected_[nr]) return;
  ++coverage_.entry_missed;
  coverage_.changed = true;
}

}  // namespace tracediff::record::detail

#include "record/wait_status.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "model/trace.h"

namespace tracediff::record::detail {
namespace {

bool is_stop_signal(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

const char* event_name(int event) {
  switch (event) {
    case PTRACE_EVENT_FORK: return "FORK";
    case PTRACE_EVENT_VFORK: return "VFORK";
    case PTRACE_EVENT_CLONE: return "CLONE";
    case PTRACE_EVENT_EXEC: return "EXEC";
    case PTRACE_EVENT_VFORK_DONE: return "VFORK_DONE";
    case PTRACE_EVENT_EXIT: return "EXIT";
    case PTRACE_EVENT_SECCOMP: return "SECCOMP";
    case PTRACE_EVENT_STOP: return "STOP";
  }
  return nullptr;
}

}  // namespace

WaitStatus::Kind WaitStatus::kind() const {
  if (WIFEXITED(status_)) return Exited;
  if (WIFSIGNALED(status_)) return Killed;
  if (!WIFSTOPPED(status_)) return Continued;
  // With PTRACE_O_TRACESYSGOOD a syscall stop reports SIGTRAP with bit 7
  // set, which no real signal has.
  if (WSTOPSIG(status_) == (SIGTRAP | 0x80)) return SyscallStop;
  int event = ptrace_event();
  if (event == PTRACE_EVENT_SECCOMP) return SeccompStop;
  // Under PTRACE_SEIZE a group stop is PTRACE_EVENT_STOP with the stop
  // signal; the same event with SIGTRAP is an interrupt (or a new child's
  // first stop), which is an event like any other.
  if (event == PTRACE_EVENT_STOP && is_stop_signal(WSTOPSIG(status_))) return GroupStop;
  if (event != 0) return PtraceEvent;
  return SignalStop;
}

bool WaitStatus::stopped() const { return WIFSTOPPED(status_); }

int WaitStatus::exit_code() const { return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }

int WaitStatus::fatal_signal() const { return WIFSIGNALED(status_) ? WTERMSIG(status_) : 0; }

bool WaitStatus::core_dumped() const { return WIFSIGNALED(status_) && WCOREDUMP(status_); }

int WaitStatus::shell_status() const {
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

int WaitStatus::stop_signal() const { return WIFSTOPPED(status_) ? WSTOPSIG(status_) : 0; }

int WaitStatus::ptrace_event() const { return WIFSTOPPED(status_) ? (status_ >> 16) & 0xff : 0; }

std::string WaitStatus::describe() const {
  switch (kind()) {
    case Exited: return fmt::format("exited {}", exit_code());
    case Killed:
      return fmt::format("killed by {}{}", signal_name(fatal_signal()), core_dumped() ? " (core dumped)" : "");
    case SyscallStop: return "syscall stop";
    case SeccompStop: return "seccomp stop";
    case PtraceEvent: {
      const char* name = event_name(ptrace_event());
      return name ? fmt::format("ptrace event {}", name) : fmt::format("ptrace event {}", ptrace_event());
    }
    case GroupStop: return fmt::format("group stop {}", signal_name(stop_signal()));
    case SignalStop: return fmt::format("signal-delivery stop {}", signal_name(stop_signal()));
    case Continued: break;
  }
  return fmt::format("wait status {:#x}", status_);
}

}  // namespace tracediff::record::detail

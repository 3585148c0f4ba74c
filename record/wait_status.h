// What waitpid said about a traced task, named (rr's WaitStatus). Every
// status the recorder waits for is decoded here and nowhere else, so that
// "status >> 16" and the SIGTRAP|0x80 convention live in one place.
#pragma once

#include <string>

namespace tracediff::record::detail {

class WaitStatus {
 public:
  enum Kind {
    Exited,        ///< the task ended: exit_code()
    Killed,        ///< the task was killed: fatal_signal(), core_dumped()
    SyscallStop,   ///< a system-call entry or exit stop (PTRACE_O_TRACESYSGOOD)
    SeccompStop,   ///< PTRACE_EVENT_SECCOMP: a call the filter traces
    PtraceEvent,   ///< another PTRACE_EVENT_*: ptrace_event() (fork, exec, exit, an interrupt)
    GroupStop,     ///< PTRACE_EVENT_STOP for a stop signal (SIGSTOP, Ctrl-Z): stop_signal()
    SignalStop,    ///< signal-delivery stop: stop_signal() is about to be delivered
    Continued,     ///< none of the above (WIFCONTINUED; never asked for)
  };

  /// Decodes a status from waitpid() of a task attached with PTRACE_SEIZE
  /// and PTRACE_O_TRACESYSGOOD.
  explicit WaitStatus(int status) : status_(status) {}

  Kind kind() const;
  /// Stopped in any way (the kinds from SyscallStop to SignalStop).
  bool stopped() const;
  /// Exited or Killed.
  bool ended() const { return kind() == Exited || kind() == Killed; }

  int exit_code() const;      ///< Exited: its code; else -1
  int fatal_signal() const;   ///< Killed: the signal; else 0
  bool core_dumped() const;   ///< Killed with a core dump
  /// The status a shell reports for it: the exit code, or 128+N when
  /// killed by signal N; -1 for a task that has not ended.
  int shell_status() const;
  /// The signal of a stop: the one about to be delivered (SignalStop), the
  /// stop signal (GroupStop), SIGTRAP for events; 0 when not stopped.
  int stop_signal() const;
  /// PTRACE_EVENT_* of a stop (PTRACE_EVENT_STOP for a group stop and an
  /// interrupt, PTRACE_EVENT_SECCOMP for a seccomp stop); 0 for none.
  int ptrace_event() const;

  /// "exited 3", "killed by SIGKILL (core dumped)", "syscall stop",
  /// "seccomp stop", "ptrace event EXEC", "group stop SIGTSTP",
  /// "signal-delivery stop SIGUSR1".
  std::string describe() const;
  int raw() const { return status_; }

 private:
  int status_;
};

}  // namespace tracediff::record::detail

// The recorder's one object, shared by the files that implement it:
//   recorder.cc       run(): options, header, output, the loop, the end
//   launch.cc         starting the command under ptrace (and the filter)
//   attach.cc         -p: attaching to running processes, detaching
//   stops.cc          what each stop is: syscall entry/exit, signals
//   process_events.cc fork/clone, exec, exit and death of tasks
//   coverage.cc       what the recorder knows it cannot see (own seccomp
//                     filters, io_uring, ...), counted for the header
//
// Stops a task can report, and what the loop does with each:
//   syscall entry / seccomp stop  -> begin the call (decode inputs)
//   syscall exit                  -> end the call (decode outputs, emit)
//   fork/vfork/clone event        -> spawn event; the child is resumed once
//                                    both its first stop and this are seen
//   exec event                    -> exec event (tid change handled)
//   exit event                    -> close exit/exit_group with "= ?"
//   group stop (PTRACE_EVENT_STOP with a stop signal) -> PTRACE_LISTEN
//   signal-delivery stop          -> signal event, signal passed on
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/scoped_fd.h"
#include "model/trace.h"
#include "record/coverage.h"
#include "record/decode.h"
#include "record/internal.h"
#include "record/record.h"
#include "record/state.h"
#include "record/wait_status.h"
#include "tracefile/tracefile.h"

namespace tracediff::record::detail {

// How often buffered events reach the file when nothing else flushes them:
// a recorder killed with SIGKILL loses at most this much.
constexpr std::int64_t kFlushIntervalNs = 100'000'000;


/// Makes a reused event (a task's call being built, the scratch event) a
/// fresh one of `type` by task t, starting now, keeping its buffers.
inline Event& reset_event(Event& e, const Task& t, EventType type, std::string_view name) {
  return reset_event(e, t.tid, t.tgid, type, name, now_ns(CLOCK_REALTIME));
}

/// What a syscall stop tells: which side of the call, and its values.
struct StopInfo {
  enum Op { None, Entry, Exit } op = None;
  bool other_abi = false;
  int nr = -1;
  std::uint64_t args[6] = {};
  std::int64_t rval = 0;
  bool is_error = false;
};

class Recorder {
 public:
  explicit Recorder(const RecordOptions& opt) : opt_(opt) {}
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  RecordOutcome run();

 private:
  // recorder.cc
  void check_options();
  void build_header();
  void launch_or_attach();
  void loop();
  bool on_stop_request(int sig);
  void abandon();
  RecordOutcome finish();
  void emit(const Event& e);
  void emit_process(const Task& t, const char* name, ProcInfo info);
  void maybe_flush();
  void update_header();
  void open_output();
  Task& new_task(pid_t tid);
  // launch.cc
  void launch();
  std::string setup_error();
  // attach.cc
  void attach(pid_t pid);
  void detach_all();
  // stops.cc
  void dispatch(pid_t tid, WaitStatus ws);
  void on_syscall_stop(Task& t, bool seccomp_stop);
  void on_signal(Task& t, int sig);
  bool fetch(Task& t, bool seccomp_stop, StopInfo& si);
  void begin_call(Task& t, const StopInfo& si);
  bool end_call(Task& t, const StopInfo& si);
  void close_pending(Task& t, ResultState state);
  void resume(Task& t, int sig);
  void exit_without_entry(Task& t, const StopInfo& si);
  // coverage.cc
  void watch_call(Task& t, const StopInfo& si);
  void on_own_filter(Task& t);
  // process_events.cc
  void on_event(Task& t, int event);
  void on_new_child(Task& parent, pid_t child, int event);
  void on_exec(Task& t);
  void emit_exec(Task& t);
  void on_death(pid_t tid, WaitStatus ws);
  void adopt_orphans();

  RecordOptions opt_;  // a copy: -p thread ids are replaced by their process
  redact::Redactor redactor_{opt_.redaction};
  Event redacted_;     // emit()'s copy of an event the redactor changed
  std::string exe_;    // the launched command's executable
  // The output file exists only once tracing has started: created after
  // every -p attached, or (launched command) at the first event, which
  // comes after the child's own set-up (seccomp) succeeded. Until then
  // events wait in pending_ (attach) and a failure leaves no file.
  Header header_;
  std::string output_;
  std::unique_ptr<tracefile::TraceWriter> out_;
  std::vector<Event> pending_;
  bool setting_up_ = false;     // attaching: hold events in pending_
  bool discard_ = false;        // failing: write nothing more
  ScopedFd setup_err_;          // read end: the launched child's set-up error
  std::unordered_map<pid_t, Task> tasks_;
  std::vector<bool> selected_;  // the calls recorded
  std::vector<bool> stops_;     // the calls the filter stops at: selected_ and those watch_call needs
  const std::vector<const Decoder*>* decoders_ = nullptr;
  bool seccomp_ = false;        // the launched command runs under our filter
  bool syscall_info_ = true;    // PTRACE_GET_SYSCALL_INFO works
  unsigned options_ = 0;
  pid_t root_ = 0;              // the launched command
  bool prelude_ = false;        // root has not exec'd the command yet
  int exit_status_ = 0;
  std::size_t events_ = 0;
  std::int64_t last_flush_ = 0;
  bool dirty_ = false;
  Event scratch_;               // reused for process and signal events
  PermCache perm_cache_;
  std::size_t parked_ = 0;      // tasks waiting for their parent's fork event
  bool forwarded_ = false;      // a stop signal was passed to the command
  Coverage coverage_;           // what the recording could not see, for the header
  bool header_stale_ = false;   // coverage_ changed and the header could not be rewritten
};

}  // namespace tracediff::record::detail

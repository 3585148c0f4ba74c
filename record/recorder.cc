// Recorder::run and what frames it: the options checked, the header built,
// the output chosen, the loop over waitpid, and the end of the recording.
// See record.h for the contract and recorder.h for how the files divide
// the work.
#include "record/recorder.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <optional>

#include "model/coverage.h"
#include "record/proc_status.h"
#include "record/signal_guard.h"
#include "record/syscalls.h"

namespace tracediff::record {
namespace detail {

RecordOutcome Recorder::run() {
  check_options();
  build_header();
  output_ = choose_output(opt_, header_);
  {
    SignalGuard guard;
    try {
      launch_or_attach();
      guard.start_ticking();
      loop();
      if (!out_) open_output();
    } catch (...) {
      abandon();
      throw;
    }
  }
  return finish();
}

// Everything that can be refused is refused here, before the output file
// exists and before any process is touched, so that a typo leaves nothing
// behind.
void Recorder::check_options() {
  if (opt_.command.empty() == opt_.attach.empty())
    throw InputError("record: give either a command (after --) or -p PID, not both or neither");
  selected_ = select_syscalls(opt_.trace_set, opt_.all);
  if (!opt_.command.empty()) exe_ = resolve_command(opt_.command[0]);
  opt_.attach = processes_of(opt_.attach);
  decoders_ = &decoder_table();
  // The filter needs every child traced: an untraced task would get ENOSYS
  // for the filtered calls. So only for a launched, followed command.
  seccomp_ = !opt_.all && !opt_.command.empty() && opt_.follow;
  if (seccomp_) {
    // A filter tracediff itself runs under (a container's default profile,
    // systemd's SystemCallFilter=) is inherited by the command, and its
    // SECCOMP_RET_ERRNO wins over the recorder's SECCOMP_RET_TRACE: the
    // calls it denies would never stop. Without a filter of ours every
    // call stops, before any filter runs.
    std::optional<ProcStatus> own = read_own_status();
    if (own && own->seccomp != 0) {
      seccomp_ = false;
      coverage_.recorder_filtered = true;
    }
  }
  // The filter stops at what is recorded and at what tells the recorder
  // it may not see everything (watch_call): a task installing a filter of
  // its own, a process setting up an io_uring.
  stops_ = selected_;
  for (int nr : {SYS_seccomp, SYS_prctl, SYS_io_uring_setup}) stops_[static_cast<std::size_t>(nr)] = true;
  options_ = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
  if (opt_.follow) options_ |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
  if (seccomp_) options_ |= PTRACE_O_TRACESECCOMP;
  syscall_info_ = getenv("TRACEDIFF_NO_SYSCALL_INFO") == nullptr;
}

void Recorder::build_header() {
  header_ = recording_header(opt_, "ptrace", opt_.data_size);
  header_.options["filter"] = seccomp_ ? "seccomp-bpf" : "none";
  header_.options["syscall_info"] = syscall_info_ ? "PTRACE_GET_SYSCALL_INFO" : "registers";
  redactor_.header(header_);
  coverage_.write_to(header_);
}

void Recorder::launch_or_attach() {
  if (!opt_.command.empty()) {
    // The file is created at the first event (the command's exec).
    launch();
    return;
  }
  // All or nothing: if one -p cannot be attached, those already attached
  // are detached (abandon) and no file is created.
  setting_up_ = true;
  for (pid_t p : opt_.attach) attach(p);
  setting_up_ = false;
  open_output();
}

void Recorder::loop() {
  while (!tasks_.empty()) {
    if (int sig = SignalGuard::take_stop_signal()) {
      if (on_stop_request(sig)) break;
      continue;
    }
    maybe_flush();
    int status;
    pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      throw fmt::system_error(errno, "waitpid");
    }
    dispatch(tid, WaitStatus(status));
  }
}

// SIGINT/SIGTERM/SIGHUP reached the recorder. True when the recording ends
// now (everything detached), false when it goes on until the command ends.
bool Recorder::on_stop_request(int sig) {
  // The launched command may have ended already, leaving children (a
  // daemon it started): its pid is free for reuse then, and is not
  // signalled. Its exit status stays what record exits with.
  bool root_alive = root_ && tasks_.count(root_);
  auto forward = [sig](pid_t p) {
    kill(p, SIGCONT);
    kill(p, sig);
  };
  if (root_ && seccomp_) {
    // Our filter cannot be removed: a detached task would get ENOSYS for
    // every filtered call. So the command gets the signal (what is left of
    // it, if it has ended) and we keep recording until it ends (its death
    // is in the trace); a second signal kills what is left.
    if (!forwarded_) {
      forwarded_ = true;
      if (root_alive)
        forward(root_);
      else
        for (auto& [tid, t] : tasks_)
          if (t.tgid == tid) forward(tid);
    } else {
      for (auto& [tid, t] : tasks_) kill(tid, SIGKILL);
    }
    return false;
  }
  if (root_alive) {
    // As strace: the launched command gets the signal, we let go.
    forward(root_);
    exit_status_ = 128 + sig;
  }
  detach_all();
  return true;
}

// The recording failed: nothing more reaches the file (if there is one),
// since the error is what the user needs to see and writing may be what
// failed; the launched command is killed, attached processes let go.
void Recorder::abandon() {
  discard_ = true;
  setting_up_ = false;
  pending_.clear();
  if (root_) {
    for (auto& [tid, t] : tasks_) kill(tid, SIGKILL);
  } else {
    // Attached processes are let go, running (or stopped, if they were
    // stopped before), and so are their children the recorder followed.
    detach_all();
  }
  if (out_) {
    try {
      out_->close();
    } catch (...) {
    }
  }
}

RecordOutcome Recorder::finish() {
  update_header();
  out_->close();
  RecordOutcome res;
  res.output = output_;
  res.exit_status = exit_status_;
  res.events = events_;
  res.notes = recording_notes(header_);
  if (header_stale_ && !res.notes.empty())
    res.notes.push_back(fmt::format("{} is not a regular file: its header could not be updated with these notes",
                                    output_));
  return res;
}

// The header counts what the recorder could not see, which grows as it
// records: rewritten in place (the writer keeps room for it) at each
// flush that follows a change, and at the end.
void Recorder::update_header() {
  if (!coverage_.changed || !out_) return;
  coverage_.changed = false;
  coverage_.write_to(header_);
  header_stale_ = !out_->update_header(header_);
}

Task& Recorder::new_task(pid_t tid) {
  Task& t = tasks_[tid];
  t.tid = tid;
  if (!t.tgid) t.tgid = tid;
  return t;
}

void Recorder::emit(const Event& e) {
  if (discard_) return;
  if (e.type == EventType::Syscall)
    if (std::size_t n = count_unreadable(e.args)) {
      coverage_.unreadable += n;
      coverage_.changed = true;
    }
  if (!out_) {
    if (setting_up_) {
      pending_.push_back(redactor_.event_copy(e, redacted_) ? redacted_ : e);
      ++events_;
      return;
    }
    open_output();
  }
  out_->write(redactor_.event_copy(e, redacted_) ? redacted_ : e);
  ++events_;
  dirty_ = true;
}

void Recorder::open_output() {
  tracefile::TraceWriter::Options wo;
  wo.force = opt_.force;
  wo.header_room = kHeaderRoom;
  coverage_.write_to(header_);
  coverage_.changed = false;
  out_ = std::make_unique<tracefile::TraceWriter>(output_, header_, wo);
  for (const Event& e : pending_) out_->write(e);
  pending_.clear();
  // At once, not within 100 ms: whoever waits for the recorder to be in
  // place watches the file for the "attached" events.
  out_->flush();
  last_flush_ = now_ns(CLOCK_MONOTONIC_COARSE);
  dirty_ = false;
}

void Recorder::emit_process(const Task& t, const char* name, ProcInfo info) {
  Event& e = reset_event(scratch_, t, EventType::Process, name);
  e.proc = info;
  emit(e);
}

void Recorder::maybe_flush() {
  if (!dirty_) return;
  std::int64_t now = now_ns(CLOCK_MONOTONIC_COARSE);
  if (now - last_flush_ < kFlushIntervalNs) return;
  update_header();
  out_->flush();
  perm_cache_.clear_components();
  last_flush_ = now;
  dirty_ = false;
}

}  // namespace detail

RecordOutcome run(const RecordOptions& opt) {
  detail::Recorder r(opt);
  return r.run();
}

}  // namespace tracediff::record

// The eBPF recorder's run: prepare (call set, header, output name), start
// the kernel program, launch the command or attach to -p, read records
// until the traced tasks end, and finish (the header's loss counts). See
// recorder.h for the contract and session.h for the files and records.
#include "record/ebpf/recorder.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>

#include <fmt/format.h>

#include "record/ebpf/session.h"
#include "record/signal_guard.h"
#include "record/syscalls.h"

namespace tracediff::record {
namespace detail::ebpf {
namespace {

// The header value of the loss counters until the recording ends cleanly
// and they are known: a recorder killed before leaves it so.
constexpr const char* kUnknownLosses = "unknown (the recording did not end cleanly)";

}  // namespace

void EbpfRecorder::prepare() {
  if (opt_.command.empty() == opt_.attach.empty())
    throw InputError("record: give either a command (after --) or -p PID, not both or neither");
  selected_ = select_syscalls(opt_.trace_set, opt_.all);
  if (!opt_.command.empty()) exe_ = resolve_command(opt_.command[0]);
  opt_.attach = processes_of(opt_.attach);
  decoders_ = &decoder_table();
  data_size_ = opt_.data_size;
  if (data_size_ > TD_DATA_MAX) {
    fmt::print(stderr, "tracediff: record: --backend ebpf keeps at most {} bytes of data per buffer (-s {} given)\n",
               TD_DATA_MAX, opt_.data_size);
    data_size_ = TD_DATA_MAX;
  }
  header_ = recording_header(opt_, "ebpf", data_size_);
  // A regular file's content is kept as any buffer, to -s bytes.
  header_.options["content_size"] = "0";
  header_.options["filter"] = "bpf";
  for (const char* k : {"lost_events", "unreadable", "not_captured"}) header_.options[k] = kUnknownLosses;
  redactor_.header(header_);
  output_ = choose_output(opt_, header_);
}

void EbpfRecorder::start_tracer() {
  LoadOptions lo;
  lo.data_size = static_cast<std::uint32_t>(data_size_);
  lo.follow = opt_.follow;
  lo.selected = selected_;
  // TRACEDIFF_EBPF_RINGBUF_KB: a smaller ring buffer, for the tests that
  // check losses are counted (a power of two, at least one page).
  if (const char* kb = getenv("TRACEDIFF_EBPF_RINGBUF_KB")) lo.ringbuf_bytes = std::strtoul(kb, nullptr, 10) * 1024;
  tracer_ = std::make_unique<Tracer>(lo, [this](const char* p, std::size_t n) { on_record(p, n); });
  tracer_->attach();
  clock_offset_ = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
}

// SIGINT/SIGTERM/SIGHUP reached the recorder. -p: let go, the processes
// run on. A launched command: as with the ptrace recorder under its
// filter, the command gets the signal and is recorded until it ends; a
// second signal kills what is left.
void EbpfRecorder::on_stop_request(int sig) {
  if (!root_) {
    detach_ = true;
  } else if (!forwarded_) {
    forwarded_ = true;
    if (!root_reaped_) {
      kill(root_, SIGCONT);
      kill(root_, sig);
    } else {
      for (auto& [tid, t] : tasks_)
        if (t.tgid == tid) kill(tid, sig);
    }
  } else {
    for (auto& [tid, t] : tasks_) kill(tid, SIGKILL);
  }
}

void EbpfRecorder::reap_root() {
  if (!root_ || root_reaped_) return;
  int st;
  if (waitpid(root_, &st, WNOHANG) == root_) {
    root_reaped_ = true;
    exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
}

// Reads records until the traced tasks end (or -p is let go: true).
bool EbpfRecorder::loop() {
  std::int64_t last_prune = now_ns(CLOCK_MONOTONIC_COARSE);
  while (true) {
    tracer_->poll(10);  // ms: the reader's latency, as the kernel program rarely wakes it
    if (int sig = SignalGuard::take_stop_signal()) on_stop_request(sig);
    reap_root();
    maybe_flush();
    std::int64_t now = now_ns(CLOCK_MONOTONIC_COARSE);
    if (now - last_prune >= kPruneIntervalNs) {
      prune_dead();
      last_prune = now;
    }
    if (detach_) return true;
    if ((!root_ || root_reaped_) && live() == 0) return false;
  }
}

RecordOutcome EbpfRecorder::finish() {
  tracer_->drain();
  // Leaders whose group end never came (records lost): as they were.
  for (auto& [tid, d] : deferred_) emit_end(tid, tid, d.exit_code, d.ts, std::move(d.call));
  deferred_.clear();
  if (detach_) {
    std::int64_t ts = now_ns(CLOCK_REALTIME);
    for (const auto& [tid, t] : tasks_) emit_process(tid, t.tgid, kProcDetached, ProcInfo{}, ts);
  }
  if (!out_) open_output();
  KernelLosses lost = tracer_->losses();
  tracer_.reset();
  header_.options["lost_events"] = fmt::format("{}", lost.total());
  header_.options["unreadable"] = fmt::format("{}", unreadable_);
  header_.options["not_captured"] = fmt::format("{}", not_captured_ + truncated_);
  bool updated = out_->update_header(header_);
  bool losses = lost.total() || unreadable_ || not_captured_ + truncated_;
  out_->close();
  if (losses)
    fmt::print(stderr,
               "tracediff: record: {} events lost (ring buffer full: {}, calls not kept: {}, children not followed: {}, "
               "skipped runs: {}), {} arguments unreadable, {} not captured whole\n",
               lost.total(), lost.ringbuf_drops, lost.inflight_full, lost.tasks_full, lost.missed_runs, unreadable_,
               not_captured_ + truncated_);
  RecordOutcome res;
  res.output = output_;
  res.exit_status = exit_status_;
  res.events = events_;
  if (!updated && losses)
    res.notes.push_back(fmt::format("{} is not a regular file: its header could not be updated with the loss counts",
                                    output_));
  return res;
}

// The recording failed: the launched command is killed, the file closed.
void EbpfRecorder::abandon() {
  if (root_ && !root_reaped_) {
    kill(root_, SIGKILL);
    waitpid(root_, nullptr, 0);
  }
  if (out_) {
    try {
      out_->close();
    } catch (...) {
    }
  }
}

RecordOutcome EbpfRecorder::run() {
  prepare();
  start_tracer();
  SignalGuard signals;
  try {
    if (!opt_.command.empty()) {
      launch();
    } else {
      for (pid_t p : opt_.attach) attach(p);
      open_output();
      for (const auto& [tid, t] : tasks_) emit_process(tid, t.tgid, kProcAttached, ProcInfo{}, now_ns(CLOCK_REALTIME));
      out_->flush();
    }
    loop();
    return finish();
  } catch (...) {
    abandon();
    throw;
  }
}

}  // namespace detail::ebpf

RecordOutcome record_ebpf(const RecordOptions& opt) {
  detail::ebpf::EbpfRecorder r(opt);
  return r.run();
}

std::string ebpf_unavailable_reason() { return detail::ebpf::unavailable_reason(); }

}  // namespace tracediff::record

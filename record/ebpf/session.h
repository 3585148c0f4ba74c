// The eBPF recorder's user side, as one object shared by the files that
// implement it (internal to record/ebpf; recorder.h has the contract):
//   recorder.cc  run(): prepare, start the kernel program, launch or
//                attach, read records until the traced tasks end, finish
//   records.cc   what each record becomes (syscall, spawn, exit, signal)
//   exec.cc      an exec record: the new program's argv and environment
//                rebuilt as memory the shared decoders can read
//   tasks.cc     tasks, launch and attach, the output file
//
// Records and what they become:
//   TD_REC_SPAWN    -> spawn event (the child's fd table and cwd shared or
//                      copied as the kernel says: CLONE_FILES, CLONE_FS)
//   TD_REC_EXEC     -> exec event; the execve's arguments, read from the new
//                      program's stack, wait for the call's own record
//   TD_REC_SYSCALL  -> syscall event (or, at a task's end, its unfinished call)
//   TD_REC_EXIT     -> exit / killed event
//   TD_REC_SIGNAL   -> signal event (and "stopped" for a group stop)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "record/decode.h"
#include "record/ebpf/captured_memory.h"
#include "record/ebpf/loader.h"
#include "record/ebpf/wire.h"
#include "record/internal.h"
#include "tracefile/tracefile.h"

namespace tracediff::record::detail::ebpf {

// How often tasks whose exit record was lost are looked for in /proc.
inline constexpr std::int64_t kPruneIntervalNs = 1'000'000'000;
// As the ptrace recorder: buffered events reach the file at least this often.
inline constexpr std::int64_t kEbpfFlushIntervalNs = 100'000'000;

/// The fixed part of a record of type T at p (n bytes); false when short.
template <typename T>
bool fixed_part(const char* p, std::size_t n, T& out) {
  if (n < sizeof(T)) return false;
  std::memcpy(&out, p, sizeof(T));
  return true;
}

/// The fd table of a live process, read whole from /proc (the ptrace
/// recorder reads entries lazily while the task is stopped; here the task
/// runs on and may be gone by the time its records are decoded).
std::shared_ptr<FdTable> snapshot_fds(pid_t pid);

/// A process's end, deferred: a thread group leader that ends while its
/// threads run on is reported when the group ends (as waitpid reports it to
/// ptrace), or replaced by a "superseded" event when one of its threads
/// exec'd and took over its tid.
struct DeferredEnd {
  std::uint32_t exit_code = 0;
  std::int64_t ts = 0;
  std::optional<Event> call;  // its call in progress, if one was
};

class EbpfRecorder {
 public:
  explicit EbpfRecorder(const RecordOptions& opt) : opt_(opt) {}
  RecordOutcome run();

 private:
  // recorder.cc
  void prepare();
  void start_tracer();
  bool loop();
  void on_stop_request(int sig);
  void reap_root();
  RecordOutcome finish();
  void abandon();
  // records.cc
  void on_record(const char* p, std::size_t n);
  void on_syscall(const char* p, std::size_t n);
  void set_result(Event& e, Task& t, const td_syscall& s, const CapturedMemory& mem);
  void snapshot_denied(Event& e, const td_syscall& s);
  void on_spawn(const td_spawn& s);
  void on_exit(const td_exit& e);
  void on_signal(const td_signal& s);
  void decode_entry(Task& t, const std::uint64_t args[6], int nr, const MemorySource& mem);
  void account(const CapturedMemory& mem);
  void emit_end(pid_t tid, pid_t tgid, std::uint32_t code, std::int64_t ts, std::optional<Event> call);
  // exec.cc
  void on_exec(const char* p, std::size_t n);
  void take_over_leader(pid_t tid, pid_t tgid, pid_t old, std::int64_t ts);
  // tasks.cc
  Task& task(pid_t tid, pid_t tgid);
  Task& new_root_task(pid_t pid);
  void emit(const Event& e);
  void emit_process(pid_t tid, pid_t tgid, const char* name, ProcInfo info, std::int64_t ts);
  void maybe_flush();
  void open_output();
  void launch();
  void attach(pid_t pid);
  void prune_dead();

  std::size_t live() const { return tasks_.size() - deferred_.size(); }
  std::int64_t wall(std::uint64_t mono) const { return static_cast<std::int64_t>(mono) + clock_offset_; }

  RecordOptions opt_;
  std::string exe_;  // the command, resolved in PATH
  std::unique_ptr<Tracer> tracer_;
  Header header_;
  std::string output_;
  std::unique_ptr<tracefile::TraceWriter> out_;
  std::unordered_map<pid_t, Task> tasks_;
  // A successful execve's arguments until its record, and the tid that
  // called it (a thread that exec'd is the leader by then; ptrace writes
  // the call under the caller's tid).
  struct ExecCall {
    ArgList args;
    pid_t caller = 0;
  };
  std::unordered_map<pid_t, ExecCall> exec_args_;
  std::unordered_map<pid_t, Event> dying_call_;      // a task's unfinished call, until its exit record
  std::unordered_map<pid_t, DeferredEnd> deferred_;  // leaders ended before their threads
  std::vector<bool> selected_;
  const std::vector<const Decoder*>* decoders_ = nullptr;
  std::size_t data_size_ = 256;
  std::int64_t clock_offset_ = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC (bpf_ktime_get_ns)
  pid_t root_ = 0;
  bool root_reaped_ = false;
  bool prelude_ = false;  // the launched child has not exec'd the command yet
  bool forwarded_ = false;
  bool detach_ = false;   // -p and a stop signal: let go, the processes run on
  int exit_status_ = 0;
  std::size_t events_ = 0;
  std::int64_t last_flush_ = 0;
  bool dirty_ = false;
  Event scratch_;
  PermCache perm_cache_;
  redact::Redactor redactor_{opt_.redaction};
  Event redacted_;  // emit()'s copy of an event the redactor changed
  std::uint64_t unreadable_ = 0, not_captured_ = 0, truncated_ = 0;
};

}  // namespace tracediff::record::detail::ebpf

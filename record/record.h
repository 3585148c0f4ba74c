// record: a ptrace recorder producing a Trace (streamed to a TraceWriter).
//
// Launches a command or attaches to running processes, follows every child
// and thread, decodes the arguments that matter, and snapshots the host.
// What it knows it could not see (a program's own seccomp filter, which it
// then works around; io_uring; unreadable memory; ...) is counted in the
// header's options (model/coverage.h) and returned as notes, never dropped.
// Linux x86_64 only for now; the architecture is written in the header.
#pragma once

#include <string>
#include <vector>

#include "model/trace.h"
#include "redact/redact.h"

namespace tracediff::record {

/// Which recorder: ptrace (stops the task at its calls), eBPF (a kernel
/// program copies the calls out, the task runs on: record/ebpf/recorder.h),
/// or auto (eBPF where the kernel and privileges allow, else ptrace).
enum class Backend { Ptrace, Ebpf, Auto };

struct RecordOptions {
  Backend backend = Backend::Ptrace;   ///< --backend
  std::string output;                  ///< trace file ("" = derived name)
  std::vector<std::int32_t> attach;    ///< -p PID...
  std::vector<std::string> command;    ///< command to launch
  std::size_t data_size = 256;         ///< -s: bytes of read/write data kept
  /// Bytes of each regular file's content kept over all its reads
  /// (--content-size): config files, CA bundles and /etc files whole.
  std::size_t content_size = 256 * 1024;
  std::vector<std::string> trace_set;  ///< -e trace=...: names and %classes
  bool all = false;                    ///< --all: trace every call (no filter)
  bool follow = true;                  ///< !--no-follow
  /// What is redacted before anything is written (redact/redact.h): by
  /// default credentials, with --redact every data buffer, with
  /// --no-redact nothing.
  redact::RedactOptions redaction;
  bool force = false;                  ///< overwrite an existing output
};

/// How the recording ended.
struct RecordOutcome {
  std::string output;       ///< the file written
  int exit_status = 0;      ///< the command's status, 128+N if killed by N
  std::size_t events = 0;
  /// What the recording could not see, one sentence each (as
  /// recording_notes() of the header says it); empty when it saw everything.
  std::vector<std::string> notes;
};

/// Records until every traced task is gone or a SIGINT/SIGTERM arrives
/// (then detaches from attached tasks, or behaves as strace for launched
/// ones). Throws fmt::system_error / InputError on setup failure; the
/// output file is created only once tracing has started, so a setup
/// failure (an attach refused: the -p already attached are detached first)
/// leaves no file and an existing one, with `force`, unchanged.
RecordOutcome run(const RecordOptions& opt);

/// The host snapshot written into a recording's header.
HostInfo snapshot_host();

}  // namespace tracediff::record

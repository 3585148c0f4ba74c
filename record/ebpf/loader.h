// The kernel program's handles: the skeleton (programs, maps, links) and
// the ring buffer, owned together and released in the right order. Every
// failure is an InputError of one line that says what is missing and that
// the ptrace backend works without it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct tracer_bpf;
struct ring_buffer;

namespace tracediff::record::detail::ebpf {

/// Why the eBPF backend cannot run on this machine as this user ("" when
/// nothing is known to stop it): no BTF, no bpf() system call, missing
/// CAP_BPF/CAP_PERFMON, lockdown, a seccomp filter. Cheap: no program is
/// loaded.
std::string unavailable_reason();

/// The one-line error for a missing prerequisite `what`.
std::string unavailable_message(const std::string& what);

/// What was lost in the kernel, summed over CPUs.
struct KernelLosses {
  std::uint64_t ringbuf_drops = 0;  ///< records the ring buffer had no room for
  std::uint64_t inflight_full = 0;  ///< calls whose entry could not be kept
  std::uint64_t tasks_full = 0;     ///< children that could not be followed
  std::uint64_t missed_runs = 0;    ///< program runs the kernel skipped (nesting on one CPU)
  std::uint64_t total() const { return ringbuf_drops + inflight_full + tasks_full + missed_runs; }
};

struct LoadOptions {
  std::uint32_t data_size = 256;
  bool follow = true;
  std::size_t ringbuf_bytes = 16u << 20;
  std::vector<bool> selected;  ///< per call number
};

class Tracer {
 public:
  /// A record as the kernel program wrote it; valid during the call only.
  using Handler = std::function<void(const char* data, std::size_t size)>;

  /// Opens, configures and loads the program and fills its tables; the
  /// programs are not attached yet. Throws InputError.
  Tracer(const LoadOptions& opt, Handler on_record);
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  /// Attaches every program: from now on the tasks added are traced.
  void attach();
  /// Traces task `tid` of process `tgid` (its children too, with follow).
  void trace_task(pid_t tid, pid_t tgid);
  /// Waits up to `timeout_ms` for records and hands each to the handler.
  void poll(int timeout_ms);
  /// Hands over every record already in the buffer, without waiting.
  void drain();
  KernelLosses losses() const;

 private:
  static int on_sample(void* ctx, void* data, std::size_t size);
  tracer_bpf* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  Handler on_record_;
};

}  // namespace tracediff::record::detail::ebpf

// record/ebpf: the eBPF recorder, a second backend beside ptrace.
//
// Contract: record_ebpf() records what record() (record/record.h) records,
// into the same trace format with the same header (source "ebpf") and the
// same argument shapes, by decoding with the same decoders: a kernel
// program (tracer.bpf.c) follows the traced tasks through the fork, exec
// and exit tracepoints, keeps each selected call's arguments at its entry
// and at its exit sends them, with the memory they point to as the capture
// table (capture.h) says, through a ring buffer. The traced program is
// never stopped: what the ring buffer cannot take is dropped, counted and
// written in the header (options lost_events, unreadable, not_captured),
// never waited for. Setup failures (no BPF, no BTF, missing capabilities)
// throw InputError with one line that names what is missing; the output
// file is created only once tracing has started, as with ptrace.
#pragma once

#include <string>

#include "record/record.h"

namespace tracediff::record {

/// Records with the eBPF backend. Throws InputError / fmt::system_error on
/// setup failure, leaving no file (and an existing one, with force, as it was).
RecordOutcome record_ebpf(const RecordOptions& opt);

/// Why the eBPF backend cannot run here, "" when it can as far as can be
/// told without loading it (for --backend auto).
std::string ebpf_unavailable_reason();

}  // namespace tracediff::record

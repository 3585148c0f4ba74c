// The capture table: for each system call the eBPF recorder decodes, which
// of its arguments point to memory the decoders (record/decode_*.cc) read,
// how much of it, and when. The kernel program interprets the table as
// data (tracer.bpf.c, capture()); a row missing here shows up as arguments
// "not captured" in the trace header (CapturedMemory counts them), which
// the equivalence tests check is zero for the project's programs.
#pragma once

#include <vector>

#include "record/ebpf/wire.h"

namespace tracediff::record::detail::ebpf {

/// One row per call number (index = number, syscall_count() rows); a call
/// without captures has an empty row.
std::vector<td_row> build_capture_table();

}  // namespace tracediff::record::detail::ebpf

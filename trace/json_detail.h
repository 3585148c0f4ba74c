// Internals of the JSON Lines format shared by the files of trace/ (not
// part of the public interface in io.h).
#pragma once

#include <string>

#include "trace/trace.h"

namespace tracediff::detail {

/// Appends event_to_json(e) to `out`: TraceWriter uses it to skip one
/// string per event.
void append_event_json(std::string& out, const Event& e);

}  // namespace tracediff::detail

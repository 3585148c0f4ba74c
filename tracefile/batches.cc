// What of the batch reader (tracefile/batches.h) is not a template, and
// its instance for trace events (json_read.cc).
#include "tracefile/batches.h"

namespace tracediff::tracefile {

bool blank_line(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

unsigned default_batch_workers() {
  unsigned n = std::thread::hardware_concurrency();
  return std::clamp(n, 1u, 4u);
}

template class BatchReader<Event>;

}  // namespace tracediff::tracefile

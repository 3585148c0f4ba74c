// Reads a trace file into memory with read_trace() and prints the event
// count and the time taken, for bench/import-read.sh (peak memory comes
// from /usr/bin/time around this program).
//   bench_read_trace TRACE
#include <fmt/format.h>

#include <chrono>

#include "input/input.h"
#include "tracefile/tracefile.h"

int main(int argc, char** argv) {
  using namespace tracediff;
  if (argc != 2) {
    fmt::print(stderr, "usage: bench_read_trace TRACE\n");
    return 2;
  }
  try {
    auto t0 = std::chrono::steady_clock::now();
    Trace t = tracefile::read_trace(argv[1]);
    auto t1 = std::chrono::steady_clock::now();
    std::size_t args = 0;
    for (const Event& e : t.events) args += e.args.size();
    fmt::print("events {} args {} warnings {} read_seconds {:.3f}\n", t.events.size(), args, t.warnings.size(),
               std::chrono::duration<double>(t1 - t0).count());
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_read_trace: {}\n", e.what());
    return 1;
  }
  return 0;
}

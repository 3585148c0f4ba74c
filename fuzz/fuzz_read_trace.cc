// Fuzzes the trace reader: any bytes (plain or zstd) must either read or be
// refused with InputError; never a crash, hang or sanitizer report. What it
// reads must survive being written and read again unchanged.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "input/input.h"
#include "tracefile/tracefile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracediff;
  fuzz::MemFile f(std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    (void)input::sniff(f.path());
  } catch (const InputError&) {
  }
  Trace t;
  try {
    t = tracefile::read_trace(f.path());
  } catch (const InputError&) {
    return 0;
  }
  fuzz::check_round_trip(t);
  return 0;
}

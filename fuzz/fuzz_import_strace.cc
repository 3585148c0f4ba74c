// Fuzzes the strace importer: any text must import (bad lines become
// Unparsed events) without a crash, hang or sanitizer report, and the trace
// it makes must be written and read back unchanged.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "input/input.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracediff;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)strace::looks_like_strace(text);
  Trace t;
  try {
    t = strace::import_strace_text(text, "fuzz.log");
  } catch (const InputError&) {
    return 0;
  }
  fuzz::check_round_trip(t);
  return 0;
}

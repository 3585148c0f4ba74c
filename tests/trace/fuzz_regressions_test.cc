// Every input the fuzzers once crashed on (tests/trace/fuzz-regressions/,
// docs/fuzzing.md) must now import or read cleanly, and what it gives must
// survive the file format. The sanitizer build (label unit) is where an
// undefined-behaviour regression shows.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/trace/test_util.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<fs::path> regressions(const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& de : fs::directory_iterator(fs::path(TRACEDIFF_SOURCE_DIR) / "tests/trace/fuzz-regressions"))
    if (de.path().filename().string().rfind(prefix, 0) == 0) out.push_back(de.path());
  std::sort(out.begin(), out.end());
  return out;
}

void expect_round_trip(const Trace& t, const std::string& what) {
  TempDir d;
  tracefile::write_trace(d.file("t.trace"), t, {});
  Trace back = tracefile::read_trace(d.file("t.trace"));
  ASSERT_EQ(back.events.size(), t.events.size()) << what;
  for (std::size_t i = 0; i < t.events.size(); ++i) EXPECT_EQ(back.events[i], t.events[i]) << what << " event " << i;
}

TEST(FuzzRegressions, ImporterInputsImportAndRoundTrip) {
  auto files = regressions("import-");
  ASSERT_FALSE(files.empty());
  for (const fs::path& p : files) {
    std::string text = testing::slurp(p.string());
    Trace t = strace::import_strace_text(text, p.string());
    // Every line is kept, parsed or not.
    EXPECT_GE(t.events.size(), 1u) << p;
    expect_round_trip(t, p.string());
  }
}

TEST(FuzzRegressions, ReaderInputsReadOrFailCleanly) {
  auto files = regressions("read-");
  ASSERT_FALSE(files.empty());
  for (const fs::path& p : files) {
    try {
      Trace t = tracefile::read_trace(p.string());
      expect_round_trip(t, p.string());
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tracediff

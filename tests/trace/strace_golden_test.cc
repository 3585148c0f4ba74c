// Golden tests for the strace grammar: each directory under golden/ holds an
// input log (input.strace, or input.strace.<pid> files of a -ff set) and
// expected.txt, the imported trace in full: the header and every event as
// JSON lines (all fields, stable), then `show`'s rendering, then warnings.
// TRACEDIFF_UPDATE_GOLDEN=1 rewrites expected.txt from the current output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/golden.h"
#include "tests/trace/test_util.h"
#include "display/format.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldenDir = fs::path(TRACEDIFF_SOURCE_DIR) / "tests/trace/golden";

std::string render(const Trace& t) {
  std::string out = "# header\n" + tracefile::header_to_json(t.header) + "\n# events\n";
  for (const Event& e : t.events) out += tracefile::event_to_json(e) + "\n";
  out += "# show\n";
  display::FormatOptions fo;
  fo.max_string = 0;
  fo.show_time = true;
  fo.show_abs_paths = true;
  for (const Event& e : t.events) out += display::format_event(e, fo) + "\n";
  out += "# warnings\n";
  for (const Warning& w : t.warnings)
    out += fs::path(w.file).filename().string() + ":" + std::to_string(w.line) + ": " + w.message + "\n";
  return out;
}

Trace import_case(const fs::path& dir) {
  if (fs::exists(dir / "input.strace")) {
    std::string text = testing::slurp((dir / "input.strace").string());
    return strace::import_strace_text(text, "input.strace");
  }
  std::vector<std::string> set;
  for (const auto& de : fs::directory_iterator(dir))
    if (de.path().filename().string().rfind("input.strace.", 0) == 0) set.push_back(de.path().string());
  std::sort(set.begin(), set.end());
  if (set.empty()) throw std::runtime_error("no input in " + dir.string());
  return strace::import_strace_set(set);
}

class StraceGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(StraceGolden, MatchesExpected) {
  fs::path dir = kGoldenDir / GetParam();
  std::string got = render(import_case(dir));
  fs::path want_path = dir / "expected.txt";
  if (testing::rewrite_golden({{want_path, got}})) GTEST_SKIP() << "regenerated " << want_path;
  ASSERT_TRUE(fs::exists(want_path)) << want_path << " missing; run with TRACEDIFF_UPDATE_GOLDEN=1";
  std::string want = testing::slurp(want_path.string());
  EXPECT_EQ(want, got) << "golden case " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Cases, StraceGolden, ::testing::ValuesIn(testing::golden_cases(kGoldenDir)),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tracediff

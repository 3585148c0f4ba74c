// Golden tests: each directory under golden/ holds a strace log
// (input.log) and the full expected `explain` output as text
// (expected.txt) and JSON (expected.json). The logs are the article's own
// traces. TRACEDIFF_UPDATE_GOLDEN=1 rewrites the expected files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "explain/explain.h"
#include "tests/golden.h"
#include "input/input.h"
#include "tracefile/tracefile.h"

namespace tracediff {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() { return fs::path(TRACEDIFF_SOURCE_DIR) / "tests/explain/golden"; }

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesExpectedOutput) {
  fs::path dir = golden_dir() / GetParam();
  Trace t = input::load_any((dir / "input.log").string());
  explain::Explanation x = explain::run(t);
  const std::string name = "input.log";  // as a user would type it: stable across checkouts
  std::string text = explain::render_explanation_text(x, name);
  std::string json = explain::explanation_to_json(x, name);
  if (testing::rewrite_golden({{dir / "expected.txt", text}, {dir / "expected.json", json}})) GTEST_SKIP() << "rewrote " << dir;
  EXPECT_EQ(text, testing::slurp(dir / "expected.txt")) << "in " << dir;
  EXPECT_EQ(json, testing::slurp(dir / "expected.json")) << "in " << dir;
}

INSTANTIATE_TEST_SUITE_P(Explain, Golden, ::testing::ValuesIn(testing::golden_cases(golden_dir())),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace tracediff

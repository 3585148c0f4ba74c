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
#include "trace/io.h"

namespace tracediff {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() { return fs::path(TRACEDIFF_SOURCE_DIR) / "tests/explain/golden"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesExpectedOutput) {
  fs::path dir = golden_dir() / GetParam();
  Trace t = load_any((dir / "input.log").string());
  Explanation x = explain(t);
  const std::string name = "input.log";  // as a user would type it: stable across checkouts
  std::string text = render_explanation_text(x, name);
  std::string json = explanation_to_json(x, name);
  if (const char* u = std::getenv("TRACEDIFF_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(dir / "expected.txt", std::ios::binary) << text;
    std::ofstream(dir / "expected.json", std::ios::binary) << json;
    GTEST_SKIP() << "rewrote " << dir;
  }
  EXPECT_EQ(text, slurp(dir / "expected.txt")) << "in " << dir;
  EXPECT_EQ(json, slurp(dir / "expected.json")) << "in " << dir;
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(golden_dir()))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Explain, Golden, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace tracediff

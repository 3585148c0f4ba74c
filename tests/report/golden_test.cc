// Golden tests: each directory under golden/ names a fixture and the
// options (case.txt) and holds the full expected report (expected.txt).
// TRACEDIFF_UPDATE_GOLDEN=1 rewrites expected.txt from the current output.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/report.h"
#include "tests/golden.h"
#include "tests/report/fixtures.h"

namespace tracediff::testing {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() { return fs::path(TRACEDIFF_SOURCE_DIR) / "tests/report/golden"; }

struct Case {
  std::string fixture;
  std::string format = "text";
  report::ReportOptions opt;
};

Case read_case(const fs::path& file) {
  Case c;
  std::istringstream in(slurp(file));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error(file.string() + ":" + std::to_string(n) + ": expected KEY: VALUE");
    std::string key = line.substr(0, colon), value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (key == "fixture") c.fixture = value;
    else if (key == "format") c.format = value;
    else if (key == "width") c.opt.width = std::stoul(value);
    else if (key == "context") c.opt.context = std::stoul(value);
    else if (key == "all") c.opt.all = value == "1";
    else if (key == "first") c.opt.first_only = value == "1";
    else throw std::runtime_error(file.string() + ":" + std::to_string(n) + ": unknown key " + key);
  }
  return c;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesExpected) {
  fs::path dir = golden_dir() / GetParam();
  Case c = read_case(dir / "case.txt");
  auto it = fixtures().find(c.fixture);
  ASSERT_NE(it, fixtures().end()) << "unknown fixture " << c.fixture << " in " << dir;
  diff::DiffResult r = it->second();
  c.opt.color = false;
  std::string got = c.format == "html" ? report::render_html(r, c.opt) : report::render_text(r, c.opt);
  fs::path expected = dir / (c.format == "html" ? "expected.html" : "expected.txt");
  if (rewrite_golden({{expected, got}})) GTEST_SKIP() << "regenerated " << expected;
  ASSERT_TRUE(fs::exists(expected)) << expected << " is missing; run with TRACEDIFF_UPDATE_GOLDEN=1";
  EXPECT_EQ(slurp(expected), got) << "report differs from " << expected;
}

INSTANTIATE_TEST_SUITE_P(Report, Golden, ::testing::ValuesIn(golden_cases(golden_dir())),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string s = i.param;
                           for (char& ch : s)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace tracediff::testing

// Real logs: every file of the shared corpus (strace 4.x-5.x, other people's
// machines), a log made with this machine's strace and the strace 4.x -v
// excerpt of the golden tests must import with zero unparsed lines, and
// `show` must keep every call name, path, result and errno, checked line by
// line against the log itself.
//
// The corpus lives beside the checkout (<clone>/../shared/corpus);
// TRACEDIFF_CORPUS overrides the path. Without it the test exits 77 (CTest
// SKIP_RETURN_CODE) and says why.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "tests/trace/test_util.h"
#include "display/format.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff {
namespace {

namespace fs = std::filesystem;

fs::path g_corpus;

// Lines of the corpus that are not strace output at all: two writers (strace
// and the traced program, or two strace processes) interleaved their bytes
// in one file, so no call can be read back from them. They are the only
// lines allowed to be unparsed, and each must be: kept as an unparsed event
// and named by the file's warning, as a note someone added to a log would be.
const std::map<std::string, std::map<std::uint32_t, const char*>> kNotStraceOutput = {
    {"testbins_badread.strace",
     {{22, "the program's own output cut into a write() string: the string never ends"},
      {31, "munmap(0x7f with the program's output 'Hello\", 5)' spliced in"}}},
    {"testbins_samples.strace", {{19, "a stray '-' from another writer after '= 0'"}}},
    {"testbins_shell.strace", {{551, "the start of the line, with the call name, is missing"}}},
};

// Every log of the corpus, in whichever folder (its README is no log).
std::vector<fs::path> logs() {
  std::vector<fs::path> out;
  for (const auto& de : fs::recursive_directory_iterator(g_corpus))
    if (de.is_regular_file() && de.path().filename().string().rfind("README", 0) != 0) out.push_back(de.path());
  std::sort(out.begin(), out.end());
  out.push_back(fs::path(TRACEDIFF_SOURCE_DIR) / "tests/trace/data/local-6.1.strace");
  out.push_back(fs::path(TRACEDIFF_SOURCE_DIR) / "tests/trace/golden/strace4x_v/input.strace");
  return out;
}

// The test's name for a log: its file name, or its folder's for a golden input.
std::string log_name(const fs::path& p) {
  std::string n = p.stem() == "input" ? p.parent_path().filename().string() : p.stem().string();
  std::replace_if(n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return n;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines{""};  // 1-based
  std::size_t p = 0;
  while (p <= text.size()) {
    std::size_t e = text.find('\n', p);
    if (e == std::string::npos) e = text.size();
    lines.push_back(text.substr(p, e - p));
    p = e + 1;
  }
  return lines;
}

// The "= ..." part of a log line, found independently of the importer: the
// last ") = " (or ")= " after a bare resumed), minus a -T duration.
std::string result_text(const std::string& line) {
  std::size_t p = line.rfind(") ");
  while (p != std::string::npos) {
    std::size_t q = line.find_first_not_of(' ', p + 1);
    if (q != std::string::npos && line[q] == '=') {
      std::string r = line.substr(q + 1);
      r.erase(0, r.find_first_not_of(' '));
      while (!r.empty() && r.back() == ' ') r.pop_back();
      if (!r.empty() && r.back() == '>') {
        std::size_t lt = r.rfind(" <");
        if (lt != std::string::npos && r.find_first_not_of("0123456789.", lt + 2) == r.size() - 1) r.erase(lt);
      }
      return r;
    }
    if (p == 0) break;
    p = line.rfind(") ", p - 1);
  }
  return "";
}

std::string first_word(const std::string& s) { return s.substr(0, s.find(' ')); }

std::string errno_of(const std::string& result) {
  std::size_t sp = result.find(' ');
  if (sp == std::string::npos || sp + 1 >= result.size() || result[sp + 1] != 'E') return "";
  std::size_t e = result.find(' ', sp + 1);
  return result.substr(sp + 1, e == std::string::npos ? std::string::npos : e - sp - 1);
}

class Corpus : public ::testing::TestWithParam<fs::path> {};

TEST_P(Corpus, ImportsWithZeroUnparsedLines) {
  const fs::path& path = GetParam();
  Trace t = strace::import_strace_file(path.string());
  auto damaged = kNotStraceOutput.find(path.filename().string());
  std::map<std::uint32_t, const char*> not_strace;
  if (damaged != kNotStraceOutput.end()) not_strace = damaged->second;
  std::vector<std::uint32_t> unparsed;
  for (const Event& e : t.events) {
    if (e.type != EventType::Unparsed) continue;
    unparsed.push_back(e.line);
    EXPECT_TRUE(not_strace.count(e.line)) << path.filename().string() << ":" << e.line << ": unparsed: " << e.raw;
  }
  std::vector<std::uint32_t> want;
  for (const auto& kv : not_strace) want.push_back(kv.first);
  EXPECT_EQ(unparsed, want) << path;
  // The warning names the file and the first line that is not strace output.
  if (want.empty()) {
    EXPECT_TRUE(t.warnings.empty()) << t.warnings[0].message;
  } else {
    ASSERT_EQ(t.warnings.size(), 1u);
    EXPECT_EQ(t.warnings[0].file, path.string());
    EXPECT_EQ(t.warnings[0].line, want[0]);
  }
  EXPECT_FALSE(t.events.empty());
}

TEST_P(Corpus, ShowKeepsEveryCallPathResultAndErrno) {
  const fs::path& path = GetParam();
  std::string text = tracefile::read_file_decompressed(path.string());
  std::vector<std::string> lines = split_lines(text);
  Trace t = strace::import_strace_text(text, path.string());
  display::FormatOptions fo;
  fo.max_string = 0;

  std::size_t calls = 0;
  for (const Event& e : t.events) {
    if (e.type != EventType::Syscall) continue;
    ++calls;
    ASSERT_GT(e.line, 0u);
    ASSERT_LT(e.line, lines.size());
    const std::string& start = lines[e.line];
    std::string shown = display::format_event(e, fo);
    std::string where = path.filename().string() + ":" + std::to_string(e.line);

    EXPECT_NE(shown.find(e.name + "("), std::string::npos) << where << ": " << shown;
    EXPECT_NE(start.find(e.name), std::string::npos) << where;

    // The line with the result: the start itself, or the matching resumed line.
    std::string end = start;
    if (start.find("<unfinished ...>") != std::string::npos) {
      end.clear();
      std::string tag = "<... " + e.name + " resumed>";
      std::string pidtok = start.substr(0, start.find_first_of(" <"));
      for (std::size_t i = e.line + 1; i < lines.size(); ++i)
        if (lines[i].find(tag) != std::string::npos && lines[i].rfind(pidtok, 0) == 0) {
          end = lines[i];
          break;
        }
    }
    for (const Arg& a : e.args) {
      if (a.kind != ArgKind::Path) continue;
      std::string q = display::quote_bytes(a.str, 0, a.truncated);
      EXPECT_NE(shown.find(q), std::string::npos) << where << ": path " << q << " lost in: " << shown;
      EXPECT_TRUE(start.find(q) != std::string::npos || end.find(q) != std::string::npos)
          << where << ": path " << q << " not in the log line";
    }
    if (e.result.state != ResultState::Returned) continue;
    std::string want = result_text(end);
    ASSERT_FALSE(want.empty()) << where << ": no result found in the log for " << shown;
    std::string got = display::format_result(e.result, fo);
    EXPECT_EQ(first_word(got), first_word(want)) << where << ": " << shown;
    EXPECT_EQ(errno_of(got), errno_of(want)) << where << ": " << shown;
  }
  // Every line that starts a call became a call event.
  std::size_t starts = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.find('(') == std::string::npos || l.find("+++") != std::string::npos ||
        l.find("--- ") != std::string::npos || l.find("resumed>") != std::string::npos)
      continue;
    auto known = kNotStraceOutput.find(path.filename().string());
    if (known != kNotStraceOutput.end() && known->second.count(static_cast<std::uint32_t>(i))) continue;
    ++starts;
  }
  EXPECT_EQ(calls, starts) << path;
}

INSTANTIATE_TEST_SUITE_P(Logs, Corpus, ::testing::ValuesIn(logs()), [](const auto& info) { return log_name(info.param); });

}  // namespace
}  // namespace tracediff

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("TRACEDIFF_CORPUS");
  fs::path src(TRACEDIFF_SOURCE_DIR);
  if (env && *env) {
    tracediff::g_corpus = env;
  } else {
    // A fresh clone has shared/ beside it; a git worktree kept one level
    // deeper (worktrees/<name>) finds it one more level up.
    tracediff::g_corpus = src / "../shared/corpus";
    if (!fs::is_directory(tracediff::g_corpus) && fs::is_directory(src / "../../shared/corpus"))
      tracediff::g_corpus = src / "../../shared/corpus";
  }
  if (!fs::is_directory(tracediff::g_corpus / "strace-logs")) {
    std::fprintf(stderr, "SKIP: no strace corpus at %s (set TRACEDIFF_CORPUS)\n",
                 (tracediff::g_corpus / "strace-logs").c_str());
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

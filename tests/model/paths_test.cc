// normalize_path, is_normal_path and absolute_path against the plain definition: split on
// '/', drop "." and empty components, let ".." remove the one before it
// (none above the root), join. Checked on every path of up to five
// components drawn from the cases that matter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/paths.h"

namespace tracediff {
namespace {

std::string by_definition(const std::string& p) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string c = p.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(c);
    }
    i = j + 1;
  }
  std::string out;
  for (const std::string& c : parts) out += "/" + c;
  return out.empty() ? "/" : out;
}

std::vector<std::string> paths_of(std::size_t depth) {
  static const char* pieces[] = {"a", "bb", "..", ".", "", "...", ".x"};
  std::vector<std::string> out = {""};
  std::vector<std::string> level = {""};
  for (std::size_t d = 0; d < depth; ++d) {
    std::vector<std::string> next;
    for (const std::string& p : level)
      for (const char* c : pieces) next.push_back(p.empty() ? c : p + "/" + c);
    out.insert(out.end(), next.begin(), next.end());
    level = std::move(next);
  }
  return out;
}

TEST(Paths, NormalizeIsTheDefinition) {
  for (const std::string& rel : paths_of(5)) {
    std::string p = "/" + rel;
    ASSERT_EQ(normalize_path(p), by_definition(p)) << p;
    ASSERT_EQ(normalize_path(p + "/"), by_definition(p)) << p << "/";
  }
  EXPECT_EQ(normalize_path("relative/./x"), "relative/./x");  // only absolute paths are normalized
  EXPECT_EQ(normalize_path(""), "");
}

// The importer shares a path's block with its absolute form when this says
// the path is normal already: it must say so exactly when normalizing
// would change nothing.
TEST(Paths, NormalIsWhatNormalizingLeavesAlone) {
  std::size_t normal = 0;
  for (const std::string& rel : paths_of(5))
    for (const std::string& p : {"/" + rel, "/" + rel + "/", "//" + rel, rel}) {
      ASSERT_EQ(is_normal_path(p), !p.empty() && p[0] == '/' && normalize_path(p) == p) << p;
      normal += is_normal_path(p);
    }
  EXPECT_GT(normal, 1000u);  // the cases include many normal paths, not only "/"
  EXPECT_TRUE(is_normal_path("/usr/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_FALSE(is_normal_path("/usr/lib/../lib64"));
  EXPECT_FALSE(is_normal_path(""));
}

TEST(Paths, AbsoluteIsTheBaseJoinedThenNormalized) {
  const std::vector<std::string> bases = {"/", "/srv/app", "/srv/app/", "/a/../b", "//x/./y"};
  for (const std::string& base : bases)
    for (const std::string& rel : paths_of(4)) {
      if (rel.empty()) {
        EXPECT_EQ(absolute_path(base, rel), "");
        continue;
      }
      ASSERT_EQ(absolute_path(base, rel), by_definition(base + "/" + rel)) << base << " + " << rel;
    }
  EXPECT_EQ(absolute_path("/home/u", "/etc//passwd"), "/etc/passwd");
  EXPECT_EQ(absolute_path("", "x"), "");
  EXPECT_EQ(absolute_path("relative", "x"), "");
}

}  // namespace
}  // namespace tracediff

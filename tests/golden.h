// Shared by the golden tests (strace import, report, explain): each
// sub-directory of a golden directory is one case holding its input and the
// expected output. TRACEDIFF_UPDATE_GOLDEN=1 rewrites the expected files
// from the current output instead of comparing; review the diff before
// committing it.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/trace/test_util.h"  // slurp

namespace tracediff::testing {

/// The case names (sub-directories) of a golden directory, sorted.
inline std::vector<std::string> golden_cases(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// With TRACEDIFF_UPDATE_GOLDEN=1: writes each expected file and returns
/// true, and the test skips (regenerating is not passing). Else false.
inline bool rewrite_golden(std::initializer_list<std::pair<std::filesystem::path, std::string_view>> files) {
  const char* u = std::getenv("TRACEDIFF_UPDATE_GOLDEN");
  if (!u || std::string_view(u) != "1") return false;
  for (const auto& [path, content] : files) std::ofstream(path, std::ios::binary) << content;
  return true;
}

}  // namespace tracediff::testing

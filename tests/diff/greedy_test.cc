// The greedy alignment (diff/align.cc) against its definition: the same
// steps as trying every offset of the resync window one by one, in the
// order internal.h states, on sequences built to resync near, far, at the
// window's edge, never (one side out of step), and through long runs of
// one repeated key (the indexed search's worst case).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "diff/internal.h"

namespace tracediff::diff::detail {
namespace {

constexpr std::int64_t W = 256, kConfirm = 3;  // align.cc's kResyncWindow, kResyncConfirm

// The definition, spelled out: every offset in order of di + dj, then di.
std::vector<Step> reference(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::int64_t hi_a = static_cast<std::int64_t>(a.size()), hi_b = static_cast<std::int64_t>(b.size());
  auto agrees = [&](std::int64_t x, std::int64_t y) {
    for (std::int64_t k = 0; k < kConfirm; ++k) {
      if (x + k >= hi_a || y + k >= hi_b) return x + k >= hi_a && y + k >= hi_b;
      if (a[x + k] != b[y + k]) return false;
    }
    return true;
  };
  std::vector<Step> out;
  std::int64_t i = 0, j = 0;
  while (i < hi_a && j < hi_b) {
    if (a[i] == b[j]) {
      out.push_back({i++, j++});
      continue;
    }
    bool found = false;
    for (std::int64_t d = 1; d <= 2 * W && !found; ++d)
      for (std::int64_t di = std::max<std::int64_t>(0, d - W); di <= std::min(d, W) && !found; ++di) {
        std::int64_t dj = d - di;
        if (i + di >= hi_a || j + dj >= hi_b || a[i + di] != b[j + dj] || !agrees(i + di, j + dj)) continue;
        for (std::int64_t k = 0; k < di; ++k) out.push_back({i + k, -1});
        for (std::int64_t k = 0; k < dj; ++k) out.push_back({-1, j + k});
        i += di;
        j += dj;
        found = true;
      }
    if (!found) {
      out.push_back({i++, -1});
      out.push_back({-1, j++});
    }
  }
  for (; i < hi_a; ++i) out.push_back({i, -1});
  for (; j < hi_b; ++j) out.push_back({-1, j});
  return out;
}

std::vector<Step> greedy(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::vector<Step> out;
  greedy_align(a, b, 0, static_cast<std::int64_t>(a.size()), 0, static_cast<std::int64_t>(b.size()), out);
  return out;
}

void expect_same(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::vector<Step> want = reference(a, b), got = greedy(a, b);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(got[k].g, want[k].g) << "step " << k;
    ASSERT_EQ(got[k].b, want[k].b) << "step " << k;
  }
}

std::size_t paired(const std::vector<Step>& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](const Step& x) { return x.g >= 0 && x.b >= 0; }));
}

TEST(Greedy, ResyncsAfterCallsOnlyOneSideMade) {
  std::vector<std::uint64_t> a, b;
  for (std::uint64_t k = 0; k < 2000; ++k) a.push_back(k);
  b = a;
  b.insert(b.begin() + 100, {9001, 9002});                  // near: scanned one by one
  b.insert(b.begin() + 600, 40, 9003);                       // past the scan: indexed
  b.erase(b.begin() + 1200, b.begin() + 1200 + 250);         // near the window's edge
  std::vector<Step> s = greedy(a, b);
  EXPECT_EQ(paired(s), 2000u - 250u);  // everything both sides have pairs
  expect_same(a, b);
}

TEST(Greedy, OneSideOutOfStepLeavesBothUnpairedAndStaysLinear) {
  // Every key differs (a lost event left every later path unresolved):
  // no search succeeds; each leaves one call of each side unpaired.
  std::vector<std::uint64_t> a(20000), b(20000);
  for (std::size_t k = 0; k < a.size(); ++k) a[k] = 2 * k, b[k] = 2 * k + 1;
  std::vector<Step> s = greedy(a, b);
  EXPECT_EQ(paired(s), 0u);
  EXPECT_EQ(s.size(), 40000u);
  expect_same(std::vector<std::uint64_t>(a.begin(), a.begin() + 3000),
              std::vector<std::uint64_t>(b.begin(), b.begin() + 3000));
}

TEST(Greedy, MatchesTheDefinitionOnRandomEdits) {
  std::mt19937_64 rng(14);
  for (int round = 0; round < 60; ++round) {
    // Few distinct keys make long runs of one key (many equal offsets),
    // many make resyncs rare and far.
    std::uint64_t alphabet = round % 3 == 0 ? 3 : round % 3 == 1 ? 40 : 100000;
    std::vector<std::uint64_t> a(1500 + rng() % 1500);
    for (auto& k : a) k = rng() % alphabet;
    std::vector<std::uint64_t> b;
    for (std::size_t k = 0; k < a.size(); ++k) {
      unsigned r = static_cast<unsigned>(rng() % 1000);
      if (r < 5) k += rng() % 300;                                    // a run only the good side has
      else if (r < 10) for (unsigned x = rng() % 300; x; --x) b.push_back(rng() % alphabet);  // only the bad side
      else if (r < 20) b.push_back(rng() % alphabet);                 // changed
      if (k < a.size()) b.push_back(a[k]);
    }
    SCOPED_TRACE(round);
    expect_same(a, b);
  }
}

}  // namespace
}  // namespace tracediff::diff::detail

// Alignment of one matched pair of tasks on their events' identity keys.
//
// A key is the call family and its canonical target ("openat\x1f/etc/app.conf"), so
// two calls align when they asked for the same thing, whatever they got
// back; what they got back is compared afterwards (classify.cc). Equal
// prefixes and suffixes are cut first (two runs of one program mostly
// agree at both ends); the middle goes to dtl (Myers' O(ND) diff) when
// n*m is within DiffOptions::exact_limit, else to a greedy resync that is
// linear in practice and marks the pair approximate.
#include <dtl/dtl.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "diff/internal.h"

namespace tracediff::diff::detail {

std::uint32_t KeyTable::intern(const std::string& s) {
  auto [it, inserted] = ids_.try_emplace(s, static_cast<std::uint32_t>(strings_.size()));
  if (inserted) strings_.push_back(s);
  return it->second;
}

namespace {

// How far the greedy resync looks ahead for the next common key, and how
// many keys must agree after it to accept it: 256 covers a long run of
// extra calls (a loader search, a retry loop) while bounding the search.
constexpr std::int64_t kResyncWindow = 256;
constexpr std::int64_t kResyncConfirm = 3;
// Offsets tried one by one before the window is indexed: most resyncs are
// a call or two away, and indexing costs a pass over the window.
constexpr std::int64_t kResyncScan = 8;

// Where the next common key is, looked for as (di, dj) in the order of
// GreedyResync::next's contract. A side that stays out of step (a lost
// event leaves every later path unresolved) makes every search fail, and
// trying all 2W x W offsets one by one made a 1M-event pair take 18 s
// (docs/performance.md); indexing the bad side's window by key makes a
// failed search linear in the window.
class GreedyResync {
 public:
  GreedyResync(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b, std::int64_t hi_a,
               std::int64_t hi_b)
      : a_(a), b_(b), hi_a_(hi_a), hi_b_(hi_b), slot_key_(kSlots), slot_head_(kSlots),
        next_(static_cast<std::size_t>(kResyncWindow + 1)), slot_stamp_(kSlots, 0),
        buckets_(static_cast<std::size_t>(2 * kResyncWindow + 1)) {}

  /// The offsets (di, dj) with a[i+di] == b[j+dj] and the kResyncConfirm
  /// keys from there agreeing (or both sides ending together), di and dj in
  /// [0, kResyncWindow], not both 0: the smallest di + dj, then the
  /// smallest di. False when there is none.
  bool next(std::int64_t i, std::int64_t j, std::int64_t& di_out, std::int64_t& dj_out) {
    static_assert(kResyncScan <= kResyncWindow);  // so every (di, d - di) of the scan is in the window
    for (std::int64_t d = 1; d <= kResyncScan; ++d)
      for (std::int64_t di = 0; di <= d; ++di)
        if (try_at(i, j, di, d - di, di_out, dj_out)) return true;
    return indexed(i, j, di_out, dj_out);
  }

 private:
  bool agrees(std::int64_t x, std::int64_t y) const {
    for (std::int64_t k = 0; k < kResyncConfirm; ++k) {
      if (x + k >= hi_a_ || y + k >= hi_b_) return x + k >= hi_a_ && y + k >= hi_b_;
      if (a_[x + k] != b_[y + k]) return false;
    }
    return true;
  }
  bool try_at(std::int64_t i, std::int64_t j, std::int64_t di, std::int64_t dj, std::int64_t& di_out,
              std::int64_t& dj_out) const {
    if (i + di >= hi_a_ || j + dj >= hi_b_) return false;
    if (a_[i + di] != b_[j + dj] || !agrees(i + di, j + dj)) return false;
    di_out = di;
    dj_out = dj;
    return true;
  }

  // The offsets past kResyncScan: the bad side's window in a small open
  // hash table (key -> its offsets, ascending), then every equal pair put
  // in a bucket by di + dj, in ascending di, and the buckets tried in order.
  bool indexed(std::int64_t i, std::int64_t j, std::int64_t& di_out, std::int64_t& dj_out) {
    std::int64_t nb = std::min(kResyncWindow, hi_b_ - 1 - j), na = std::min(kResyncWindow, hi_a_ - 1 - i);
    if (nb < 0 || na < 0) return false;
    ++stamp_;
    auto find = [&](std::uint64_t key) {
      std::size_t h = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 54) & (kSlots - 1);
      while (slot_stamp_[h] == stamp_ && slot_key_[h] != key) h = (h + 1) & (kSlots - 1);
      return h;
    };
    for (std::int64_t dj = nb; dj >= 0; --dj) {  // pushed at the front: each list ascends
      std::uint64_t key = b_[static_cast<std::size_t>(j + dj)];
      std::size_t h = find(key);
      if (slot_stamp_[h] != stamp_) {
        slot_stamp_[h] = stamp_;
        slot_key_[h] = key;
        slot_head_[h] = -1;
      }
      next_[static_cast<std::size_t>(dj)] = slot_head_[h];
      slot_head_[h] = static_cast<std::int32_t>(dj);
    }
    for (auto& bucket : buckets_) bucket.clear();
    for (std::int64_t di = 0; di <= na; ++di) {
      std::size_t h = find(a_[static_cast<std::size_t>(i + di)]);
      if (slot_stamp_[h] != stamp_) continue;
      for (std::int32_t dj = slot_head_[h]; dj >= 0; dj = next_[static_cast<std::size_t>(dj)])
        if (di + dj > kResyncScan) buckets_[static_cast<std::size_t>(di + dj)].push_back(static_cast<std::int32_t>(di));
    }
    for (std::int64_t d = kResyncScan + 1; d <= 2 * kResyncWindow; ++d)
      for (std::int32_t di : buckets_[static_cast<std::size_t>(d)])
        if (agrees(i + di, j + (d - di))) {
          di_out = di;
          dj_out = d - di;
          return true;
        }
    return false;
  }

  static constexpr std::size_t kSlots = 1024;  // a power of two, at least twice the window
  static_assert(kSlots >= 2 * (kResyncWindow + 1));

  const std::vector<std::uint64_t>& a_;
  const std::vector<std::uint64_t>& b_;
  std::int64_t hi_a_, hi_b_;
  std::uint32_t stamp_ = 0;
  std::vector<std::uint64_t> slot_key_;
  std::vector<std::int32_t> slot_head_, next_;
  std::vector<std::uint32_t> slot_stamp_;
  std::vector<std::vector<std::int32_t>> buckets_;
};

}  // namespace

void greedy_align(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b, std::int64_t lo_a,
                  std::int64_t hi_a, std::int64_t lo_b, std::int64_t hi_b, std::vector<Step>& out) {
  std::int64_t i = lo_a, j = lo_b;
  GreedyResync resync(a, b, hi_a, hi_b);
  while (i < hi_a && j < hi_b) {
    if (a[i] == b[j]) {
      out.push_back({i++, j++});
      continue;
    }
    std::int64_t di = 0, dj = 0;
    if (resync.next(i, j, di, dj)) {
      for (std::int64_t k = 0; k < di; ++k) out.push_back({i + k, -1});
      for (std::int64_t k = 0; k < dj; ++k) out.push_back({-1, j + k});
      i += di;
      j += dj;
    } else {
      out.push_back({i++, -1});
      out.push_back({-1, j++});
    }
  }
  for (; i < hi_a; ++i) out.push_back({i, -1});
  for (; j < hi_b; ++j) out.push_back({-1, j});
}

namespace {

void exact_align(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b, std::int64_t lo_a,
                 std::int64_t hi_a, std::int64_t lo_b, std::int64_t hi_b, std::vector<Step>& out) {
  std::vector<std::uint64_t> ma(a.begin() + lo_a, a.begin() + hi_a), mb(b.begin() + lo_b, b.begin() + hi_b);
  if (ma.empty() || mb.empty()) {
    for (std::int64_t i = lo_a; i < hi_a; ++i) out.push_back({i, -1});
    for (std::int64_t j = lo_b; j < hi_b; ++j) out.push_back({-1, j});
    return;
  }
  dtl::Diff<std::uint64_t, std::vector<std::uint64_t>> d(ma, mb);
  d.compose();
  for (const auto& [elem, info] : d.getSes().getSequence()) {
    if (info.type == dtl::SES_COMMON) out.push_back({lo_a + info.beforeIdx - 1, lo_b + info.afterIdx - 1});
    else if (info.type == dtl::SES_DELETE) out.push_back({lo_a + info.beforeIdx - 1, -1});
    else out.push_back({-1, lo_b + info.afterIdx - 1});
  }
}

// Calls with a target whose key occurs once in each side's middle, paired
// in an order both sides keep (the longest such chain): the anchors of
// `git diff --patience`. Positions are into a and b.
std::vector<Step> unique_anchors(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b,
                                 const std::vector<bool>& ta, const std::vector<bool>& tb, std::int64_t lo_a,
                                 std::int64_t hi_a, std::int64_t lo_b, std::int64_t hi_b) {
  struct Seen {
    int in_a = 0, in_b = 0;
    std::int64_t at_a = -1, at_b = -1;
  };
  std::unordered_map<std::uint64_t, Seen> seen;
  for (std::int64_t i = lo_a; i < hi_a; ++i)
    if (ta[static_cast<std::size_t>(i)]) {
      Seen& x = seen[a[static_cast<std::size_t>(i)]];
      ++x.in_a;
      x.at_a = i;
    }
  for (std::int64_t j = lo_b; j < hi_b; ++j)
    if (tb[static_cast<std::size_t>(j)]) {
      auto it = seen.find(b[static_cast<std::size_t>(j)]);
      if (it == seen.end()) continue;
      ++it->second.in_b;
      it->second.at_b = j;
    }
  std::vector<Step> cand;
  for (const auto& [key, x] : seen)
    if (x.in_a == 1 && x.in_b == 1) cand.push_back({x.at_a, x.at_b});
  std::sort(cand.begin(), cand.end(), [](const Step& p, const Step& q) { return p.g < q.g; });
  // The longest chain increasing in b too (patience sorting).
  std::vector<std::size_t> tails, prev(cand.size(), SIZE_MAX);
  for (std::size_t k = 0; k < cand.size(); ++k) {
    auto pos = std::lower_bound(tails.begin(), tails.end(), cand[k].b,
                                [&](std::size_t t, std::int64_t v) { return cand[t].b < v; });
    if (pos != tails.begin()) prev[k] = *(pos - 1);
    if (pos == tails.end()) tails.push_back(k);
    else *pos = k;
  }
  std::vector<Step> chain;
  for (std::size_t k = tails.empty() ? SIZE_MAX : tails.back(); k != SIZE_MAX; k = prev[k]) chain.push_back(cand[k]);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// How many calls steps pair, those with a target first: a call that names
// something says more of which call it is than one that names nothing (a
// signal's delivery, its rt_sigreturn, a wait4 polling with WNOHANG).
struct Paired {
  std::size_t named = 0, all = 0;
  bool at_least(const Paired& o) const { return named != o.named ? named > o.named : all >= o.all; }
};
Paired paired_calls(const std::vector<Step>& s, std::size_t from, const std::vector<bool>& ta) {
  Paired p;
  for (std::size_t k = from; k < s.size(); ++k)
    if (s[k].g >= 0 && s[k].b >= 0) {
      ++p.all;
      p.named += ta[static_cast<std::size_t>(s[k].g)];
    }
  return p;
}

// The middle aligned exactly. Myers' diff gives one of the longest common
// subsequences, and when two tie it may be the wrong one: a failed openat
// of a scratch file on one side, its success on the other, and a getrandom
// call once on each side around it are two common subsequences of one
// call each, and pairing the getrandom leaves the openat on one side each
// (two one-sided divergences where there is one failed call). So when a
// call with a target that occurs once on each side is left unpaired, the
// middle is aligned again around such calls (anchors, then Myers between
// them), and that is kept when it pairs more calls with a target, or as
// many and at least as many calls in all. Counting calls alone, a SIGCHLD
// that came while one side's shell waited and before the other's (its
// delivery and rt_sigreturn, two calls that pair with any later ones)
// outweighed the one open both sides made of the file the job writes.
void exact_middle(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b,
                  const std::vector<bool>& ta, const std::vector<bool>& tb, std::int64_t lo_a, std::int64_t hi_a,
                  std::int64_t lo_b, std::int64_t hi_b, std::vector<Step>& out) {
  std::size_t from = out.size();
  exact_align(a, b, lo_a, hi_a, lo_b, hi_b, out);
  std::vector<Step> anchors = unique_anchors(a, b, ta, tb, lo_a, hi_a, lo_b, hi_b);
  if (anchors.empty()) return;
  std::unordered_map<std::int64_t, std::int64_t> paired;  // a position -> b position, Myers' common steps
  for (std::size_t k = from; k < out.size(); ++k)
    if (out[k].g >= 0 && out[k].b >= 0) paired.emplace(out[k].g, out[k].b);
  bool all = std::all_of(anchors.begin(), anchors.end(), [&](const Step& x) {
    auto it = paired.find(x.g);
    return it != paired.end() && it->second == x.b;
  });
  if (all) return;
  std::vector<Step> alt;
  std::int64_t i = lo_a, j = lo_b;
  for (const Step& x : anchors) {
    exact_align(a, b, i, x.g, j, x.b, alt);
    alt.push_back(x);
    i = x.g + 1;
    j = x.b + 1;
  }
  exact_align(a, b, i, hi_a, j, hi_b, alt);
  if (!paired_calls(alt, 0, ta).at_least(paired_calls(out, from, ta))) return;
  out.resize(from);
  out.insert(out.end(), alt.begin(), alt.end());
}

// The steps aligning the key sequences a and b: the common prefix and
// suffix as they are, the middle exactly (dtl) when it is small enough,
// else greedily (and the pair says it is approximate). ta and tb: which
// calls have a target (for exact_middle's anchors).
std::vector<Step> align_steps(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b,
                              const std::vector<bool>& ta, const std::vector<bool>& tb, const DiffOptions& opt,
                              TaskPair& pair) {
  std::int64_t n = static_cast<std::int64_t>(a.size()), m = static_cast<std::int64_t>(b.size());
  std::int64_t pre = 0;
  while (pre < n && pre < m && a[pre] == b[pre]) ++pre;
  std::int64_t suf = 0;
  while (suf < n - pre && suf < m - pre && a[n - 1 - suf] == b[m - 1 - suf]) ++suf;
  // At most one step per call of either side, less the common ends: the
  // vector never grows (doubling it cost the peak of a 1M x 1M diff 24 MB).
  std::vector<Step> steps;
  steps.reserve(static_cast<std::size_t>(n + m - pre - suf));
  for (std::int64_t i = 0; i < pre; ++i) steps.push_back({i, i});
  std::int64_t mid_a = n - pre - suf, mid_b = m - pre - suf;
  if (static_cast<double>(mid_a) * static_cast<double>(mid_b) <= static_cast<double>(opt.exact_limit)) {
    exact_middle(a, b, ta, tb, pre, n - suf, pre, m - suf, steps);
  } else {
    pair.approximate = true;
    greedy_align(a, b, pre, n - suf, pre, m - suf, steps);
  }
  for (std::int64_t k = suf; k > 0; --k) steps.push_back({n - k, m - k});
  return steps;
}

// Rows from steps. Within each hunk (the steps between two common ones) a
// deleted and an added call of the same family are one changed call: same
// place, other target. Pairing is in order, so rows never cross.
class RowBuilder {
 public:
  RowBuilder(const Side& good, const Side& bad, const std::vector<EventIndex>& ge, const std::vector<EventIndex>& be,
             std::vector<AlignedRow>& rows)
      : good_(good), bad_(bad), ge_(ge), be_(be), rows_(rows) {}

  void build(const std::vector<Step>& steps) {
    rows_.clear();
    rows_.reserve(steps.size());
    std::size_t k = 0;
    while (k < steps.size()) {
      if (steps[k].g >= 0 && steps[k].b >= 0) {
        same(steps[k].g, steps[k].b);
        ++k;
        continue;
      }
      std::vector<std::int64_t> dels, adds;
      while (k < steps.size() && !(steps[k].g >= 0 && steps[k].b >= 0)) {
        if (steps[k].g >= 0) dels.push_back(steps[k].g);
        else adds.push_back(steps[k].b);
        ++k;
      }
      hunk(dels, adds);
    }
  }

 private:
  // A failed attempt (one step of a search) and a call that succeeded are
  // not the same call gone elsewhere: only calls that fared alike pair.
  // Nor are a step of a search and a call that is none.
  bool pairable(std::int64_t i, std::int64_t j) const {
    std::size_t g = ge_[static_cast<std::size_t>(i)], b = be_[static_cast<std::size_t>(j)];
    return good_.family(g) == bad_.family(b) && good_.outcome(g).empty() == bad_.outcome(b).empty() &&
           (good_.chains.chain_of[g] >= 0) == (bad_.chains.chain_of[b] >= 0);
  }
  // Event indices fit in 32 bits (load_side() refuses bigger traces).
  std::int32_t g_event(std::int64_t i) const { return static_cast<std::int32_t>(ge_[static_cast<std::size_t>(i)]); }
  std::int32_t b_event(std::int64_t j) const { return static_cast<std::int32_t>(be_[static_cast<std::size_t>(j)]); }
  void same(std::int64_t i, std::int64_t j) { rows_.push_back({AlignedRow::Same, g_event(i), b_event(j), -1}); }
  void only_good(std::int64_t i) { rows_.push_back({AlignedRow::OnlyGood, g_event(i), -1, -1}); }
  void only_bad(std::int64_t j) { rows_.push_back({AlignedRow::OnlyBad, -1, b_event(j), -1}); }
  void changed(std::int64_t i, std::int64_t j) { rows_.push_back({AlignedRow::Changed, g_event(i), b_event(j), -1}); }

  void hunk(const std::vector<std::int64_t>& dels, const std::vector<std::int64_t>& adds) {
    // Looking kPairWindow calls ahead on each side bounds the work on a
    // huge one-sided hunk; pairing is a presentation aid, not a result.
    constexpr std::size_t kPairWindow = 64;
    std::size_t di = 0, ai = 0;
    while (di < dels.size() || ai < adds.size()) {
      // Find the next pairable delete/add from here.
      std::size_t pd = dels.size(), pa = adds.size();
      for (std::size_t x = di; x < std::min(dels.size(), di + kPairWindow) && pd == dels.size(); ++x)
        for (std::size_t y = ai; y < std::min(adds.size(), ai + kPairWindow); ++y)
          if (pairable(dels[x], adds[y])) {
            pd = x;
            pa = y;
            break;
          }
      if (pd == dels.size() && di + kPairWindow < dels.size()) {
        // Nothing pairs in the window: emit one call and look again.
        only_good(dels[di++]);
        continue;
      }
      if (pd == dels.size() && ai + kPairWindow < adds.size() && di == dels.size()) pa = adds.size();
      for (; di < pd; ++di) only_good(dels[di]);
      for (; ai < pa; ++ai) only_bad(adds[ai]);
      if (pd < dels.size()) changed(dels[di++], adds[ai++]);
    }
  }

  const Side& good_;
  const Side& bad_;
  const std::vector<EventIndex>& ge_;
  const std::vector<EventIndex>& be_;
  std::vector<AlignedRow>& rows_;
};

}  // namespace

void align_pair(const Side& good, const Side& bad, const DiffOptions& opt, TaskPair& pair) {
  static const std::vector<EventIndex> kNone;
  auto events_of = [](const Side& s, std::int32_t tid) -> const std::vector<EventIndex>& {
    if (!tid) return kNone;
    auto it = s.task_events.find(tid);
    return it == s.task_events.end() ? kNone : it->second;
  };
  const std::vector<EventIndex>& ge = events_of(good, pair.good_tid);
  const std::vector<EventIndex>& be = events_of(bad, pair.bad_tid);
  std::vector<std::uint64_t> a(ge.size()), b(be.size());
  std::vector<bool> ta(ge.size()), tb(be.size());
  for (std::size_t i = 0; i < ge.size(); ++i) a[i] = good.keys[ge[i]], ta[i] = good.has_target(ge[i]);
  for (std::size_t j = 0; j < be.size(); ++j) b[j] = bad.keys[be[j]], tb[j] = bad.has_target(be[j]);
  std::vector<Step> steps = align_steps(a, b, ta, tb, opt, pair);
  // The keys go before the rows come: for a pair of a million calls a
  // side, 16 MB less at the diff's peak.
  std::vector<std::uint64_t>().swap(a);
  std::vector<std::uint64_t>().swap(b);
  RowBuilder(good, bad, ge, be, pair.rows).build(steps);
}

}  // namespace tracediff::diff::detail

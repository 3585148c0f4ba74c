// Lookup chains, and the final list of divergences (see classify.h).
#include <unordered_map>
#include <fmt/format.h>

#include <algorithm>

#include "diff/classify.h"
#include "evidence/evidence.h"
#include "model/paths.h"
#include "model/syscalls.h"

namespace tracediff::diff::detail {
namespace {

bool returned(const Event& e) { return e.type == EventType::Syscall && e.result.state == ResultState::Returned; }

bool has_path_arg(const Event& e) {
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Path && !a.str.empty()) return true;
  return false;
}

}  // namespace

bool is_lookup(const Event& e) {
  return returned(e) && syscall_is(e.name, kClassLookup) && has_path_arg(e) && !evidence::creates(e);
}

void build_chains(Side& s) {
  SideChains& out = s.chains;
  out.chain_of.assign(s.flags.size(), -1);
  for (const auto& [tid, idx] : s.task_events) {
    Chain cur;
    cur.first = static_cast<std::uint32_t>(out.members.size());
    // The name a search looks for is the one its failed attempts try most
    // (the loader also stats the directories of its path on the way), the
    // first of those on a tie.
    std::unordered_map<std::uint64_t, int> tries;
    int best = 0;
    std::uint64_t name = 0;  // of the event cur.named, once best > 0
    auto close = [&](bool ok) {
      if (cur.count == 0) return;
      cur.ok = ok;
      if (best == 0) cur.named = static_cast<EventIndex>(out.last(cur));
      for (std::uint32_t k = 0; k < cur.count; ++k)
        out.chain_of[out.members[cur.first + k]] = static_cast<std::int32_t>(out.chains.size());
      out.chains.push_back(cur);
      cur = Chain{};
      cur.first = static_cast<std::uint32_t>(out.members.size());
      tries.clear();
      best = 0;
    };
    for (std::size_t i : idx) {
      // A signal may land inside a search; a recorder writes the exec event
      // next to the execve that ends a PATH search.
      if (s.flag(i, kChainSkip)) continue;
      if (!s.flag(i, kLookup)) {
        close(false);
        continue;
      }
      out.members.push_back(static_cast<EventIndex>(i));
      ++cur.count;
      if (s.flag(i, kFailed)) {
        if (!s.flag(i, kLookupErrno)) {
          close(false);
          continue;
        }
        int n = ++tries[s.bases[i]];
        if (n > best) {
          best = n;
          name = s.bases[i];
          cur.named = static_cast<EventIndex>(i);
        }
        continue;
      }
      // Found: the name searched for, or a first try. A directory of the
      // search path that exists is one more step on the way.
      if (best == 0 || s.bases[i] == name) close(true);
    }
    close(false);
  }
}

// Matches the lookup chains of each pair by the name looked up.
void Classifier::match_chains() {
  g_partner_.assign(gc_.chains.size(), -1);
  b_partner_.assign(bc_.chains.size(), -1);
  for (const TaskPair& tp : pairs_) {
    if (!tp.good_tid || !tp.bad_tid) continue;
    auto chains_of = [](const Side& s, const SideChains& sc, std::int32_t tid) {
      std::vector<std::int32_t> out;
      auto it = s.task_events.find(tid);
      if (it == s.task_events.end()) return out;
      for (std::size_t i : it->second) {
        std::int32_t c = sc.chain_of[i];
        if (c >= 0 && (out.empty() || out.back() != c)) out.push_back(c);
      }
      return out;
    };
    std::vector<std::int32_t> gl = chains_of(g_, gc_, tp.good_tid), bl = chains_of(b_, bc_, tp.bad_tid);
    // The k-th lookup of a name on one side is the k-th on the other,
    // whatever else each side looked up in between (the loader opens its
    // cache before or after a library depending on where it finds it).
    std::unordered_map<std::uint64_t, std::vector<std::int32_t>> by_name;
    for (auto c : bl) by_name[b_.chain_name(bc_.chains[static_cast<std::size_t>(c)])].push_back(c);
    std::unordered_map<std::uint64_t, std::size_t> used;
    for (auto a : gl) {
      std::uint64_t name = g_.chain_name(gc_.chains[static_cast<std::size_t>(a)]);
      auto it = by_name.find(name);
      if (it == by_name.end()) continue;
      std::size_t& k = used[name];
      if (k >= it->second.size()) continue;
      std::int32_t b = it->second[k++];
      g_partner_[static_cast<std::size_t>(a)] = b;
      b_partner_[static_cast<std::size_t>(b)] = a;
    }
  }
}

namespace {

// The event that settles a chain: the one that found the name, or the last
// attempt of it that failed.
std::size_t final_of(const Side& s, const Chain& c) {
  const SideChains& sc = s.chains;
  if (c.ok) return sc.last(c);
  for (std::uint32_t k = c.count; k-- > 0;) {
    std::size_t i = sc.members[c.first + k];
    if (s.bases[i] == s.chain_name(c) && s.flag(i, kFailed)) return i;
  }
  return sc.last(c);
}

}  // namespace

bool Classifier::same_outcome(std::int32_t gch, std::int32_t bch) const {
  const Chain& a = gc_.chains[static_cast<std::size_t>(gch)];
  const Chain& b = bc_.chains[static_cast<std::size_t>(bch)];
  if (a.ok != b.ok) return false;
  std::size_t ga = final_of(g_, a), bb = final_of(b_, b);
  if (a.ok) return g_.keys[ga] == b_.keys[bb];
  return g_.event(ga).result.err == b_.event(bb).result.err;
}

// Classifies a pending divergence against the lookup chains: 0 leave it,
// 1 benign, 2 replace by the merged divergence of chain pair *cp.
int Classifier::lookup_verdict(const Pending& pd, std::pair<std::int32_t, std::int32_t>* cp) const {
  if (pd.gev.empty() && pd.bev.empty()) return 0;
  std::set<std::pair<std::int32_t, std::int32_t>> involved;
  for (std::size_t i : pd.gev) {
    std::int32_t c = gc_.chain_of[i];
    if (c < 0) return 0;
    std::int32_t p = partner(g_partner_, c);
    if (p < 0) return 0;
    involved.insert({c, p});
  }
  for (std::size_t i : pd.bev) {
    std::int32_t c = bc_.chain_of[i];
    if (c < 0) return 0;
    std::int32_t p = partner(b_partner_, c);
    if (p < 0) return 0;
    involved.insert({p, c});
  }
  for (const auto& pr : involved)
    if (!same_outcome(pr.first, pr.second)) {
      *cp = pr;
      return 2;
    }
  return 1;
}

// A scan of every row per merged lookup made a million-event pair
// quadratic (38% of its diff). The rows that have a bad event hold them
// in increasing order (an alignment never crosses), so they are searched.
std::size_t Classifier::row_of_bad(int p, std::int64_t ev, std::size_t fallback) {
  const std::vector<AlignedRow>& rows = pairs_[static_cast<std::size_t>(p)].rows;
  auto [it, added] = bad_rows_.try_emplace(p);
  if (added) {
    std::size_t n = 0;
    for (const AlignedRow& r : rows) n += r.bad >= 0;
    it->second.reserve(n);
    for (std::size_t k = 0; k < rows.size(); ++k)
      if (rows[k].bad >= 0) it->second.push_back(static_cast<std::uint32_t>(k));
  }
  const std::vector<std::uint32_t>& idx = it->second;
  auto pos =
      std::lower_bound(idx.begin(), idx.end(), ev, [&](std::uint32_t k, std::int64_t v) { return rows[k].bad < v; });
  return pos != idx.end() && rows[*pos].bad == ev ? *pos : fallback;
}

Divergence Classifier::merged(const Pending& from, std::pair<std::int32_t, std::int32_t> cp) {
  const Chain& a = gc_.chains[static_cast<std::size_t>(cp.first)];
  const Chain& b = bc_.chains[static_cast<std::size_t>(cp.second)];
  Divergence d = from.d;
  std::size_t gf = final_of(g_, a), bf = final_of(b_, b);
  const Event& g = g_.event(gf);
  const Event& bb = b_.event(bf);
  bool both_failed = !a.ok && !b.ok;
  d.kind = (a.ok != b.ok || both_failed) ? DivKind::Result : DivKind::Path;
  d.field = d.kind == DivKind::Result ? "errno" : "target";
  d.significant = true;
  d.benign = false;
  d.content = false;
  d.syscall = bb.name;
  d.good = side_of(g_, gf);
  d.bad = side_of(b_, bf);
  // Every place either side tried the name (not the directories on the way).
  d.candidates.clear();
  std::set<std::string> seen;
  for (const auto& [side, chain] : {std::pair{&g_, &a}, std::pair{&b_, &b}})
    for (std::uint32_t k = 0; k < chain->count; ++k) {
      std::size_t i = side->chains.members[chain->first + k];
      if (side->bases[i] == side->chain_name(*chain) && seen.insert(side->display_target(i)).second)
        d.candidates.push_back(side->display_target(i));
    }
  d.row_count = 1;
  // Point at the row of the bad side's final lookup when it has one.
  d.row = row_of_bad(d.pair, static_cast<std::int64_t>(bf), d.row);
  auto outcome = [](const Chain& c, const Event& last, const std::string& where) {
    return c.ok ? fmt::format("found it at {}", where) : fmt::format("did not find it ({})", last.result.err.view());
  };
  std::string tried;
  for (const std::string& c : d.candidates) tried += (tried.empty() ? "" : ", ") + c;
  d.explanation = fmt::format("looking up {}: the good side {} and the bad side {}; tried: {}.",
                              basename_of(b_.display_target(b.named)), outcome(a, g, g_.display_target(gf)),
                              outcome(b, bb, b_.display_target(bf)), tried);
  d.evidence.clear();
  d.why.clear();
  if (!b.ok) add_evidence(d, b_, bf);
  add_search_path_evidence(d);
  return d;
}

void Classifier::finish() {
  match_chains();
  std::map<std::pair<std::int32_t, std::int32_t>, int> merged_index;
  std::vector<int> final_index(pending_.size(), -1);
  // At its size once: grown by doubling, a hundred thousand divergences
  // of a side out of step held the old block and the new at once.
  r_.divergences.reserve(r_.divergences.size() + pending_.size());
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    Pending& pd = pending_[i];
    std::pair<std::int32_t, std::int32_t> cp;
    // Exit and data differences are about what happened, not how it was
    // looked up: they stand whatever the lookups did.
    bool judged = pd.d.kind != DivKind::Exit && pd.d.kind != DivKind::Data;
    int v = judged ? lookup_verdict(pd, &cp) : 0;
    if (v == 1) {
      pd.d.significant = false;
      pd.d.benign = true;
    }
    if (v == 2) {
      auto it = merged_index.find(cp);
      if (it == merged_index.end()) {
        r_.divergences.push_back(merged(pd, cp));
        it = merged_index.emplace(cp, static_cast<int>(r_.divergences.size()) - 1).first;
      }
      final_index[i] = it->second;
      continue;
    }
    r_.divergences.push_back(std::move(pd.d));
    final_index[i] = static_cast<int>(r_.divergences.size()) - 1;
  }
  // Link rows to their divergence (every row a divergence covers).
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const Pending& pd = pending_[i];
    int di = final_index[i];
    TaskPair& tp = pairs_[static_cast<std::size_t>(r_.divergences[static_cast<std::size_t>(di)].pair)];
    bool run = pd.rows > 1 || pd.d.kind == DivKind::OnlyGood || pd.d.kind == DivKind::OnlyBad;
    std::size_t first = run ? pd.first_row : pd.d.row;
    for (std::size_t k = first; k < first + pd.rows && k < tp.rows.size(); ++k)
      if (tp.rows[k].divergence < 0) tp.rows[k].divergence = di;
  }
}

}  // namespace tracediff::diff::detail

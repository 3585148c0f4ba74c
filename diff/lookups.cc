// Lookup chains, and the final list of divergences (see classify.h).
#include <dtl/dtl.hpp>
#include <fmt/format.h>

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

// A lookup asks whether a name is there: an open that creates is not one
// (its failure is the creation's), nor is anything but a lookup call.
bool is_lookup(const Event& e) {
  return returned(e) && syscall_is(e.name, kClassLookup) && has_path_arg(e) && !evidence::creates(e);
}

}  // namespace

void build_chains(const Side& s, SideChains& out) {
  const std::vector<Event>& ev = s.trace->events;
  out.chain_of.assign(ev.size(), -1);
  for (const auto& [tid, idx] : s.task_events) {
    Chain cur;
    auto close = [&](bool ok) {
      if (cur.events.empty()) return;
      cur.ok = ok;
      cur.name = s.bases[cur.events.back()];
      for (std::size_t i : cur.events) out.chain_of[i] = static_cast<std::int32_t>(out.chains.size());
      out.chains.push_back(std::move(cur));
      cur = Chain{};
    };
    for (std::size_t i : idx) {
      const Event& e = ev[i];
      // A signal may land inside a search; a recorder writes the exec event
      // next to the execve that ends a PATH search.
      if (e.type == EventType::Signal || (e.type == EventType::Process && e.name == kProcExec)) continue;
      if (!is_lookup(e)) {
        close(false);
        continue;
      }
      cur.events.push_back(i);
      if (!e.result.failed()) close(true);
      else if (!errno_is(e.result.err, kErrLookup)) close(false);
    }
    close(false);
  }
}

// Matches the lookup chains of each pair by the name looked up.
void Classifier::match_chains() {
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
    std::vector<std::uint64_t> gk, bk;
    for (auto c : gl) gk.push_back(gc_.chains[static_cast<std::size_t>(c)].name);
    for (auto c : bl) bk.push_back(bc_.chains[static_cast<std::size_t>(c)].name);
    if (gk.empty() || bk.empty()) continue;
    dtl::Diff<std::uint64_t, std::vector<std::uint64_t>> d(gk, bk);
    d.compose();
    for (const auto& [elem, info] : d.getSes().getSequence())
      if (info.type == dtl::SES_COMMON) {
        std::int32_t a = gl[static_cast<std::size_t>(info.beforeIdx - 1)];
        std::int32_t b = bl[static_cast<std::size_t>(info.afterIdx - 1)];
        g_partner_[a] = b;
        b_partner_[b] = a;
      }
  }
}

bool Classifier::same_outcome(std::int32_t gch, std::int32_t bch) const {
  const Chain& a = gc_.chains[static_cast<std::size_t>(gch)];
  const Chain& b = bc_.chains[static_cast<std::size_t>(bch)];
  if (a.ok != b.ok) return false;
  if (a.ok) return g_.keys[a.events.back()] == b_.keys[b.events.back()];
  return g_.event(a.events.back()).result.err == b_.event(b.events.back()).result.err;
}

// Classifies a pending divergence against the lookup chains: 0 leave it,
// 1 benign, 2 replace by the merged divergence of chain pair *cp.
int Classifier::lookup_verdict(const Pending& pd, std::pair<std::int32_t, std::int32_t>* cp) const {
  if (pd.gev.empty() && pd.bev.empty()) return 0;
  std::set<std::pair<std::int32_t, std::int32_t>> involved;
  for (std::size_t i : pd.gev) {
    std::int32_t c = gc_.chain_of[i];
    if (c < 0) return 0;
    auto it = g_partner_.find(c);
    if (it == g_partner_.end()) return 0;
    involved.insert({c, it->second});
  }
  for (std::size_t i : pd.bev) {
    std::int32_t c = bc_.chain_of[i];
    if (c < 0) return 0;
    auto it = b_partner_.find(c);
    if (it == b_partner_.end()) return 0;
    involved.insert({it->second, c});
  }
  for (const auto& pr : involved)
    if (!same_outcome(pr.first, pr.second)) {
      *cp = pr;
      return 2;
    }
  return 1;
}

Divergence Classifier::merged(const Pending& from, std::pair<std::int32_t, std::int32_t> cp) {
  const Chain& a = gc_.chains[static_cast<std::size_t>(cp.first)];
  const Chain& b = bc_.chains[static_cast<std::size_t>(cp.second)];
  Divergence d = from.d;
  std::size_t gf = a.events.back(), bf = b.events.back();
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
  d.candidates.clear();
  std::set<std::string> seen;
  for (std::size_t i : a.events)
    if (seen.insert(g_.display_target(i)).second) d.candidates.push_back(g_.display_target(i));
  for (std::size_t i : b.events)
    if (seen.insert(b_.display_target(i)).second) d.candidates.push_back(b_.display_target(i));
  d.row_count = 1;
  // Point at the row of the bad side's final lookup when it has one.
  const TaskPair& tp = pairs_[static_cast<std::size_t>(d.pair)];
  for (std::size_t k = 0; k < tp.rows.size(); ++k)
    if (tp.rows[k].bad == static_cast<std::int64_t>(bf)) d.row = k;
  auto outcome = [](const Chain& c, const Event& last, const std::string& where) {
    return c.ok ? fmt::format("found it at {}", where) : fmt::format("did not find it ({})", last.result.err.view());
  };
  std::string tried;
  for (const std::string& c : d.candidates) tried += (tried.empty() ? "" : ", ") + c;
  d.explanation = fmt::format("looking up {}: the good side {} and the bad side {}; tried: {}.",
                              basename_of(b_.display_target(bf)), outcome(a, g, g_.display_target(gf)),
                              outcome(b, bb, b_.display_target(bf)), tried);
  d.evidence.clear();
  d.why.clear();
  if (!b.ok) add_evidence(d, b_, bf);
  return d;
}

void Classifier::finish() {
  match_chains();
  std::map<std::pair<std::int32_t, std::int32_t>, int> merged_index;
  std::vector<int> final_index(pending_.size(), -1);
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

// diff_runs(): several good runs and several bad runs (see diff.h).
//
// Every comparison has the first good run on its left: the one shown
// (good[0] vs bad[0]), each other good run against it (where the good runs
// differ from each other), each other bad run against it. A divergence is
// placed by good[0]'s events it covers (or, for calls the right side made
// alone, by the good[0] call before them and the call's name), so places
// compare across comparisons. What differs at a place the same way
// between two good runs is noise there; what differs the same way in
// every bad run ranks above what differs in some.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "diff/internal.h"
#include "model/errors.h"

namespace tracediff::diff {
namespace detail {
namespace {

// What differs, in terms two comparisons share: the kind, and for a
// result the right side's errno, for data the field.
std::string what_of(const Divergence& d) {
  switch (d.kind) {
    case DivKind::Result: return "r:" + (d.bad && d.bad->err ? *d.bad->err : std::string("ok"));
    case DivKind::Data: return "d:" + d.field;
    case DivKind::Path: return "p";
    case DivKind::OnlyGood:
    case DivKind::OnlyBad: return "o";
    case DivKind::Exit: return "x";
    case DivKind::Env: return "e";
  }
  return "?";
}

std::string env_place(const Divergence& d) {
  const std::optional<DivSide>& s = d.good ? d.good : d.bad;
  std::string key = s && d.syscall == "env" ? s->call.substr(0, s->call.find('=')) : "";
  return fmt::format("e{}:{}", d.syscall, key);
}

// The places each divergence covers (index = divergence).
std::vector<std::vector<std::string>> places_of(const DiffResult& r) {
  std::vector<std::vector<std::string>> out(r.divergences.size());
  for (const TaskPair& tp : r.pairs) {
    std::int64_t anchor = -1;
    for (const AlignedRow& row : tp.rows) {
      if (row.good >= 0) anchor = row.good;
      if (row.divergence < 0) continue;
      std::vector<std::string>& ps = out[static_cast<std::size_t>(row.divergence)];
      if (row.good >= 0) ps.push_back(fmt::format("g{}", row.good));
      else
        ps.push_back(fmt::format("b{}:{}:{}", tp.name, anchor, r.bad.events[static_cast<std::size_t>(row.bad)].name.view()));
    }
  }
  for (std::size_t i = 0; i < r.divergences.size(); ++i) {
    const Divergence& d = r.divergences[i];
    if (d.kind == DivKind::Env) out[i] = {env_place(d)};
    else if (d.kind == DivKind::Exit) out[i] = {"x" + d.process};
    else if (out[i].empty() && d.good && d.good->has_event) out[i] = {fmt::format("g{}", d.good->event)};
  }
  return out;
}

using PlaceMap = std::unordered_map<std::string, std::set<std::string>>;

PlaceMap place_map(const DiffResult& r) {
  PlaceMap m;
  std::vector<std::vector<std::string>> ps = places_of(r);
  for (std::size_t i = 0; i < ps.size(); ++i)
    for (const std::string& p : ps[i]) m[p].insert(what_of(r.divergences[i]));
  return m;
}

// True when the other comparison differs the same way at most of the
// places `d` covers (a run of calls on one side lines up only in part:
// a polling loop ran a few more or fewer times).
bool seen_in(const Divergence& d, const std::vector<std::string>& places, const PlaceMap& other) {
  std::string w = what_of(d);
  std::size_t hits = 0;
  for (const std::string& p : places)
    if (auto it = other.find(p); it != other.end() && it->second.count(w)) ++hits;
  return hits > 0 && hits * 2 >= places.size();
}

DiffResult diff_pair(const SourceOpener& good, const SourceOpener& bad, const DiffOptions& opt) {
  std::unique_ptr<EventSource> g = good(), b = bad();
  return diff_sources(*g, *b, opt);
}

std::string joined(const std::vector<std::string>& argv) { return fmt::format("{}", fmt::join(argv, " ")); }

void check_command(const SideInfo& first, const SideInfo& run, bool force) {
  if (force || first.command.empty() || run.command.empty() || first.command == run.command) return;
  throw InputError(fmt::format("{}: ran '{}', not '{}' as {} did (commands differ; --force compares them anyway)",
                               run.file, joined(run.command), joined(first.command), first.file));
}

// Counts, per divergence of `r`, the other comparisons that differ the same
// way at its places; `right` picks the run compared from each.
class Learner {
 public:
  Learner(DiffResult& r, const DiffOptions& opt) : r_(r), opt_(opt), places_(places_of(r)) {
    good_seen_.assign(r.divergences.size(), 0);
    bad_seen_.assign(r.divergences.size(), 1);
  }

  void other_run(const SourceOpener& first_good, const SourceOpener& run, bool good) {
    DiffResult a = diff_pair(first_good, run, opt_);
    check_command(good ? r_.good_info : r_.bad_info, a.bad_info, opt_.force);
    (good ? r_.runs.good_files : r_.runs.bad_files).push_back(a.bad_info.file);
    PlaceMap m = place_map(a);
    for (std::size_t i = 0; i < r_.divergences.size(); ++i)
      if (seen_in(r_.divergences[i], places_[i], m)) ++(good ? good_seen_ : bad_seen_)[i];
  }

  void settle() {
    std::size_t n_good = r_.runs.good_files.size(), n_bad = r_.runs.bad_files.size();
    r_.runs.learned_noise = 0;
    for (std::size_t i = 0; i < r_.divergences.size(); ++i) {
      Divergence& d = r_.divergences[i];
      d.good_runs = good_seen_[i];
      d.bad_runs = bad_seen_[i];
      d.seen = fmt::format("in {} of {} bad runs, {} of {} good", d.bad_runs, n_bad, d.good_runs, n_good);
      if (d.significant && d.good_runs > 0) {
        d.significant = false;
        d.reason = "varies between good runs";
        ++r_.runs.learned_noise;
      }
    }
    // Significant first; among them, what every bad run shows; then the
    // order the scores gave.
    std::vector<std::size_t> order(r_.divergences.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto group = [&](std::size_t i) {
      const Divergence& d = r_.divergences[i];
      return !d.significant ? 2 : static_cast<std::size_t>(d.bad_runs) == n_bad ? 0 : 1;
    };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return group(a) < group(b); });
    reorder(r_, order);
    fold(r_);
  }

 private:
  DiffResult& r_;
  const DiffOptions& opt_;
  std::vector<std::vector<std::string>> places_;
  std::vector<int> good_seen_, bad_seen_;
};

}  // namespace
}  // namespace detail

DiffResult diff_runs(const RunSources& runs, const DiffOptions& opt) {
  if (runs.good.empty() || runs.bad.empty()) throw InputError("diff: needs at least one good and one bad run");
  DiffResult r = detail::diff_pair(runs.good[0], runs.bad[0], opt);
  if (runs.good.size() == 1 && runs.bad.size() == 1) return r;
  detail::Learner learn(r, opt);
  for (std::size_t i = 1; i < runs.good.size(); ++i) learn.other_run(runs.good[0], runs.good[i], true);
  for (std::size_t i = 1; i < runs.bad.size(); ++i) learn.other_run(runs.good[0], runs.bad[i], false);
  learn.settle();
  return r;
}

}  // namespace tracediff::diff

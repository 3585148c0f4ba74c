// Folding: consequences under their cause (see internal.h, fold()).
//
// After a significant divergence in a task (a call that failed on one side
// only, a lookup that ended otherwise, a file read differently), what one
// side then did and the other could not follows from it: the good side
// went on to open the module it found, the bad side wrote its error and
// exited. Such divergences are kept, marked with the rank they follow from,
// and listed after every divergence that stands on its own. A fold never
// hides a fact: a later failure, a lookup, a value or a content that
// differs stands on its own whatever came before it.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "diff/internal.h"

namespace tracediff::diff::detail {
namespace {

bool fails(const std::optional<DivSide>& s) { return s && s->err.has_value(); }

// What a task went on to do after a cause: a run of calls on one side
// only without a failure on the bad side, a non-lookup call that went
// elsewhere with neither side failing, and how the task ended.
bool may_follow(const Divergence& d) {
  if (!d.significant || d.pair < 0) return false;
  switch (d.kind) {
    case DivKind::OnlyGood: return true;
    case DivKind::OnlyBad: return !fails(d.bad);
    case DivKind::Path: return d.candidates.empty() && !fails(d.good) && !fails(d.bad);
    case DivKind::Exit: return true;
    default: return false;
  }
}

// "open yaml/*.py (75 files under /srv/...)", "write its error": what a
// side's consequences did, from their events.
std::string consequence_text(const std::vector<const Event*>& events);

const std::string& target_of(const Divergence& d) {
  static const std::string none;
  if (d.bad && !d.bad->target.empty()) return d.bad->target;
  if (d.good) return d.good->target;
  return none;
}

// `d` says what `c` says (same kind of difference in the same field with
// the same error) of the same target or of one under it.
bool repeats(const Divergence& d, const Divergence& c) {
  // Compared for every pair of causes: views, no copies.
  auto err = [](const Divergence& x) -> std::string_view {
    return x.bad && x.bad->err ? std::string_view(*x.bad->err) : std::string_view();
  };
  // A call that failed on the bad side only and its retries, which the
  // good side had no reason to make, say the same; other differences are
  // alike when their kind and field are.
  auto failure = [&](const Divergence& x) {
    return (x.kind == DivKind::Result || x.kind == DivKind::OnlyBad) && !err(x).empty();
  };
  auto process = [](const Divergence& x) { return std::string_view(x.process).substr(0, x.process.find('#')); };
  bool fd = failure(d), fc = failure(c);
  if (fd != fc || (!fd && (d.kind != c.kind || d.field != c.field)) || process(d) != process(c)) return false;
  if (err(d) != err(c)) return false;
  const std::string& a = target_of(d);
  const std::string& b = target_of(c);
  if (a.empty() || b.empty()) return false;
  return a == b || (b[0] == '/' && a.starts_with(b + "/")) || (a[0] == '/' && b.starts_with(a + "/"));
}

bool is_cause(const Divergence& d) {
  return d.significant && d.pair >= 0 && d.kind != DivKind::Env && !may_follow(d);
}

class Folder {
 public:
  explicit Folder(DiffResult& r) : r_(r) {}

  void run() {
    for (Divergence& d : r_.divergences) {
      d.follows = 0;
      d.consequences = 0;
      d.consequence_summary.clear();
    }
    // The causes, in order: every search below looks only at them (a side
    // out of step has a hundred thousand consequences and few causes, and
    // looking at every divergence for each was quadratic).
    causes_.clear();
    for (std::size_t i = 0; i < r_.divergences.size(); ++i)
      if (is_cause(r_.divergences[i])) causes_.push_back(i);
    std::vector<int> cause_of(r_.divergences.size(), -1);
    for (std::size_t i = 0; i < r_.divergences.size(); ++i)
      if (may_follow(r_.divergences[i])) cause_of[i] = find_cause(r_.divergences[i]);
    // The same difference again (a retried bind, the same file read twice,
    // the owner of each path under a directory): under the best ranked.
    for (std::size_t i : causes_) {
      for (std::size_t j : causes_) {
        if (j >= i) break;
        if (cause_of[j] < 0 && repeats(r_.divergences[i], r_.divergences[j])) {
          cause_of[i] = static_cast<int>(j);
          break;
        }
      }
    }
    // What follows from a repeat follows from what it repeats.
    for (int& c : cause_of)
      while (c >= 0 && cause_of[static_cast<std::size_t>(c)] >= 0) c = cause_of[static_cast<std::size_t>(c)];
    std::vector<std::size_t> order;
    for (int pass = 0; pass < 3; ++pass)
      for (std::size_t i = 0; i < r_.divergences.size(); ++i) {
        const Divergence& d = r_.divergences[i];
        int group = !d.significant ? 2 : cause_of[i] >= 0 ? 1 : 0;
        if (group == pass) order.push_back(i);
      }
    std::vector<int> new_index = reorder(r_, order);
    r_.runs.folded = 0;
    for (std::size_t i = 0; i < cause_of.size(); ++i)
      if (cause_of[i] >= 0) {
        Divergence& d = r_.divergences[static_cast<std::size_t>(new_index[i])];
        d.follows = new_index[static_cast<std::size_t>(cause_of[i])] + 1;
        ++r_.runs.folded;
      }
    summarize();
  }

 private:
  bool descends(int p, int ancestor) const {
    for (; p >= 0; p = r_.pairs[static_cast<std::size_t>(p)].parent)
      if (p == ancestor) return true;
    return false;
  }

  bool one_sided(int p) const {
    const TaskPair& tp = r_.pairs[static_cast<std::size_t>(p)];
    return !tp.good_tid || !tp.bad_tid;
  }

  // The cause `d` follows from, or -1: for a task's ending, the best
  // ranked cause in the task or its children (else in its parents); for
  // a task on one side only, the best in the nearest parent that has one;
  // otherwise the nearest cause before it in the same task, else in a
  // task related to it (a thread of its process, a parent).
  int find_cause(const Divergence& d) const {
    const std::vector<Divergence>& ds = r_.divergences;
    if (d.kind == DivKind::Exit) {
      for (std::size_t i : causes_)
        if (descends(ds[i].pair, d.pair)) return static_cast<int>(i);
      return in_parents(d.pair);
    }
    if (one_sided(d.pair)) return in_parents(d.pair);
    int best = -1;
    bool best_same = false;
    bool good_side = d.kind == DivKind::OnlyGood || !(d.bad && d.bad->has_event);
    for (std::size_t i : causes_) {
      const Divergence& c = ds[i];
      if (!related(c.pair, d.pair) || !before(c, d, good_side)) continue;
      bool same = c.pair == d.pair;
      if (best >= 0 && best_same && !same) continue;
      if (best < 0 || (same && !best_same) || later(c, ds[static_cast<std::size_t>(best)], good_side)) {
        best = static_cast<int>(i);
        best_same = same;
      }
    }
    return best;
  }

  int in_parents(int p) const {
    for (p = r_.pairs[static_cast<std::size_t>(p)].parent; p >= 0; p = r_.pairs[static_cast<std::size_t>(p)].parent)
      for (std::size_t i : causes_)
        if (r_.divergences[i].pair == p) return static_cast<int>(i);
    return -1;
  }

  // Tasks of one process (threads: "root#1") and a task's parents.
  bool related(int cause, int p) const {
    if (cause == p || descends(p, cause)) return true;
    auto process = [&](int q) {
      const std::string& n = r_.pairs[static_cast<std::size_t>(q)].name;
      return n.substr(0, n.find('#'));
    };
    return process(cause) == process(p);
  }

  // Where a divergence is in a side's trace (event order is time order,
  // across tasks); nullopt when it has no event there.
  static std::optional<std::size_t> position(const Divergence& d, bool good) {
    const std::optional<DivSide>& s = good ? d.good : d.bad;
    if (!s || !s->has_event) return std::nullopt;
    return s->event;
  }

  static bool before(const Divergence& c, const Divergence& d, bool good) {
    auto a = position(c, good), b = position(d, good);
    if (a && b) return *a < *b;
    return c.pair == d.pair && c.row < d.row;
  }

  static bool later(const Divergence& a, const Divergence& b, bool good) {
    auto x = position(a, good), y = position(b, good);
    if (x && y) return *x > *y;
    return a.row > b.row;
  }

  // What each cause's consequences did, per side, from the rows they cover.
  struct SideWork {
    std::size_t calls = 0;
    std::vector<const Event*> events;
  };
  struct Work {
    SideWork good, bad;
    bool exit = false;
    std::size_t repeats = 0;
  };

  void summarize() {
    std::map<int, Work> work;  // cause rank -> what follows from it
    for (std::size_t i = 0; i < r_.divergences.size(); ++i) {
      const Divergence& d = r_.divergences[i];
      if (d.follows && d.kind == DivKind::Exit) work[d.follows].exit = true;
      if (d.follows && is_cause(d)) ++work[d.follows].repeats;
    }
    for (const TaskPair& tp : r_.pairs)
      for (const AlignedRow& row : tp.rows) {
        if (row.divergence < 0) continue;
        const Divergence& d = r_.divergences[static_cast<std::size_t>(row.divergence)];
        if (!d.follows || d.kind == DivKind::Exit || is_cause(d)) continue;
        Work& w = work[d.follows];
        if (row.good >= 0) add(w.good, r_.good.events[static_cast<std::size_t>(row.good)]);
        if (row.bad >= 0) add(w.bad, r_.bad.events[static_cast<std::size_t>(row.bad)]);
      }
    for (auto& [rank, w] : work) {
      Divergence& c = r_.divergences[static_cast<std::size_t>(rank - 1)];
      c.consequences = w.good.calls + w.bad.calls + (w.exit ? 1 : 0) + w.repeats;
      c.consequence_summary = describe(w);
    }
  }

  static void add(SideWork& s, const Event& e) {
    if (e.type == EventType::Signal) return;
    ++s.calls;
    s.events.push_back(&e);
  }

  static std::string describe(const Work& w) {
    std::vector<std::string> parts;
    if (w.repeats)
      parts.push_back(fmt::format("the same difference {} more time{}", w.repeats, w.repeats == 1 ? "" : "s"));
    if (w.good.calls) parts.push_back("the good side went on to " + consequence_text(w.good.events));
    std::string bad = w.bad.calls ? consequence_text(w.bad.events) : "";
    if (w.exit) bad += bad.empty() ? "exit otherwise" : " and exit otherwise";
    if (!bad.empty()) parts.push_back("the bad side went on to " + bad);
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
  }

  DiffResult& r_;
  std::vector<std::size_t> causes_;  ///< is_cause() divergences, in their order before reorder()
};

std::string path_of(const Event& e) {
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Path && !a.str.empty()) return a.abs.empty() ? a.str.str() : a.abs.str();
  return "";
}

// What a call does to the path it names, as a verb.
const char* verb_of(std::string_view call) {
  if (call.starts_with("open") || call == "creat") return "open";
  if (call.find("stat") != std::string_view::npos || call.find("access") != std::string_view::npos ||
      call == "readlink" || call == "readlinkat")
    return "look at";
  if (call.starts_with("exec")) return "run";
  if (call.starts_with("mkdir") || call.starts_with("unlink") || call.starts_with("rename") || call.starts_with("rmdir"))
    return "change";
  return "use";
}

std::string dir_of(const std::string& p) {
  auto s = p.rfind('/');
  return s == std::string::npos ? "" : p.substr(0, s);
}

std::string ext_of(const std::string& p) {
  std::string base = p.substr(p.rfind('/') + 1);
  auto dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? "" : base.substr(dot);
}

// The shortest fair name for a set of paths: the path itself, or
// "DIR/*.EXT (N files under /full/DIR)" for the directory most of them
// are under, and how many others there were.
std::string pattern_of(const std::set<std::string>& paths) {
  if (paths.size() == 1) return *paths.begin();
  std::map<std::string, std::size_t> per_dir;
  for (const std::string& p : paths)
    for (std::string d = dir_of(p); d.size() > 1 && std::count(d.begin(), d.end(), '/') >= 2; d = dir_of(d)) ++per_dir[d];
  // The deepest directory holding three quarters of them, else the
  // directory that holds the most of them itself (a module's own files
  // rather than everything it imported on the way).
  std::string best;
  for (const auto& [d, n] : per_dir)
    if (n * 4 >= paths.size() * 3 && d.size() > best.size()) best = d;
  if (best.empty()) {
    std::map<std::string, std::size_t> own;
    for (const std::string& p : paths) ++own[dir_of(p)];
    std::size_t most = 1;
    for (const auto& [d, n] : own)
      if (n > most && std::count(d.begin(), d.end(), '/') >= 2) {
        most = n;
        best = d;
      }
  }
  if (best.empty()) return fmt::format("{} files, notably {}", paths.size(), *paths.begin());
  std::size_t under = per_dir[best];
  std::string ext;
  bool first = true, same = true;
  for (const std::string& p : paths) {
    if (!p.starts_with(best + "/")) continue;
    if (first) ext = ext_of(p);
    else if (ext_of(p) != ext) same = false;
    first = false;
  }
  std::string out = fmt::format("{}/*{} ({} files under {})", best.substr(best.rfind('/') + 1), same ? ext : "",
                                under, best);
  if (under < paths.size()) out += fmt::format(" and {} other file{}", paths.size() - under, paths.size() - under == 1 ? "" : "s");
  return out;
}

std::string consequence_text(const std::vector<const Event*>& events) {
  std::map<std::string, std::set<std::string>> by_verb;
  std::map<std::string, std::size_t> calls;
  bool error = false;
  for (const Event* e : events) {
    std::string p = path_of(*e);
    if (!p.empty()) by_verb[verb_of(e->name.view())].insert(p);
    if (e->type == EventType::Syscall) ++calls[e->name.str()];
    if (e->type == EventType::Syscall && (e->name == "write" || e->name == "writev") && !e->args.empty() &&
        e->args[0].kind == ArgKind::Fd && e->args[0].raw == 2)
      error = true;
  }
  std::string out;
  if (!by_verb.empty()) {
    // One verb when most paths had it, else "use" for them all.
    std::set<std::string> all;
    for (const auto& [verb, ps] : by_verb) all.insert(ps.begin(), ps.end());
    auto most = std::max_element(by_verb.begin(), by_verb.end(),
                                 [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
    bool one = most->second.size() * 4 >= all.size() * 3;
    out = fmt::format("{} {}", one ? most->first : "use", pattern_of(one ? most->second : all));
  }
  if (error) out += out.empty() ? "write its error" : " and write its error";
  if (out.empty() && !calls.empty()) {
    auto most = std::max_element(calls.begin(), calls.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    out = fmt::format("make {} call{}, mostly {}", events.size(), events.size() == 1 ? "" : "s", most->first);
  }
  return out;
}

}  // namespace

std::vector<int> reorder(DiffResult& r, const std::vector<std::size_t>& order) {
  std::vector<int> new_index(order.size());
  std::vector<Divergence> sorted;
  sorted.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    new_index[order[i]] = static_cast<int>(i);
    sorted.push_back(std::move(r.divergences[order[i]]));
    sorted.back().rank = static_cast<int>(i) + 1;
  }
  r.divergences = std::move(sorted);
  for (Divergence& d : r.divergences)
    if (d.follows > 0) d.follows = new_index[static_cast<std::size_t>(d.follows - 1)] + 1;
  for (TaskPair& tp : r.pairs) {
    tp.divergence_count = 0;
    for (AlignedRow& row : tp.rows)
      if (row.divergence >= 0) row.divergence = new_index[static_cast<std::size_t>(row.divergence)];
  }
  for (const Divergence& d : r.divergences)
    if (d.pair >= 0 && d.significant) ++r.pairs[static_cast<std::size_t>(d.pair)].divergence_count;
  return new_index;
}

void fold(DiffResult& r) { Folder(r).run(); }

}  // namespace tracediff::diff::detail

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
    std::vector<int> cause_of(r_.divergences.size(), -1);
    for (std::size_t i = 0; i < r_.divergences.size(); ++i)
      if (may_follow(r_.divergences[i])) cause_of[i] = find_cause(r_.divergences[i]);
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
  // otherwise the nearest cause before it in the same task.
  int find_cause(const Divergence& d) const {
    const std::vector<Divergence>& ds = r_.divergences;
    if (d.kind == DivKind::Exit) {
      for (std::size_t i = 0; i < ds.size(); ++i)
        if (is_cause(ds[i]) && descends(ds[i].pair, d.pair)) return static_cast<int>(i);
      return in_parents(d.pair);
    }
    if (one_sided(d.pair)) return in_parents(d.pair);
    int best = -1;
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const Divergence& c = ds[i];
      if (!is_cause(c) || c.pair != d.pair || c.row >= d.row) continue;
      if (best < 0 || c.row > ds[static_cast<std::size_t>(best)].row) best = static_cast<int>(i);
    }
    return best;
  }

  int in_parents(int p) const {
    for (p = r_.pairs[static_cast<std::size_t>(p)].parent; p >= 0; p = r_.pairs[static_cast<std::size_t>(p)].parent)
      for (std::size_t i = 0; i < r_.divergences.size(); ++i)
        if (is_cause(r_.divergences[i]) && r_.divergences[i].pair == p) return static_cast<int>(i);
    return -1;
  }

  // What each cause's consequences did, per side, from the rows they cover.
  struct SideWork {
    std::size_t calls = 0;
    std::vector<const Event*> events;
  };
  struct Work {
    SideWork good, bad;
    bool exit = false;
  };

  void summarize() {
    std::map<int, Work> work;  // cause rank -> what follows from it
    for (const Divergence& d : r_.divergences)
      if (d.follows && d.kind == DivKind::Exit) work[d.follows].exit = true;
    for (const TaskPair& tp : r_.pairs)
      for (const AlignedRow& row : tp.rows) {
        if (row.divergence < 0) continue;
        const Divergence& d = r_.divergences[static_cast<std::size_t>(row.divergence)];
        if (!d.follows || d.kind == DivKind::Exit) continue;
        Work& w = work[d.follows];
        if (row.good >= 0) add(w.good, r_.good.events[static_cast<std::size_t>(row.good)]);
        if (row.bad >= 0) add(w.bad, r_.bad.events[static_cast<std::size_t>(row.bad)]);
      }
    for (auto& [rank, w] : work) {
      Divergence& c = r_.divergences[static_cast<std::size_t>(rank - 1)];
      c.consequences = w.good.calls + w.bad.calls + (w.exit ? 1 : 0);
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
    if (w.good.calls) parts.push_back("the good side went on to " + consequence_text(w.good.events));
    std::string bad = w.bad.calls ? consequence_text(w.bad.events) : "";
    if (w.exit) bad += bad.empty() ? "exit otherwise" : " and exit otherwise";
    if (!bad.empty()) parts.push_back("the bad side went on to " + bad);
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
  }

  DiffResult& r_;
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

// The shortest fair name for a set of paths: the path itself, or "DIR/*.EXT"
// under the deepest directory they share.
std::string pattern_of(const std::set<std::string>& paths) {
  if (paths.size() == 1) return *paths.begin();
  std::string common = dir_of(*paths.begin());
  std::string ext = ext_of(*paths.begin());
  for (const std::string& p : paths) {
    while (!common.empty() && !(p.starts_with(common + "/"))) common = dir_of(common);
    if (ext_of(p) != ext) ext.clear();
  }
  std::string files = "*" + ext;
  if (common.empty()) return fmt::format("{} files, notably {}", paths.size(), *paths.begin());
  std::string last = common.substr(common.rfind('/') + 1);
  return fmt::format("{}/{} ({} files under {})", last, files, paths.size(), common);
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
    auto most = std::max_element(by_verb.begin(), by_verb.end(),
                                 [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
    out = fmt::format("{} {}", most->first, pattern_of(most->second));
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

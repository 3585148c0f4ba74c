// Ranking: which divergence most likely explains the failure.
//
// A score per divergence, from what kind of thing differs (a call that
// failed only on the bad side weighs most), raised when it happened in a
// process whose exit differs and shortly before the bad side wrote its
// error message or exited, lowered when it came after that message (a
// consequence, not a cause). Significant divergences always rank above
// noise; equal scores go to the earliest.
#include <algorithm>
#include <limits>

#include "diff/internal.h"

namespace tracediff::diff::detail {

double env_weight(const std::string& category, const std::string& key) {
  if (category == "env") {
    static const char* kStrong[] = {"PATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME", "HOME",
                                    "LANG", "LC_ALL", "TMPDIR", "SHELL", "USER", "PERL5LIB", "NODE_PATH"};
    for (const char* k : kStrong)
      if (key == k) return 25;
    return key.rfind("LC_", 0) == 0 ? 20 : 15;
  }
  if (category == "uid" || category == "gid" || category == "groups" || category == "umask" || category == "cwd" ||
      category == "caps")
    return 25;
  if (category == "limit") return 20;
  return 10;
}

namespace {

// A file read differently matters when the runs ended differently: a
// config, a CA bundle, /etc/hosts. Libraries and caches differ between
// hosts for reasons of their own and count only when nothing else, but
// the ending, explains the failure.
template <typename ExitDiffers>
void settle_content(DiffResult& r, ExitDiffers&& exit_differs) {
  bool other = false;
  for (const Divergence& d : r.divergences)
    if (d.significant && !d.content && d.kind != DivKind::Exit && d.kind != DivKind::Env) other = true;
  for (Divergence& d : r.divergences) {
    if (!d.content) continue;
    bool ends_differ = d.pair >= 0 && exit_differs(d.pair);
    // d.significant says, from the classifier, whether the file is one
    // whose content is evidence (not a library or a cache).
    d.significant = ends_differ && (d.significant || !other);
  }
}

}  // namespace

namespace {

// The weight of what differs, before its context.
double kind_weight(const Divergence& d) {
  bool gfail = d.good && d.good->err.has_value();
  bool bfail = d.bad && d.bad->err.has_value();
  switch (d.kind) {
    case DivKind::Result:
      return bfail && !gfail ? 60 : (bfail && gfail ? 50 : 25);
    case DivKind::Path:
      return bfail ? 50 : 40;
    case DivKind::OnlyBad:
      return bfail ? 45 : 15;
    case DivKind::OnlyGood:
      return gfail ? 20 : 12;
    case DivKind::Data:
      // What was read differently (a config, a bundle) weighs nearly as
      // much as a failure: it is where a failure that follows comes from.
      return d.content ? 50 : 35;
    case DivKind::Exit:
      // How a process ended is the consequence a person already knows;
      // it leads only when nothing else differs.
      return 10;
    case DivKind::Env:
      return d.score;  // set from env_weight() when the divergence was made
  }
  return 0;
}

// What the score of a divergence depends on beyond its kind, per task pair.
class Ranker {
 public:
  Ranker(const Side& good, const Side& bad, DiffResult& r) : good_(good), bad_(bad), r_(r) {}

  void run() {
    find_error_rows();
    settle_content(r_, [this](int p) { return exit_differs(p); });
    find_silent_causes();
    find_first_answers();
    for (std::size_t di = 0; di < r_.divergences.size(); ++di) r_.divergences[di].score = score(di);
    sort_by_score();
  }

 private:
  // Per pair: the rows where the bad side wrote to stderr or a terminal.
  void find_error_rows() {
    error_rows_.assign(r_.pairs.size(), {});
    for (std::size_t p = 0; p < r_.pairs.size(); ++p)
      for (std::size_t k = 0; k < r_.pairs[p].rows.size(); ++k) {
        std::int64_t b = r_.pairs[p].rows[k].bad;
        if (b >= 0 && (bad_.flags[static_cast<std::size_t>(b)] & kErrorWrite)) error_rows_[p].push_back(k);
      }
  }

  bool exit_differs(int p) const {
    // A thread's exit is its process's: climb to the pair that has one.
    while (p >= 0 && !good_.table.by_pid.count(r_.pairs[p].good_tid) && !bad_.table.by_pid.count(r_.pairs[p].bad_tid))
      p = r_.pairs[p].parent;
    if (p < 0) return false;
    const TaskPair& tp = r_.pairs[p];
    return tp.good_tid && tp.bad_tid && !(tp.good_exit == tp.bad_exit);
  }

  // A process that ended badly without a word (no write to stderr or a
  // terminal): its last significant failure before the end is the cause
  // a person would look for first.
  void find_silent_causes() {
    silent_cause_.assign(r_.pairs.size(), -1);
    for (std::size_t i = 0; i < r_.divergences.size(); ++i) {
      const Divergence& d = r_.divergences[i];
      if (d.pair < 0 || !d.significant || !error_rows_[d.pair].empty() || !exit_differs(d.pair)) continue;
      bool failure =
          d.bad && d.bad->err && (d.kind == DivKind::Result || d.kind == DivKind::OnlyBad || d.kind == DivKind::Path);
      int& best = silent_cause_[d.pair];
      if (failure && (best < 0 || r_.divergences[best].row <= d.row)) best = static_cast<int>(i);
    }
  }

  // The first significant difference in what a task got back (an outcome,
  // a value, a content): what one side did only after it is likely to
  // follow from it.
  void find_first_answers() {
    first_answer_.assign(r_.pairs.size(), std::numeric_limits<std::size_t>::max());
    for (const Divergence& d : r_.divergences)
      if (d.pair >= 0 && d.significant && (d.kind == DivKind::Result || d.kind == DivKind::Data))
        first_answer_[d.pair] = std::min(first_answer_[d.pair], d.row);
  }

  double score(std::size_t di) const {
    const Divergence& d = r_.divergences[di];
    double s = kind_weight(d);
    if (d.pair >= 0 && d.kind != DivKind::Exit) {
      if (exit_differs(d.pair)) s += 20;
      const std::vector<std::size_t>& er = error_rows_[d.pair];
      const TaskPair& tp = r_.pairs[d.pair];
      if (tp.bad_tid) {
        auto next = std::lower_bound(er.begin(), er.end(), d.row);
        std::size_t anchor = next != er.end() ? *next : tp.rows.size();
        double dist = static_cast<double>(anchor - d.row);
        // Within a handful of calls of the message counts fully; the 8 is
        // about one open-read-close-write sequence.
        s += 20.0 / (1.0 + dist / 8.0);
        if (!er.empty() && d.row > er.front()) s -= 15;
      }
      if (silent_cause_[d.pair] == static_cast<int>(di)) s += 15;
      bool only = d.kind == DivKind::OnlyGood || d.kind == DivKind::OnlyBad;
      if (only && d.row > first_answer_[d.pair]) s -= 10;
    }
    return d.significant ? s : s * 0.05;
  }

  // Sort, remembering where each divergence went so rows can follow.
  void sort_by_score() {
    std::vector<std::size_t> order(r_.divergences.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto position = [](const Divergence& d) {
      if (d.bad && d.bad->has_event) return d.bad->event;
      if (d.good && d.good->has_event) return d.good->event;
      return std::numeric_limits<std::size_t>::max();
    };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const Divergence& x = r_.divergences[a];
      const Divergence& y = r_.divergences[b];
      if (x.significant != y.significant) return x.significant;
      if (x.score != y.score) return x.score > y.score;
      return position(x) < position(y);
    });
    std::vector<int> new_index(order.size());
    std::vector<Divergence> sorted;
    sorted.reserve(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      new_index[order[i]] = static_cast<int>(i);
      sorted.push_back(std::move(r_.divergences[order[i]]));
      sorted.back().rank = static_cast<int>(i) + 1;
    }
    r_.divergences = std::move(sorted);
    for (TaskPair& tp : r_.pairs) {
      tp.divergence_count = 0;
      for (AlignedRow& row : tp.rows)
        if (row.divergence >= 0) row.divergence = new_index[row.divergence];
    }
    for (const Divergence& d : r_.divergences)
      if (d.pair >= 0 && d.significant) ++r_.pairs[d.pair].divergence_count;
  }

  const Side& good_;
  const Side& bad_;
  DiffResult& r_;
  std::vector<std::vector<std::size_t>> error_rows_;
  std::vector<int> silent_cause_;
  std::vector<std::size_t> first_answer_;
};

}  // namespace

void rank(const Side& good, const Side& bad, DiffResult& r) { Ranker(good, bad, r).run(); }

}  // namespace tracediff::diff::detail

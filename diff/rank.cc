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

void rank(const Side& good, const Side& bad, DiffResult& r) {
  // Per pair: the rows where the bad side wrote to stderr or a terminal.
  std::vector<std::vector<std::size_t>> error_rows(r.pairs.size());
  for (std::size_t p = 0; p < r.pairs.size(); ++p)
    for (std::size_t k = 0; k < r.pairs[p].rows.size(); ++k) {
      std::int64_t b = r.pairs[p].rows[k].bad;
      if (b >= 0 && (bad.flags[static_cast<std::size_t>(b)] & kErrorWrite)) error_rows[p].push_back(k);
    }
  auto exit_differs = [&](int p) {
    // A thread's exit is its process's: climb to the pair that has one.
    while (p >= 0 && !good.table.by_pid.count(r.pairs[p].good_tid) && !bad.table.by_pid.count(r.pairs[p].bad_tid))
      p = r.pairs[p].parent;
    if (p < 0) return false;
    const TaskPair& tp = r.pairs[p];
    return tp.good_tid && tp.bad_tid && !(tp.good_exit == tp.bad_exit);
  };

  settle_content(r, exit_differs);
  // A process that ended badly without a word (no write to stderr or a
  // terminal): its last significant failure before the end is the cause
  // a person would look for first.
  std::vector<int> silent_cause(r.pairs.size(), -1);
  for (std::size_t i = 0; i < r.divergences.size(); ++i) {
    const Divergence& d = r.divergences[i];
    if (d.pair < 0 || !d.significant || !error_rows[d.pair].empty() || !exit_differs(d.pair)) continue;
    bool failure = d.bad && d.bad->err && (d.kind == DivKind::Result || d.kind == DivKind::OnlyBad || d.kind == DivKind::Path);
    int& best = silent_cause[d.pair];
    if (failure && (best < 0 || r.divergences[best].row <= d.row)) best = static_cast<int>(i);
  }

  // The first significant difference in what a task got back (an outcome,
  // a value, a content): what one side did only after it is likely to
  // follow from it.
  std::vector<std::size_t> first_answer(r.pairs.size(), std::numeric_limits<std::size_t>::max());
  for (const Divergence& d : r.divergences)
    if (d.pair >= 0 && d.significant && (d.kind == DivKind::Result || d.kind == DivKind::Data))
      first_answer[d.pair] = std::min(first_answer[d.pair], d.row);

  for (std::size_t di = 0; di < r.divergences.size(); ++di) {
    Divergence& d = r.divergences[di];
    double s = 0;
    bool gfail = d.good && d.good->err.has_value();
    bool bfail = d.bad && d.bad->err.has_value();
    switch (d.kind) {
      case DivKind::Result:
        s = bfail && !gfail ? 60 : (bfail && gfail ? 50 : 25);
        break;
      case DivKind::Path:
        s = bfail ? 50 : 40;
        break;
      case DivKind::OnlyBad:
        s = bfail ? 45 : 15;
        break;
      case DivKind::OnlyGood:
        s = gfail ? 20 : 12;
        break;
      case DivKind::Data:
        // What was read differently (a config, a bundle) weighs nearly as
        // much as a failure: it is where a failure that follows comes from.
        s = d.content ? 50 : 35;
        break;
      case DivKind::Exit:
        // How a process ended is the consequence a person already knows;
        // it leads only when nothing else differs.
        s = 10;
        break;
      case DivKind::Env:
        s = d.score;  // set from env_weight() when the divergence was made
        break;
    }
    if (d.pair >= 0 && d.kind != DivKind::Exit) {
      if (exit_differs(d.pair)) s += 20;
      const std::vector<std::size_t>& er = error_rows[d.pair];
      const TaskPair& tp = r.pairs[d.pair];
      if (tp.bad_tid) {
        auto next = std::lower_bound(er.begin(), er.end(), d.row);
        std::size_t anchor = next != er.end() ? *next : tp.rows.size();
        double dist = static_cast<double>(anchor - d.row);
        // Within a handful of calls of the message counts fully; the 8 is
        // about one open-read-close-write sequence.
        s += 20.0 / (1.0 + dist / 8.0);
        if (!er.empty() && d.row > er.front() && d.kind != DivKind::Exit) s -= 15;
      }
      if (silent_cause[d.pair] == static_cast<int>(di)) s += 15;
      bool only = d.kind == DivKind::OnlyGood || d.kind == DivKind::OnlyBad;
      if (only && d.row > first_answer[d.pair]) s -= 10;
    }
    if (!d.significant) s *= 0.05;
    d.score = s;
  }

  // Sort, remembering where each divergence went so rows can follow.
  std::vector<std::size_t> order(r.divergences.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto position = [&](const Divergence& d) {
    if (d.bad && d.bad->has_event) return d.bad->event;
    if (d.good && d.good->has_event) return d.good->event;
    return std::numeric_limits<std::size_t>::max();
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Divergence& x = r.divergences[a];
    const Divergence& y = r.divergences[b];
    if (x.significant != y.significant) return x.significant;
    if (x.score != y.score) return x.score > y.score;
    return position(x) < position(y);
  });
  std::vector<int> new_index(order.size());
  std::vector<Divergence> sorted;
  sorted.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    new_index[order[i]] = static_cast<int>(i);
    sorted.push_back(std::move(r.divergences[order[i]]));
    sorted.back().rank = static_cast<int>(i) + 1;
  }
  r.divergences = std::move(sorted);
  for (TaskPair& tp : r.pairs) {
    tp.divergence_count = 0;
    for (AlignedRow& row : tp.rows)
      if (row.divergence >= 0) row.divergence = new_index[row.divergence];
  }
  for (const Divergence& d : r.divergences)
    if (d.pair >= 0 && d.significant) ++r.pairs[d.pair].divergence_count;
}

}  // namespace tracediff::diff::detail

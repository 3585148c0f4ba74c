// Internal to diff/: from aligned rows to divergences, what differs and
// whether it matters in its context.
//
// Rows (classify.cc): two calls aligned on their identity (same family,
// same canonical target) are compared by outcome (a non-blocking connect's
// later one counted), then value by value (values.h), then by what was
// read through them (the content of a file); calls in the same place with
// another target are a path divergence; runs on one side only are one
// divergence each. Whether it matters is decided in context: a failure is
// significant whatever the call unless it is excused there (a restarted
// call, a wait that timed out, a would-block that was retried).
// Lookups (lookups.cc): failed opens/stats/execs followed by a success are
// chains; the chains of a pair are matched by the name looked up, and a
// divergence made only of lookups is benign when both chains ended alike,
// else one divergence naming every candidate.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "diff/internal.h"
#include "diff/values.h"

namespace tracediff::diff::detail {

class Classifier {
 public:
  Classifier(const Side& g, const Side& b, std::vector<TaskPair>& pairs, DiffResult& r)
      : g_(g), b_(b), pairs_(pairs), r_(r), gc_(g.chains), bc_(b.chains) {}
  void run();

 private:
  struct Pending {
    Divergence d;
    std::vector<std::size_t> gev, bev;    ///< every event it covers
    std::size_t first_row = 0, rows = 1;  ///< the rows it covers
  };

  // classify.cc: rows.
  void classify_pair(int p);
  void same_row(int p, std::size_t k);
  void outcome_differs(int p, std::size_t k, std::size_t gi, std::size_t bi);
  void values_differ(int p, std::size_t k, std::size_t gi, std::size_t bi);
  void content_differs(int p, std::size_t k, std::size_t gi, std::size_t bi);
  void changed_row(int p, std::size_t k);
  void only_run(int p, std::size_t from, std::size_t to);
  void exit_divergence(int p);
  DivSide side_of(const Side& s, std::size_t i) const;
  Divergence base(int pair, std::size_t row, DivKind kind) const;
  std::string describe(const Side& s, std::size_t i) const;
  void add_evidence(Divergence& d, const Side& s, std::size_t i) const;
  /// A lookup that ended differently: the search-path variables (PATH,
  /// LD_LIBRARY_PATH, PYTHONPATH, ...) that differ between the sides.
  void add_search_path_evidence(Divergence& d) const;
  void push(Pending&& pd) { pending_.push_back(std::move(pd)); }

  // lookups.cc: chains and the final list.
  void match_chains();
  bool same_outcome(std::int32_t gch, std::int32_t bch) const;
  int lookup_verdict(const Pending& pd, std::pair<std::int32_t, std::int32_t>* cp) const;
  Divergence merged(const Pending& from, std::pair<std::int32_t, std::int32_t> cp);
  void finish();

  const Side& g_;
  const Side& b_;
  std::vector<TaskPair>& pairs_;
  DiffResult& r_;
  const SideChains& gc_;
  const SideChains& bc_;
  /// Chain -> its partner on the other side, -1 none (match_chains()).
  std::vector<std::int32_t> g_partner_, b_partner_;
  static std::int32_t partner(const std::vector<std::int32_t>& v, std::int32_t c) {
    return static_cast<std::size_t>(c) < v.size() ? v[static_cast<std::size_t>(c)] : -1;
  }
  /// Per pair, the rows that have a bad event, in order (row_of_bad()).
  /// Row numbers in 32 bits (a pair has fewer rows than its two tasks
  /// have events), counted before they are kept: at a million rows, 4 MB
  /// where a vector doubling from empty took 12 at the diff's peak.
  std::map<int, std::vector<std::uint32_t>> bad_rows_;
  /// The row of pair `p` that shows bad event `ev`, or `fallback`.
  std::size_t row_of_bad(int p, std::int64_t ev, std::size_t fallback);
  std::vector<Pending> pending_;
  std::unordered_set<std::string> data_said_;  // field and explanation of each data divergence made
};

/// True when event i's failure is normal in its context: a restarted call,
/// a wait that ended by time or signal, a would-block or interruption the
/// task retried with success, a wait with no child left. False for a
/// success and for every other failure, whatever the call.
bool excused(const Side& s, std::size_t i);
/// True when event i says something about the host: a failure that is not
/// excused, a call on a path or socket address, an exec, a process's
/// start or end, a signal that does not come with timing alone.
bool meaningful(const Side& s, std::size_t i);

/// Adds to each permission failure whose refused path belongs to a group
/// the /etc/group line of that group, when it differs between the runs.
void link_group_lines(std::vector<Divergence>& ds);

}  // namespace tracediff::diff::detail

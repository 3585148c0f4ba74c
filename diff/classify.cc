// From aligned rows to divergences: what differs, whether it matters.
//
// Rows give result/path/data divergences one by one and only-good/only-bad
// divergences as runs. Lookups (a failed open/stat/access/exec followed by
// a success elsewhere) are then recognized as chains on each side; the
// chains of a pair are matched by the name looked up, and divergences made
// only of lookup calls are benign when both sides' chains ended the same
// way, or become one divergence naming every candidate when they did not.
#include <dtl/dtl.hpp>
#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_set>

#include "diff/internal.h"
#include "model/paths.h"
#include "model/syscalls.h"
#include "display/format.h"

namespace tracediff::diff::detail {

namespace {

// Signals that arrive according to timing, not to what the host did.
bool is_timing_signal(const std::string& n) {
  return n == "SIGCHLD" || n == "SIGALRM" || n == "SIGWINCH" || n == "SIGURG" || n == "SIGIO" || n == "SIGCONT" ||
         n == "SIGPROF" || n == "SIGVTALRM" || n.rfind("SIGRT", 0) == 0;
}

bool has_path_arg(const Event& e) {
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Path && !a.str.empty()) return true;
  return false;
}

bool returned(const Event& e) { return e.type == EventType::Syscall && e.result.state == ResultState::Returned; }

bool meaningful(const Event& e) {
  switch (e.type) {
    case EventType::Process:
      return e.name == kProcExec || e.name == kProcExit || e.name == kProcKilled ||
             (e.name == kProcSpawn && !e.proc.thread);
    case EventType::Signal:
      return !is_timing_signal(e.name);
    case EventType::Syscall:
      if (syscall_is(e.name, kClassTiming)) return false;
      if (e.result.failed()) return !errno_is(e.result.err, kErrTransient);
      for (const Arg& a : e.args)
        if ((a.kind == ArgKind::Path && !a.str.empty()) || a.kind == ArgKind::SockAddr) return true;
      return syscall_is(e.name, kClassExec);
    case EventType::Unparsed:
      break;
  }
  return false;
}

// A lookup chain: failed lookups and the lookup that ended them.
struct Chain {
  std::vector<std::size_t> events;
  std::string name;  ///< basename of the last target
  bool ok = false;   ///< the last lookup succeeded
};

struct SideChains {
  std::vector<Chain> chains;
  std::vector<std::int32_t> chain_of;  ///< event index -> chain, -1 none
};

void build_chains(const Side& s, SideChains& out) {
  const std::vector<Event>& ev = s.trace->events;
  out.chain_of.assign(ev.size(), -1);
  for (const auto& [tid, idx] : s.task_events) {
    Chain cur;
    auto close = [&](bool ok) {
      if (cur.events.empty()) return;
      cur.ok = ok;
      cur.name = basename_of(event_target(ev[cur.events.back()]));
      for (std::size_t i : cur.events) out.chain_of[i] = static_cast<std::int32_t>(out.chains.size());
      out.chains.push_back(std::move(cur));
      cur = Chain{};
    };
    for (std::size_t i : idx) {
      const Event& e = ev[i];
      // A signal may land inside a search; a recorder writes the exec event
      // next to the execve that ends a PATH search.
      if (e.type == EventType::Signal || (e.type == EventType::Process && e.name == kProcExec)) continue;
      bool lookup = returned(e) && syscall_is(e.name, kClassLookup) && has_path_arg(e);
      if (!lookup) {
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

std::string side_result(const Event& e) {
  if (e.type != EventType::Syscall) return "";
  switch (e.result.state) {
    case ResultState::Returned:
      return e.result.str.empty() || e.result.str == "fd" ? std::to_string(e.result.value) : e.result.str.str();
    case ResultState::Unknown:
      return "?";
    default:
      return to_string(e.result.state);
  }
}

// Appends into one string: this runs for every matched stat call, and a
// string per field showed in profiles of million-event diffs.
void append_stat_identity(const Arg& a, std::string& s) {
  if (a.name == "st_mode" || a.name == "st_uid" || a.name == "st_gid") {
    s += a.name;
    s += '=';
    s += a.str;
    s += ' ';
  }
  for (const Arg& i : a.items) append_stat_identity(i, s);
}

// What a successful call gave back, where it matters and can differ: owner
// and mode, a link target, ids, exec arguments. Empty: nothing to compare.
// `significant` says whether a difference there counts.
std::string data_of(const Event& e, bool* significant) {
  *significant = true;
  if (e.type == EventType::Process && e.name == kProcExec && e.args.size() >= 2) {
    std::string s;
    for (const Arg& a : e.args[1].items) s += a.str + " ";
    return s;
  }
  if (e.type != EventType::Syscall) return "";
  const SyscallInfo& info = syscall_info(e.name);
  if (info.is(kClassStat)) {
    std::string s;
    for (const Arg& a : e.args) append_stat_identity(a, s);
    return s;
  }
  for (std::size_t i = 0; i < e.args.size(); ++i)
    if (info.role(i) == ArgRole::Out && info.is(kClassLookup)) return e.args[i].str;  // a link's target
  if (info.is(kClassReturnsId)) return std::to_string(e.result.value);
  if (info.is(kClassExec)) {
    std::size_t argv = static_cast<std::size_t>(info.path_index() + 1);
    if (argv >= e.args.size()) return "";
    std::string s;
    for (const Arg& a : e.args[argv].items) s += a.str + " ";
    return s;
  }
  if (info.is(kClassReads) && info.is(kClassDesc) && !info.is(kClassNetwork)) {
    // File contents differ for reasons of their own (logs, caches, /proc);
    // shown, but never taken for a cause on its own.
    *significant = false;
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::String) return a.str.substr(0, 64);
  }
  return "";
}

class Classifier {
 public:
  Classifier(const Side& g, const Side& b, std::vector<TaskPair>& pairs, DiffResult& r)
      : g_(g), b_(b), pairs_(pairs), r_(r) {}

  void run() {
    build_chains(g_, gc_);
    build_chains(b_, bc_);
    for (std::size_t p = 0; p < pairs_.size(); ++p) classify_pair(static_cast<int>(p));
    finish();
  }

 private:
  struct Pending {
    Divergence d;
    std::vector<std::size_t> gev, bev;  ///< every event it covers
    std::size_t first_row = 0, rows = 1;  ///< the rows it covers
  };

  const Event& ge(std::int64_t i) const { return g_.trace->events[static_cast<std::size_t>(i)]; }
  const Event& be(std::int64_t i) const { return b_.trace->events[static_cast<std::size_t>(i)]; }

  DivSide side_of(const Trace& t, std::size_t i) const {
    const Side& side = &t == g_.trace ? g_ : b_;
    Event e = side.display_event(i);
    DivSide s;
    display::FormatOptions fo;
    fo.show_pid = false;
    s.call = display::format_event(e, fo);
    std::string target = side.display_target(i);
    if (!target.empty() && (target[0] == '/' || target[0] == '$')) s.path = target;
    else
      for (const Arg& a : e.args)
        if (a.kind == ArgKind::Path && !a.str.empty()) {
          s.path = a.abs.empty() ? a.str : a.abs;
          break;
        }
    s.result = side_result(e);
    if (e.type == EventType::Syscall && e.result.failed())
      s.err = e.result.err.empty() ? errno_name(e.result.errnum) : e.result.err;
    s.event = i;
    s.has_event = true;
    s.shown = std::move(e);
    return s;
  }

  Divergence base(int pair, std::size_t row, DivKind kind) const {
    Divergence d;
    d.kind = kind;
    d.pair = pair;
    d.row = row;
    d.row_count = 1;
    d.process = pairs_[pair].name;
    return d;
  }

  // "openat of /etc/app.conf", with the path as recorded.
  std::string describe_target(const Event& e) const {
    const Side& side = &e >= g_.trace->events.data() && &e < g_.trace->events.data() + g_.trace->events.size() ? g_ : b_;
    std::string t = side.display_target(static_cast<std::size_t>(&e - side.trace->events.data()));
    return t.empty() ? e.name : e.name + " of " + t;
  }

  void classify_pair(int p) {
    TaskPair& tp = pairs_[p];
    std::vector<AlignedRow>& rows = tp.rows;
    std::size_t k = 0;
    while (k < rows.size()) {
      const AlignedRow& row = rows[k];
      if (row.op == AlignedRow::Same) {
        same_row(p, k);
        ++k;
      } else if (row.op == AlignedRow::Changed) {
        changed_row(p, k);
        ++k;
      } else {
        // A run ends where the side changes, and where lookup calls start
        // or stop, so a lookup's extra attempts can be judged on their own.
        auto in_chain = [&](std::size_t r) {
          return rows[r].op == AlignedRow::OnlyGood ? gc_.chain_of[rows[r].good] >= 0 : bc_.chain_of[rows[r].bad] >= 0;
        };
        std::size_t end = k;
        bool chained = in_chain(k);
        while (end < rows.size() && rows[end].op == row.op && in_chain(end) == chained) ++end;
        only_run(p, k, end);
        k = end;
      }
    }
    exit_divergence(p);
  }

  void same_row(int p, std::size_t k) {
    const AlignedRow& row = pairs_[p].rows[k];
    const Event& g = ge(row.good);
    const Event& b = be(row.bad);
    if (returned(g) && returned(b)) {
      bool fg = g.result.failed(), fb = b.result.failed();
      if (fg != fb || (fg && fb && g.result.err != b.result.err)) {
        Pending pd{base(p, k, DivKind::Result), {static_cast<std::size_t>(row.good)}, {static_cast<std::size_t>(row.bad)}};
        pd.d.syscall = b.name;
        pd.d.good = side_of(*g_.trace, row.good);
        pd.d.bad = side_of(*b_.trace, row.bad);
        pd.d.significant = !syscall_is(g.name, kClassTiming) && !errno_is(g.result.err, kErrTransient) &&
                           !errno_is(b.result.err, kErrTransient);
        auto how = [](const Event& e) {
          return e.result.failed() ? fmt::format("failed with {}", e.result.err) : std::string("succeeded");
        };
        pd.d.explanation = fmt::format("{} {} on the good side and {} on the bad side.", describe_target(g),
                                       how(g), how(b));
        pd.first_row = pd.d.row;
      pending_.push_back(std::move(pd));
        return;
      }
      if (fg) return;
    } else if (g.type == EventType::Syscall || b.type == EventType::Syscall) {
      return;  // unfinished or unknown results say nothing about the host
    }
    bool sig_g = true, sig_b = true;
    std::string dg = data_of(g, &sig_g), db = data_of(b, &sig_b);
    if (dg == db) return;
    Pending pd{base(p, k, DivKind::Data), {static_cast<std::size_t>(row.good)}, {static_cast<std::size_t>(row.bad)}};
    pd.d.syscall = g.type == EventType::Syscall ? g.name : "exec";
    pd.d.good = side_of(*g_.trace, row.good);
    pd.d.bad = side_of(*b_.trace, row.bad);
    pd.d.significant = sig_g && sig_b;
    pd.d.explanation = fmt::format("{} gave '{}' on the good side and '{}' on the bad side.", describe_target(g),
                                   trim(dg), trim(db));
    if (pd.d.kind != DivKind::OnlyGood && pd.d.kind != DivKind::OnlyBad) pd.first_row = pd.d.row;
    pending_.push_back(std::move(pd));
  }

  static std::string trim(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.size() > 80) s = s.substr(0, 77) + "...";
    return s;
  }

  void changed_row(int p, std::size_t k) {
    const AlignedRow& row = pairs_[p].rows[k];
    const Event& g = ge(row.good);
    const Event& b = be(row.bad);
    Pending pd{base(p, k, DivKind::Path), {static_cast<std::size_t>(row.good)}, {static_cast<std::size_t>(row.bad)}};
    pd.d.syscall = b.type == EventType::Syscall ? b.name : g.name;
    pd.d.good = side_of(*g_.trace, row.good);
    pd.d.bad = side_of(*b_.trace, row.bad);
    pd.d.significant = meaningful(g) || meaningful(b);
    pd.d.explanation = fmt::format("the same {} went to {} on the good side and to {} on the bad side.",
                                   g.type == EventType::Syscall ? g.name : "event", quote(g_.display_target(row.good)),
                                   quote(b_.display_target(row.bad)));
    if (pd.d.kind != DivKind::OnlyGood && pd.d.kind != DivKind::OnlyBad) pd.first_row = pd.d.row;
    pending_.push_back(std::move(pd));
  }

  static std::string quote(const std::string& s) { return s.empty() ? "(nothing)" : s; }

  void only_run(int p, std::size_t from, std::size_t to) {
    const TaskPair& tp = pairs_[p];
    bool good_side = tp.rows[from].op == AlignedRow::OnlyGood;
    const Trace& t = good_side ? *g_.trace : *b_.trace;
    Pending pd{base(p, from, good_side ? DivKind::OnlyGood : DivKind::OnlyBad), {}, {}, from, to - from};
    pd.d.row_count = to - from;
    std::int64_t pick = -1, first_meaningful = -1;
    std::size_t n_meaningful = 0;
    for (std::size_t k = from; k < to; ++k) {
      std::int64_t i = good_side ? tp.rows[k].good : tp.rows[k].bad;
      (good_side ? pd.gev : pd.bev).push_back(static_cast<std::size_t>(i));
      const Event& e = t.events[static_cast<std::size_t>(i)];
      if (!meaningful(e)) continue;
      ++n_meaningful;
      if (first_meaningful < 0) first_meaningful = i;
      if (pick < 0 && e.type == EventType::Syscall && e.result.failed()) pick = i;
    }
    if (pick < 0) pick = first_meaningful;
    if (pick < 0) pick = good_side ? tp.rows[from].good : tp.rows[from].bad;
    // The row the divergence points at is the one with the picked event.
    for (std::size_t k = from; k < to; ++k)
      if ((good_side ? tp.rows[k].good : tp.rows[k].bad) == pick) pd.d.row = k;
    pd.d.significant = n_meaningful > 0;
    const Event& e = t.events[static_cast<std::size_t>(pick)];
    pd.d.syscall = e.name;
    (good_side ? pd.d.good : pd.d.bad) = side_of(t, static_cast<std::size_t>(pick));
    bool whole = (good_side ? tp.bad_tid : tp.good_tid) == 0;
    const char* side = good_side ? "good" : "bad";
    if (whole)
      pd.d.explanation = fmt::format("task {} ({}) ran on the {} side only.", tp.name,
                                     good_side ? tp.good_command : tp.bad_command, side);
    else if (to - from == 1)
      pd.d.explanation = fmt::format("{} happened on the {} side only.", describe_target(e), side);
    else
      pd.d.explanation = fmt::format("{} events happened on the {} side only, notably {}.", to - from, side,
                                     describe_target(e));
    if (pd.d.kind != DivKind::OnlyGood && pd.d.kind != DivKind::OnlyBad) pd.first_row = pd.d.row;
    pending_.push_back(std::move(pd));
  }

  void exit_divergence(int p) {
    const TaskPair& tp = pairs_[p];
    if (!tp.good_tid || !tp.bad_tid) return;
    if (!g_.table.by_pid.count(tp.good_tid)) return;  // threads share their process's exit
    if (tp.good_exit == tp.bad_exit) return;
    std::size_t row = tp.rows.empty() ? 0 : tp.rows.size() - 1;
    for (std::size_t k = 0; k < tp.rows.size(); ++k) {
      const AlignedRow& r = tp.rows[k];
      auto is_end = [](const Event& e) {
        return e.type == EventType::Process && (e.name == kProcExit || e.name == kProcKilled);
      };
      if ((r.good >= 0 && is_end(ge(r.good))) || (r.bad >= 0 && is_end(be(r.bad)))) row = k;
    }
    Pending pd{base(p, row, DivKind::Exit), {}, {}};
    pd.d.syscall = "exit";
    if (!tp.rows.empty()) {
      const AlignedRow& r = tp.rows[row];
      if (r.good >= 0) pd.d.good = side_of(*g_.trace, r.good);
      if (r.bad >= 0) pd.d.bad = side_of(*b_.trace, r.bad);
    }
    for (auto [side, st] : {std::pair{&pd.d.good, &tp.good_exit}, std::pair{&pd.d.bad, &tp.bad_exit}}) {
      if (!*side) *side = DivSide{};
      (*side)->result = st->describe();
      if ((*side)->call.empty()) (*side)->call = st->describe();
    }
    pd.d.explanation = fmt::format("{} {} on the good side and {} on the bad side.", tp.name,
                                   tp.good_exit.describe(), tp.bad_exit.describe());
    if (pd.d.kind != DivKind::OnlyGood && pd.d.kind != DivKind::OnlyBad) pd.first_row = pd.d.row;
    pending_.push_back(std::move(pd));
  }

  // Matches the lookup chains of each pair by the name looked up.
  void match_chains() {
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
      std::vector<std::uint32_t> gk, bk;
      for (auto c : gl) gk.push_back(names_.intern(gc_.chains[c].name));
      for (auto c : bl) bk.push_back(names_.intern(bc_.chains[c].name));
      if (gk.empty() || bk.empty()) continue;
      dtl::Diff<std::uint32_t, std::vector<std::uint32_t>> d(gk, bk);
      d.compose();
      for (const auto& [elem, info] : d.getSes().getSequence())
        if (info.type == dtl::SES_COMMON) {
          std::int32_t a = gl[info.beforeIdx - 1], b = bl[info.afterIdx - 1];
          g_partner_[a] = b;
          b_partner_[b] = a;
        }
    }
  }

  bool same_outcome(std::int32_t gch, std::int32_t bch) const {
    const Chain& a = gc_.chains[gch];
    const Chain& b = bc_.chains[bch];
    const Event& ga = g_.trace->events[a.events.back()];
    const Event& bb = b_.trace->events[b.events.back()];
    if (a.ok != b.ok) return false;
    if (a.ok) return g_.keys[a.events.back()] == b_.keys[b.events.back()];
    return ga.result.err == bb.result.err;
  }

  // Classifies a pending divergence against the lookup chains: 0 leave
  // it, 1 benign, 2 replace by the merged divergence of chain pair *cp.
  int lookup_verdict(const Pending& pd, std::pair<std::int32_t, std::int32_t>* cp) const {
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

  Divergence merged(const Pending& from, std::pair<std::int32_t, std::int32_t> cp) {
    const Chain& a = gc_.chains[cp.first];
    const Chain& b = bc_.chains[cp.second];
    Divergence d = from.d;
    std::size_t gf = a.events.back(), bf = b.events.back();
    const Event& g = g_.trace->events[gf];
    const Event& bb = b_.trace->events[bf];
    bool both_failed = !a.ok && !b.ok;
    d.kind = (a.ok != b.ok || both_failed) ? DivKind::Result : DivKind::Path;
    d.significant = true;
    d.benign = false;
    d.syscall = bb.name;
    d.good = side_of(*g_.trace, gf);
    d.bad = side_of(*b_.trace, bf);
    d.candidates.clear();
    std::set<std::string> seen;
    for (std::size_t i : a.events)
      if (seen.insert(g_.display_target(i)).second) d.candidates.push_back(g_.display_target(i));
    for (std::size_t i : b.events)
      if (seen.insert(b_.display_target(i)).second) d.candidates.push_back(b_.display_target(i));
    d.row_count = 1;
    // Point at the row of the bad side's final lookup when it has one.
    const TaskPair& tp = pairs_[d.pair];
    for (std::size_t k = 0; k < tp.rows.size(); ++k)
      if (tp.rows[k].bad == static_cast<std::int64_t>(bf)) d.row = k;
    auto outcome = [](const Chain& c, const Event& last, const std::string& where) {
      return c.ok ? fmt::format("found it at {}", where) : fmt::format("did not find it ({})", last.result.err);
    };
    std::string tried;
    for (const std::string& c : d.candidates) tried += (tried.empty() ? "" : ", ") + c;
    d.explanation = fmt::format("looking up {}: the good side {} and the bad side {}; tried: {}.",
                                basename_of(b_.display_target(bf)), outcome(a, g, g_.display_target(gf)),
                                outcome(b, bb, b_.display_target(bf)), tried);
    return d;
  }

  void finish() {
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
      TaskPair& tp = pairs_[r_.divergences[di].pair];
      std::size_t first = pd.rows > 1 || pd.d.kind == DivKind::OnlyGood || pd.d.kind == DivKind::OnlyBad
                              ? pd.first_row
                              : pd.d.row;
      for (std::size_t k = first; k < first + pd.rows && k < tp.rows.size(); ++k)
        if (tp.rows[k].divergence < 0) tp.rows[k].divergence = di;
    }
  }

  const Side& g_;
  const Side& b_;
  std::vector<TaskPair>& pairs_;
  DiffResult& r_;
  SideChains gc_, bc_;
  KeyTable names_;
  std::map<std::int32_t, std::int32_t> g_partner_, b_partner_;
  std::vector<Pending> pending_;
};

}  // namespace

void classify(const Side& good, const Side& bad, std::vector<TaskPair>& pairs, DiffResult& r) {
  Classifier(good, bad, pairs, r).run();
}

}  // namespace tracediff::diff::detail

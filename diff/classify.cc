// From aligned rows to divergences (see classify.h).
#include "diff/classify.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <map>

#include "display/format.h"
#include "evidence/evidence.h"
#include "model/args.h"
#include "model/paths.h"
#include "model/syscalls.h"
#include "model/text.h"

namespace tracediff::diff::detail {
namespace {

// Signals that arrive according to timing, not to what the host did.
bool is_timing_signal(std::string_view n) {
  return n == "SIGCHLD" || n == "SIGALRM" || n == "SIGWINCH" || n == "SIGURG" || n == "SIGIO" || n == "SIGCONT" ||
         n == "SIGPROF" || n == "SIGVTALRM" || n.starts_with("SIGRT");
}

bool returned(const Event& e) { return e.type == EventType::Syscall && e.result.state == ResultState::Returned; }

std::string result_text(const Event& e) {
  if (e.type != EventType::Syscall) return "";
  switch (e.result.state) {
    case ResultState::Returned:
      return e.result.str.empty() ? std::to_string(e.result.value) : e.result.str.str();
    case ResultState::Unknown:
      return "?";
    default:
      return to_string(e.result.state);
  }
}

// How far ahead a task is looked at for the retry of a call that would
// block or was interrupted: a retry loop polls, sleeps or reads in between,
// a handful of calls, rarely dozens.
constexpr std::size_t kRetryWindow = 64;

bool retried(const Side& s, std::size_t i) {
  const Event& e = s.event(i);
  auto it = s.task_events.find(e.tid ? e.tid : e.pid);
  if (it == s.task_events.end()) return false;
  const std::vector<EventIndex>& evs = it->second;
  auto pos = std::lower_bound(evs.begin(), evs.end(), i);
  for (std::size_t n = 0; pos != evs.end() && n < kRetryWindow; ++pos, ++n) {
    if (*pos == i || s.keys[*pos] != s.keys[i]) continue;
    if (s.outcome(*pos).empty() && returned(s.event(*pos))) return true;
  }
  return false;
}

std::string quoted(const std::string& s) { return s.empty() ? "(nothing)" : s; }

// A directory listed differently: the names one side saw and the other did
// not (a module, a plugin, a config fragment), not the two whole batches.
std::string listing_explanation(const std::string& what, const std::string& good, const std::string& bad) {
  auto names = [](const std::string& s) {
    std::vector<std::string> v = split_nonempty(s, ' ');
    std::sort(v.begin(), v.end());
    return v;
  };
  std::vector<std::string> g = names(good), b = names(bad), only_g, only_b;
  std::set_difference(g.begin(), g.end(), b.begin(), b.end(), std::back_inserter(only_g));
  std::set_difference(b.begin(), b.end(), g.begin(), g.end(), std::back_inserter(only_b));
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& n : v) out += (out.empty() ? "" : " ") + n;
    return out;
  };
  if (only_g.empty() && only_b.empty())
    return fmt::format("{}: the listing differs in generated names ({} on the good side, {} on the bad side).", what,
                       quoted(good), quoted(bad));
  std::string out = what + ": listed";
  if (!only_g.empty()) out += fmt::format(" on the good side only: {}", join(only_g));
  if (!only_g.empty() && !only_b.empty()) out += ";";
  if (!only_b.empty()) out += fmt::format(" on the bad side only: {}", join(only_b));
  return out + ".";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\x1f')) s.pop_back();
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

// The first line where two contents differ, with its number; the bytes
// are shown as text where they are text.
struct LineDiff {
  std::size_t line = 0;
  std::string good, bad;
};

LineDiff first_line_diff(std::string_view a, std::string_view b) {
  LineDiff d;
  std::size_t i = 0, line = 1, start = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '\n') {
      ++line;
      start = i + 1;
    }
    ++i;
  }
  auto line_at = [&](std::string_view s) {
    std::size_t end = s.find('\n', start);
    std::string_view l = s.substr(std::min(start, s.size()), end == std::string_view::npos ? std::string_view::npos : end - start);
    return std::string(l.substr(0, 120));
  };
  d.line = line;
  d.good = line_at(a);
  d.bad = line_at(b);
  return d;
}

bool is_text(std::string_view s) {
  std::size_t bad = 0;
  for (unsigned char c : s.substr(0, 4096))
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') ++bad;
  return bad == 0;
}

// Files whose content differs between hosts for reasons of their own:
// libraries, caches, compiled bytecode, locale data.
bool library_or_cache(std::string_view p) {
  return p.starts_with("/lib") || p.starts_with("/usr/lib") || p.starts_with("/usr/local/lib") ||
         p.find(".so") != std::string_view::npos || p.ends_with(".pyc") || p.find("/__pycache__/") != std::string_view::npos ||
         p == "/etc/ld.so.cache" || p.starts_with("/usr/share/locale") || p.find("/cache/") != std::string_view::npos ||
         p.starts_with("/var/cache/");
}

// The environment a trace started with, by name.
std::map<std::string, std::string> environment_of(const Side& s) {
  std::map<std::string, std::string> env;
  if (auto lines = s.environment())
    for (std::string_view kv : *lines) {
      auto eq = kv.find('=');
      if (eq != std::string_view::npos) env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  return env;
}

}  // namespace

bool excused(const Side& s, std::size_t i) {
  const Event& e = s.event(i);
  if (e.type != EventType::Syscall) return false;
  std::string_view err = s.outcome(i);
  if (err.empty()) return true;
  if (errno_is(err, kErrRestart)) return true;  // the program never sees it
  if (err == "ECHILD") return true;             // how a wait loop ends
  // An isatty probe, removing what is already gone, a feature probe.
  if (!expected_failure(e.name.view(), err).empty()) return true;
  // A file glibc or the loader looks for and does without.
  if (errno_is(err, kErrLookup) && !optional_file(event_target(e)).empty()) return true;
  bool transient = errno_is(err, kErrTransient);
  // A wait, a sleep, a poll: how it ended says when, not what.
  if (syscall_is(e.name, kClassTiming) && (transient || err == "ETIMEDOUT")) return true;
  // Reading or writing a non-blocking socket or pipe that had nothing yet:
  // how often that happens is timing. (A lock or a fork that would block is
  // another matter: no data is on its way.)
  if (transient && syscall_is(e.name, kClassReads | kClassWrites)) return true;
  // Would block, interrupted, in progress: normal when the task tried again.
  if (transient && (err == "EINPROGRESS" || retried(s, i))) return true;
  return false;
}

bool meaningful(const Side& s, std::size_t i) {
  const Event& e = s.event(i);
  switch (e.type) {
    case EventType::Process:
      return e.name == kProcExec || e.name == kProcExit || e.name == kProcKilled ||
             (e.name == kProcSpawn && !e.proc.thread);
    case EventType::Signal:
      return !is_timing_signal(e.name);
    case EventType::Syscall:
      if (returned(e) && !s.outcome(i).empty()) return !excused(s, i);
      if (syscall_is(e.name, kClassTiming)) return false;
      for (const Arg& a : e.args)
        if ((a.kind == ArgKind::Path && !a.str.empty()) || a.kind == ArgKind::SockAddr) return true;
      return syscall_is(e.name, kClassExec);
    case EventType::Unparsed:
      break;
  }
  return false;
}

void Classifier::run() {
  // A pair's events are decoded while it is classified, then let go: what
  // the divergences show is in them as text, and their events are read
  // again where a report shows them.
  for (std::size_t p = 0; p < pairs_.size(); ++p) {
    classify_pair(static_cast<int>(p));
    g_.trace->events.release();
    b_.trace->events.release();
  }
  finish();
}

DivSide Classifier::side_of(const Side& side, std::size_t i) const {
  const Event& e = side.event(i);
  DivSide s;
  display::FormatOptions fo;
  fo.show_pid = false;
  s.call = display::format_event(e, fo);
  std::string target = side.display_target(i);
  if (!target.empty() && target[0] == '/') s.path = target;
  else
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::Path && !a.str.empty()) {
        s.path = a.abs.empty() ? a.str : a.abs;
        break;
      }
  s.target = target;
  s.result = result_text(e);
  if (e.type == EventType::Syscall) {
    std::string_view out = side.outcome(i);
    if (!out.empty()) s.err = std::string(out);
    else if (e.result.failed()) s.err = e.result.err.empty() ? errno_name(e.result.errnum) : e.result.err.str();
  }
  s.event = i;
  s.has_event = true;
  return s;
}

Divergence Classifier::base(int pair, std::size_t row, DivKind kind) const {
  Divergence d;
  d.kind = kind;
  d.pair = pair;
  d.row = row;
  d.row_count = 1;
  d.process = pairs_[static_cast<std::size_t>(pair)].name;
  return d;
}

// "opening /etc/app.conf": what the call did, with its target as recorded.
std::string Classifier::describe(const Side& s, std::size_t i) const {
  return evidence::action(s.event(i), s.display_target(i));
}

// What the trace holds on why event i of side s failed: the permission
// snapshot, the caller's ids, the limit its errno hits (both sides' when
// they differ), and one sentence.
void Classifier::add_evidence(Divergence& d, const Side& s, std::size_t i) const {
  const Event& e = s.event(i);
  std::string err(s.outcome(i));
  if (err.empty()) return;
  evidence::Caller who;
  const HostInfo& host = s.trace->header.host;
  if (host.uid) {
    who.uid = host.uid;
    who.gid = host.gid;
    who.groups = host.groups;
  }
  if (auto c = s.creds.find(i); c != s.creds.end()) {
    if (c->second.uid) who.uid = c->second.uid;
    if (c->second.gid) who.gid = c->second.gid;
    if (c->second.groups) who.groups = c->second.groups;
  }
  std::string path = s.display_target(i);
  evidence::Evidence x = evidence::of_failure(e, err, path, who, host, d.candidates);
  d.evidence = std::move(x.facts);
  d.why = std::move(x.why);
  // A directory the program was told to use (TMPDIR, HOME, ...): where it
  // was told so is where to fix it.
  if (evidence::creates(e) && !path.empty()) {
    std::string dir = dirname_of(path);
    for (const auto& [name, value] : environment_of(s))
      if (!value.empty() && normalize_path(value) == dir) d.evidence.push_back(fmt::format("{} is '{}'", name, value));
  }
  if (std::string lim = evidence::limit_of(e, err); !lim.empty()) {
    const Side& other = &s == &g_ ? b_ : g_;
    auto mine = host.limits.find(lim);
    auto theirs = other.trace->header.host.limits.find(lim);
    if (mine != host.limits.end() && theirs != other.trace->header.host.limits.end() &&
        mine->second.soft != theirs->second.soft) {
      bool bad = &s == &b_;
      d.evidence.push_back(fmt::format("{}: {} on the {} side, {} on the {} side", evidence::limit_label(lim),
                                       mine->second.soft, bad ? "bad" : "good", theirs->second.soft,
                                       bad ? "good" : "bad"));
      if (d.why.empty())
        d.why = fmt::format("the {} side's {} is {} ({} on the {} side)", bad ? "bad" : "good",
                            evidence::limit_label(lim), mine->second.soft, theirs->second.soft, bad ? "good" : "bad");
    }
  }
}

void Classifier::add_search_path_evidence(Divergence& d) const {
  static const char* kSearchPaths[] = {"PATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME",
                                       "PERL5LIB", "NODE_PATH", "GEM_PATH", "RUBYLIB", "CLASSPATH"};
  std::map<std::string, std::string> ge = environment_of(g_), be = environment_of(b_);
  for (const char* name : kSearchPaths) {
    auto gi = ge.find(name), bi = be.find(name);
    std::string gv = gi == ge.end() ? "unset" : "'" + gi->second + "'";
    std::string bv = bi == be.end() ? "unset" : "'" + bi->second + "'";
    if (gv == bv) continue;
    std::string fact = fmt::format("{} is {} on the good side and {} on the bad side", name, gv, bv);
    if (d.why.empty() || d.why.find("does not exist") != std::string::npos) d.why = fact;
    d.evidence.push_back(std::move(fact));
  }
}

void Classifier::classify_pair(int p) {
  TaskPair& tp = pairs_[static_cast<std::size_t>(p)];
  std::vector<AlignedRow>& rows = tp.rows;
  std::size_t k = 0;
  while (k < rows.size()) {
    const AlignedRow& row = rows[k];
    if (row.op == AlignedRow::Same) {
      same_row(p, k++);
    } else if (row.op == AlignedRow::Changed) {
      changed_row(p, k++);
    } else {
      // A run ends where the side changes, and where lookup calls start
      // or stop, so a lookup's extra attempts can be judged on their own.
      auto in_chain = [&](std::size_t r) {
        return rows[r].op == AlignedRow::OnlyGood ? gc_.chain_of[static_cast<std::size_t>(rows[r].good)] >= 0
                                                  : bc_.chain_of[static_cast<std::size_t>(rows[r].bad)] >= 0;
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

void Classifier::same_row(int p, std::size_t k) {
  const AlignedRow& row = pairs_[static_cast<std::size_t>(p)].rows[k];
  auto gi = static_cast<std::size_t>(row.good), bi = static_cast<std::size_t>(row.bad);
  if (g_.flag(gi, kReturned) && b_.flag(bi, kReturned)) {
    if (g_.outcome(gi) != b_.outcome(bi)) return outcome_differs(p, k, gi, bi);
    if (!g_.outcome(gi).empty()) return;  // failed alike
  } else if (g_.flag(gi, kSyscall) || b_.flag(bi, kSyscall)) {
    return;  // unfinished or unknown results say nothing about the host
  }
  if (g_.values[gi] != b_.values[bi]) values_differ(p, k, gi, bi);
  if (g_.contents.count(gi) && b_.contents.count(bi)) content_differs(p, k, gi, bi);
}

void Classifier::outcome_differs(int p, std::size_t k, std::size_t gi, std::size_t bi) {
  Pending pd{base(p, k, DivKind::Result), {gi}, {bi}};
  const Event& b = b_.event(bi);
  pd.d.syscall = b.name;
  pd.d.field = "errno";
  pd.d.good = side_of(g_, gi);
  pd.d.bad = side_of(b_, bi);
  pd.d.significant = !excused(g_, gi) || !excused(b_, bi);
  auto how = [](const Side& s, std::size_t i) {
    std::string_view err = s.outcome(i);
    if (err.empty()) return std::string("succeeded");
    std::string h = fmt::format("failed with {}", err);
    if (s.deferred.count(i)) h += " (reported later by the socket)";
    return h;
  };
  pd.d.explanation = fmt::format("{} {} on the bad side and {} on the good side.", describe(b_, bi), how(b_, bi),
                                 how(g_, gi));
  if (!b_.outcome(bi).empty()) add_evidence(pd.d, b_, bi);
  else add_evidence(pd.d, g_, gi);
  pd.first_row = pd.d.row;
  push(std::move(pd));
}

void Classifier::values_differ(int p, std::size_t k, std::size_t gi, std::size_t bi) {
  std::vector<Field> gf = fields_of(g_.event(gi), *g_.canon), bf = fields_of(b_.event(bi), *b_.canon);
  if (auto it = g_.dns.find(gi); it != g_.dns.end())
    for (const std::string& m : it->second) gf.push_back({"DNS", m, m});
  if (auto it = b_.dns.find(bi); it != b_.dns.end())
    for (const std::string& m : it->second) bf.push_back({"DNS", m, m});
  // The first field whose canonical values differ (or that one side lacks).
  std::string name, gv, bv;
  for (std::size_t n = 0; n < std::max(gf.size(), bf.size()) && name.empty(); ++n) {
    const Field* a = n < gf.size() ? &gf[n] : nullptr;
    const Field* c = n < bf.size() ? &bf[n] : nullptr;
    if (a && c && a->name == c->name && a->canonical == c->canonical) continue;
    name = a ? a->name : c->name;
    gv = a ? a->shown : "nothing";
    bv = c ? c->shown : "nothing";
  }
  if (name.empty()) return;
  const Event& g = g_.event(gi);
  Pending pd{base(p, k, DivKind::Data), {gi}, {bi}};
  pd.d.syscall = g.type == EventType::Syscall ? g.name.str() : "exec";
  pd.d.field = name;
  pd.d.good = side_of(g_, gi);
  pd.d.bad = side_of(b_, bi);
  pd.d.significant = true;
  pd.d.explanation = name == "listing" ? listing_explanation(describe(g_, gi), gv, bv)
                                        : fmt::format("{}: {} {} on the good side, {} on the bad side.", describe(g_, gi),
                                                      name, quoted(trim(gv)), quoted(trim(bv)));
  // A program that reads the same directory (or file) again sees the same
  // difference again: one divergence says it.
  if (!data_said_.insert(pd.d.field + '\x1f' + pd.d.explanation).second) return;
  if (name == "DNS") {
    // Every answer each side got in this exchange: the A and the AAAA.
    for (const auto& [side, label] : {std::pair{&g_, "good"}, std::pair{&b_, "bad"}})
      for (std::size_t i : side->task_events.at(side->event(side == &g_ ? gi : bi).tid))
        if (auto it = side->dns.find(i); it != side->dns.end())
          for (const std::string& m : it->second)
            if (!m.starts_with("query ")) pd.d.evidence.push_back(fmt::format("{} side: {}", label, m));
  }
  pd.first_row = pd.d.row;
  push(std::move(pd));
}

void Classifier::content_differs(int p, std::size_t k, std::size_t gi, std::size_t bi) {
  const Content& a = g_.contents.at(gi);
  const Content& c = b_.contents.at(bi);
  if (a.digest == c.digest && a.bytes == c.bytes) return;
  // The bytes themselves, from the reads (only here: most contents agree).
  auto bytes_of = [](const Side& s, const Content& ct) {
    std::string out;
    for (std::size_t r : ct.reads) out += call_data(s.event(r));
    return out;
  };
  std::string ga = bytes_of(g_, a), bc = bytes_of(b_, c);
  // Where a tracer kept only part of the data (strace -s), the parts it
  // kept are compared; the sizes only when both sides kept everything.
  if (a.cut || c.cut) {
    std::size_t common = std::min(ga.size(), bc.size());
    if (ga.compare(0, common, bc, 0, common) == 0) return;
  }
  std::string path = g_.display_target(gi);
  Pending pd{base(p, k, DivKind::Data), {gi}, {bi}};
  pd.d.syscall = g_.event(gi).name;
  pd.d.field = "content";
  pd.d.good = side_of(g_, gi);
  pd.d.bad = side_of(b_, bi);
  // Significant when the runs end differently (rank.cc decides, since a
  // library or a cache differs for reasons of its own).
  pd.d.significant = !library_or_cache(path);
  pd.d.content = true;
  if (ga != bc && is_text(ga) && is_text(bc)) {
    LineDiff ld = first_line_diff(ga, bc);
    auto shown = [](const std::string& l) { return l.empty() ? std::string("(the end of the file)") : "'" + l + "'"; };
    pd.d.explanation = fmt::format("reading {}: line {} is {} on the good side and {} on the bad side.", path, ld.line,
                                   shown(ld.good), shown(ld.bad));
    pd.d.evidence.push_back(fmt::format("good line {}: {}", ld.line, ld.good));
    pd.d.evidence.push_back(fmt::format("bad line {}: {}", ld.line, ld.bad));
  } else {
    pd.d.explanation = fmt::format("reading {}: the content differs ({} bytes read on the good side, {} on the bad side).",
                                   path, a.bytes, c.bytes);
  }
  if (!data_said_.insert(pd.d.field + '\x1f' + pd.d.explanation).second) return;
  pd.first_row = pd.d.row;
  push(std::move(pd));
}

void Classifier::changed_row(int p, std::size_t k) {
  const AlignedRow& row = pairs_[static_cast<std::size_t>(p)].rows[k];
  auto gi = static_cast<std::size_t>(row.good), bi = static_cast<std::size_t>(row.bad);
  const Event& g = g_.event(gi);
  const Event& b = b_.event(bi);
  Pending pd{base(p, k, DivKind::Path), {gi}, {bi}};
  pd.d.syscall = b.type == EventType::Syscall ? b.name : g.name;
  pd.d.field = "target";
  pd.d.good = side_of(g_, gi);
  pd.d.bad = side_of(b_, bi);
  pd.d.significant = meaningful(g_, gi) || meaningful(b_, bi);
  pd.d.explanation = fmt::format("the same {} went to {} on the good side and to {} on the bad side.",
                                 g.type == EventType::Syscall ? g.name.str() : std::string("event"),
                                 quoted(g_.display_target(gi)), quoted(b_.display_target(bi)));
  if (!b_.outcome(bi).empty()) add_evidence(pd.d, b_, bi);
  pd.first_row = pd.d.row;
  push(std::move(pd));
}

void Classifier::only_run(int p, std::size_t from, std::size_t to) {
  const TaskPair& tp = pairs_[static_cast<std::size_t>(p)];
  bool good_side = tp.rows[from].op == AlignedRow::OnlyGood;
  const Side& s = good_side ? g_ : b_;
  Pending pd{base(p, from, good_side ? DivKind::OnlyGood : DivKind::OnlyBad), {}, {}, from, to - from};
  pd.d.row_count = to - from;
  std::int64_t pick = -1, first_meaningful = -1;
  std::size_t n_meaningful = 0;
  for (std::size_t k = from; k < to; ++k) {
    std::int64_t i = good_side ? tp.rows[k].good : tp.rows[k].bad;
    auto ui = static_cast<std::size_t>(i);
    (good_side ? pd.gev : pd.bev).push_back(ui);
    if (!meaningful(s, ui)) continue;
    ++n_meaningful;
    if (first_meaningful < 0) first_meaningful = i;
    if (pick < 0 && s.flag(ui, kReturned) && !s.outcome(ui).empty()) pick = i;
  }
  if (pick < 0) pick = first_meaningful;
  if (pick < 0) pick = good_side ? tp.rows[from].good : tp.rows[from].bad;
  // The row the divergence points at is the one with the picked event.
  for (std::size_t k = from; k < to; ++k)
    if ((good_side ? tp.rows[k].good : tp.rows[k].bad) == pick) pd.d.row = k;
  auto upick = static_cast<std::size_t>(pick);
  pd.d.significant = n_meaningful > 0;
  const Event& e = s.event(upick);
  pd.d.syscall = e.name;
  (good_side ? pd.d.good : pd.d.bad) = side_of(s, upick);
  bool whole = (good_side ? tp.bad_tid : tp.good_tid) == 0;
  const char* side = good_side ? "good" : "bad";
  if (const std::string& cmd = good_side ? tp.good_command : tp.bad_command; whole)
    pd.d.explanation = cmd.empty() ? fmt::format("task {} ran on the {} side only.", tp.name, side)
                                   : fmt::format("task {} ({}) ran on the {} side only.", tp.name, cmd, side);
  else if (to - from == 1)
    pd.d.explanation = fmt::format("{} happened on the {} side only.", describe(s, upick), side);
  else
    pd.d.explanation = fmt::format("{} events happened on the {} side only, notably {}.", to - from, side,
                                   describe(s, upick));
  if (!good_side && !s.outcome(upick).empty()) add_evidence(pd.d, s, upick);
  push(std::move(pd));
}

void Classifier::exit_divergence(int p) {
  const TaskPair& tp = pairs_[static_cast<std::size_t>(p)];
  if (!tp.good_tid || !tp.bad_tid) return;
  if (!g_.table.by_pid.count(tp.good_tid)) return;  // threads share their process's exit
  if (tp.good_exit == tp.bad_exit) return;
  std::size_t row = tp.rows.empty() ? 0 : tp.rows.size() - 1;
  for (std::size_t k = 0; k < tp.rows.size(); ++k) {
    const AlignedRow& r = tp.rows[k];
    if ((r.good >= 0 && g_.flag(static_cast<std::size_t>(r.good), kEnd)) ||
        (r.bad >= 0 && b_.flag(static_cast<std::size_t>(r.bad), kEnd)))
      row = k;
  }
  Pending pd{base(p, row, DivKind::Exit), {}, {}};
  pd.d.syscall = "exit";
  pd.d.field = "exit";
  if (!tp.rows.empty()) {
    const AlignedRow& r = tp.rows[row];
    if (r.good >= 0) pd.d.good = side_of(g_, static_cast<std::size_t>(r.good));
    if (r.bad >= 0) pd.d.bad = side_of(b_, static_cast<std::size_t>(r.bad));
  }
  for (auto [side, st] : {std::pair{&pd.d.good, &tp.good_exit}, std::pair{&pd.d.bad, &tp.bad_exit}}) {
    if (!*side) *side = DivSide{};
    (*side)->result = st->describe();
    if ((*side)->call.empty()) (*side)->call = st->describe();
  }
  pd.d.explanation = fmt::format("{} {} on the good side and {} on the bad side.", tp.name, tp.good_exit.describe(),
                                 tp.bad_exit.describe());
  pd.first_row = pd.d.row;
  push(std::move(pd));
}

void classify(const Side& good, const Side& bad, std::vector<TaskPair>& pairs, DiffResult& r) {
  Classifier(good, bad, pairs, r).run();
  link_group_lines(r.divergences);
}

// A permission failure names the group that owns what was refused
// ("owner 0:103"); when /etc/group's line for that gid differs between the
// runs (a member added on one host only), that line is why: it goes beside
// the failure, which keeps its rank. Without the owner (an strace log has
// no permission snapshot) any differing /etc/group line is linked, as the
// database the caller's groups come from.
void link_group_lines(std::vector<Divergence>& ds) {
  static const std::regex owner(R"(\(owner \d+:(\d+), mode)");
  auto gid_of = [](const std::string& line) {
    std::size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    std::size_t e = b == std::string::npos ? b : line.find(':', b + 1);
    return e == std::string::npos ? std::string() : line.substr(b + 1, e - b - 1);
  };
  auto line_of = [](const std::string& ev) { return ev.substr(ev.find(": ") + 2); };
  for (Divergence& d : ds) {
    if (d.kind != DivKind::Result || !d.bad || (d.bad->err != "EACCES" && d.bad->err != "EPERM")) continue;
    std::smatch m;
    std::string gid = std::regex_search(d.why, m, owner) ? m[1].str() : std::string();
    for (const Divergence& c : ds) {
      const std::optional<DivSide>& side = c.good ? c.good : c.bad;
      if (!c.content || !side || side->path != "/etc/group" || c.evidence.size() < 2) continue;
      std::string good = line_of(c.evidence[0]), bad = line_of(c.evidence[1]);
      if (!gid.empty() && gid_of(good) != gid && gid_of(bad) != gid) continue;
      std::string which = gid.empty() ? "the caller's groups come from /etc/group, whose line for group " + gid_of(good)
                                      : "/etc/group's line for group " + gid;
      d.evidence.push_back(fmt::format("/etc/group: '{}' on the good side, '{}' on the bad side", good, bad));
      d.why += fmt::format("{}{} differs: '{}' on the good side, '{}' on the bad side", d.why.empty() ? "" : "; ",
                           which, good, bad);
      break;
    }
  }
}

}  // namespace tracediff::diff::detail

// diff_traces(): normalize, index, match, align, classify, rank.
#include "diff/diff.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include "diff/internal.h"
#include "model/coverage.h"
#include "model/source.h"
#include "model/syscalls.h"
#include "redact/redact.h"

namespace tracediff::diff {

const char* to_string(DivKind k) {
  switch (k) {
    case DivKind::Result: return "result";
    case DivKind::Path: return "path";
    case DivKind::OnlyGood: return "only-good";
    case DivKind::OnlyBad: return "only-bad";
    case DivKind::Exit: return "exit";
    case DivKind::Env: return "env";
    case DivKind::Data: return "data";
  }
  return "?";
}

bool DiffResult::has_significant() const {
  for (const Divergence& d : divergences)
    if (d.significant) return true;
  return false;
}

std::size_t DiffResult::standing_count() const {
  std::size_t n = 0;
  for (const Divergence& d : divergences) n += d.stands();
  return n;
}

namespace detail {
namespace {

// Variables that differ between two shells on one host for no reason that
// could change a program's behaviour.
bool noise_variable(const std::string& name) {
  static const std::set<std::string> s = {
      "_", "OLDPWD", "SHLVL", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "SSH_AUTH_SOCK", "XDG_SESSION_ID",
      "TERM_SESSION_ID", "WINDOWID", "INVOCATION_ID", "JOURNAL_STREAM", "STY", "TMUX", "TMUX_PANE",
      "SECURITYSESSIONID", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "MAIL", "LS_COLORS",
      "GPG_AGENT_INFO", "DISPLAY", "XAUTHORITY", "COLUMNS", "LINES", "HOSTNAME", "LOGNAME", "MOTD_SHOWN"};
  return s.count(name) > 0;
}

template <typename T>
void compare_one(std::vector<EnvChange>& out, const char* cat, const std::optional<T>& g, const std::optional<T>& b,
                 std::string (*show)(const T&)) {
  if (!g || !b || *g == *b) return;  // unknown on one side is not a difference
  out.push_back({cat, cat, show(*g), show(*b), true});
}

std::string show_str(const std::string& s) { return s; }
std::string show_u32(const std::uint32_t& v) { return std::to_string(v); }
std::string show_octal(const std::uint32_t& v) { return fmt::format("{:04o}", v); }
std::string show_groups(const std::vector<std::uint32_t>& v) { return fmt::format("{}", fmt::join(v, ",")); }

std::optional<std::string> os_of(const HostInfo& h) {
  if (!h.os_id && !h.os_version) return std::nullopt;
  return fmt::format("{} {}", h.os_id.value_or(""), h.os_version.value_or(""));
}

}  // namespace

std::vector<EnvChange> compare_headers(const Header& good, const Header& bad, std::size_t* uncompared) {
  std::vector<EnvChange> out;
  bool same_key = redact::redaction_of(good).comparable(redact::redaction_of(bad));
  const HostInfo& g = good.host;
  const HostInfo& b = bad.host;
  if (g.env && b.env) {
    auto parse = [](const std::vector<std::string>& env) {
      std::map<std::string, std::string> m;
      for (const std::string& kv : env) {
        auto eq = kv.find('=');
        m[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      }
      return m;
    };
    std::map<std::string, std::string> ge = parse(*g.env), be = parse(*b.env);
    std::set<std::string> names;
    for (auto& [k, v] : ge) names.insert(k);
    for (auto& [k, v] : be) names.insert(k);
    for (const std::string& k : names) {
      auto gi = ge.find(k), bi = be.find(k);
      std::optional<std::string> gv, bv;
      if (gi != ge.end()) gv = gi->second;
      if (bi != be.end()) bv = bi->second;
      if (gv == bv) continue;
      std::optional<redact::Marker> gm, bm;
      if (gv) gm = redact::parse_marker(*gv);
      if (bv) bm = redact::parse_marker(*bv);
      if (gm || bm) {
        // A length is comparable whatever the key; a digest only under
        // the same key, and a value in clear only with its length.
        std::size_t gl = gm ? gm->length : gv ? gv->size() : 0, bl = bm ? bm->length : bv ? bv->size() : 0;
        bool differs = !gv || !bv || gl != bl || (gm && bm && same_key && gm->digest != bm->digest);
        if (!differs) {
          if (uncompared && !(gm && bm && same_key)) ++*uncompared;
          continue;
        }
        EnvChange c{"env", k, gv, bv, !noise_variable(k)};
        c.redacted = true;
        out.push_back(std::move(c));
        continue;
      }
      out.push_back({"env", k, gv, bv, !noise_variable(k)});
    }
  }
  compare_one(out, "uid", g.uid, b.uid, show_u32);
  compare_one(out, "gid", g.gid, b.gid, show_u32);
  compare_one(out, "groups", g.groups, b.groups, show_groups);
  compare_one(out, "umask", g.umask, b.umask, show_octal);
  compare_one(out, "cwd", g.cwd, b.cwd, show_str);
  compare_one(out, "caps", g.capabilities, b.capabilities, show_str);
  compare_one(out, "kernel", g.kernel, b.kernel, show_str);
  compare_one(out, "os", os_of(g), os_of(b), show_str);
  compare_one(out, "arch", g.arch, b.arch, show_str);
  compare_one(out, "lsm", g.lsm, b.lsm, show_str);
  if (!g.limits.empty() && !b.limits.empty()) {
    std::set<std::string> names;
    for (auto& [k, v] : g.limits) names.insert(k);
    for (auto& [k, v] : b.limits) names.insert(k);
    for (const std::string& k : names) {
      auto gi = g.limits.find(k), bi = b.limits.find(k);
      std::optional<std::string> gv, bv;
      if (gi != g.limits.end()) gv = gi->second.soft + "/" + gi->second.hard;
      if (bi != b.limits.end()) bv = bi->second.soft + "/" + bi->second.hard;
      if (gv != bv) out.push_back({"limit", k, gv, bv, true});
    }
  }
  return out;
}

namespace {

SideInfo side_info(const Header& raw, const std::string& file) {
  SideInfo s;
  s.file = file;
  const HostInfo& h = raw.host;
  s.host = h.hostname.value_or("");
  if (auto os = os_of(h)) s.os = *os;
  s.kernel = h.kernel.value_or("");
  s.command = raw.command;
  s.source = raw.source;
  return s;
}

void finish_side_info(SideInfo& s, const Side& side) {
  for (const Process& p : side.table.processes) {
    if (p.ppid != 0 && side.table.find(p.ppid)) continue;
    s.exit = p.exit;
    if (s.command.empty() && !p.execs.empty()) s.command = p.execs.front().argv;
    break;
  }
}

// A header with the environment of the trace's first exec when it has
// none of its own: a strace -v log's execve shows it, its header nothing.
Header with_exec_environment(const Side& s) {
  Header h = s.trace->header;
  h.host.env = s.environment();
  return h;
}

Divergence env_divergence(const EnvChange& c) {
  Divergence d;
  d.kind = DivKind::Env;
  d.significant = c.significant;
  d.syscall = c.category;
  d.score = env_weight(c.category, c.key);
  auto side = [&](const std::optional<std::string>& v) -> std::optional<DivSide> {
    if (!v) return std::nullopt;
    DivSide s;
    s.call = c.category == "env" ? c.key + "=" + *v : *v;
    s.result = *v;
    return s;
  };
  d.good = side(c.good);
  d.bad = side(c.bad);
  d.field = c.redacted ? "redacted" : "";
  if (c.redacted) {
    // Never the value: the trace holds only its length and digest.
    auto len = [](const std::optional<std::string>& v) -> std::string {
      if (!v) return "unset";
      auto m = redact::parse_marker(*v);
      std::size_t n = m ? m->length : v->size();
      return fmt::format("{} byte{}", n, n == 1 ? "" : "s");
    };
    if (c.good && c.bad)
      d.explanation = fmt::format("{} differs (redacted): {} on the good side, {} on the bad side.", c.key,
                                  len(c.good), len(c.bad));
    else
      d.explanation = fmt::format("{} differs (redacted): {} on the good side and {} on the bad side.", c.key,
                                  c.good ? "set" : "unset", c.bad ? "set" : "unset");
    return d;
  }
  auto show = [](const std::optional<std::string>& v) { return v ? "'" + *v + "'" : std::string("unset"); };
  std::string what = c.category == "env" ? "environment variable " + c.key
                     : c.category == "limit" ? "resource limit " + c.key
                                             : c.category;
  d.explanation = fmt::format("{} is {} on the good side and {} on the bad side.", what, show(c.good), show(c.bad));
  return d;
}

}  // namespace
}  // namespace detail

namespace detail {
namespace {

// One side as read: its trace (as recorded) and what is compared of it.
struct Prepared {
  SideTrace trace;
  SideInfo info;
  Side side;
};

Prepared prepare(EventSource& src, const normalize::NormalizeOptions& opt, const std::function<void()>& each) {
  Prepared p;
  load_side(src, opt, p.trace, p.side, p.info, each);
  return p;
}

// Thrown into the bad side's reading when the good side failed: its own
// outcome no longer matters.
struct Stopped {};

// Reads both sides at once, the bad one on a second thread: each is mostly
// parsing and replaying its own events, and neither needs the other until
// both are read. Each event is enriched as it is read, so neither raw
// trace is ever whole in memory. The progress line counts the events of
// both; only this thread touches it. An error on the good side is the one
// reported, as when they were read in turn: the bad side stops at its next
// event (one waiting for input, a pipe, is waited for).
std::pair<Prepared, Prepared> prepare_both(EventSource& good, EventSource& bad, const DiffOptions& opt) {
  // The count is published once per kStride events: a line that both
  // cores write and read per event cost a tenth of the reading. `stop` is
  // written once, so reading it per event costs nothing.
  constexpr std::uint64_t kStride = 1024;
  std::atomic<std::uint64_t> bad_events{0};
  std::atomic<bool> stop{false};
  std::string what = fmt::format("reading {} and {}", good.name(), bad.name());
  std::uint64_t events_here = 0;
  auto show = [&] {
    if (opt.progress)
      opt.progress->update(what, events_here + bad_events.load(std::memory_order_relaxed), 0, "events");
  };
  auto each_here = [&] {  // an event read on this thread
    if (++events_here % kStride == 0) show();
  };
  std::future<Prepared> bad_side;
  try {
    bad_side = std::async(std::launch::async, [&] {
      std::uint64_t n = 0;
      return prepare(bad, opt.normalize, [&] {
        if (stop.load(std::memory_order_relaxed)) throw Stopped{};
        if (++n % kStride == 0) bad_events.store(n, std::memory_order_relaxed);
      });
    });
  } catch (const std::system_error&) {
    // The process limit refused a second thread: one side after the other.
    Prepared g = prepare(good, opt.normalize, each_here);
    Prepared b = prepare(bad, opt.normalize, each_here);
    if (opt.progress) opt.progress->finish();
    return {std::move(g), std::move(b)};
  }
  Prepared g;
  try {
    g = prepare(good, opt.normalize, each_here);
  } catch (...) {
    stop = true;
    try {
      bad_side.get();
    } catch (...) {
    }
    if (opt.progress) opt.progress->finish();
    throw;
  }
  while (bad_side.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) show();
  if (opt.progress) opt.progress->finish();
  return {std::move(g), bad_side.get()};
}

DiffResult diff_prepared(Prepared&& good, Prepared&& bad, const DiffOptions& opt) {
  DiffResult r;
  r.good_info = side_info(good.trace.header, good.info.file);
  r.bad_info = side_info(bad.trace.header, bad.info.file);
  r.good = std::move(good.trace);
  r.bad = std::move(bad.trace);
  Side& g = good.side;
  Side& b = bad.side;
  g.trace = &r.good;
  b.trace = &r.bad;
  finish_side_info(r.good_info, g);
  finish_side_info(r.bad_info, b);
  build_chains(g);
  build_chains(b);

  match_tasks(g, b, r.pairs);
  std::uint64_t aligned = 0;
  for (TaskPair& tp : r.pairs) {
    align_pair(g, b, opt, tp);
    if (opt.progress) opt.progress->update("aligning", ++aligned, r.pairs.size(), "task pairs");
    if (tp.approximate)
      r.notes.push_back(fmt::format(
          "task {}: too large for an exact alignment (limit {} cells); a greedy alignment was used and may "
          "report more differences than there are",
          tp.name, opt.exact_limit));
  }
  if (opt.progress) opt.progress->finish();
  classify(g, b, r.pairs, r);
  // A side that lost events may show differences that are only its losses.
  for (const auto& [info, side] : {std::pair{&r.good_info, &r.good}, std::pair{&r.bad_info, &r.bad}})
    if (std::string l = describe_losses(side->header); !l.empty())
      r.notes.push_back(fmt::format("{}: {}: a divergence may be a missing event, not a difference", info->file, l));
  // What either recording could not see: a call missing from one side
  // may be one its recorder could not see, not one the program skipped.
  for (const std::string& n : recording_notes(r.good.header))
    r.notes.push_back(fmt::format("good trace {}: {}", r.good_info.file, n));
  for (const std::string& n : recording_notes(r.bad.header))
    r.notes.push_back(fmt::format("bad trace {}: {}", r.bad_info.file, n));
  std::size_t uncompared = 0;
  r.env = compare_headers(with_exec_environment(g), with_exec_environment(b), &uncompared);
  if (uncompared)
    r.notes.push_back(fmt::format(
        "{} redacted value{} of the same length on both sides cannot be compared: the traces were not redacted "
        "with the same key (give both hosts the same --redact-key or TRACEDIFF_REDACT_KEY)",
        uncompared, uncompared == 1 ? "" : "s"));
  r.divergences.reserve(r.divergences.size() + r.env.size());
  for (const EnvChange& c : r.env) r.divergences.push_back(env_divergence(c));
  rank(g, b, r);
  fold(r);
  r.good.events.release();
  r.bad.events.release();
  r.runs.good_files = {r.good_info.file};
  r.runs.bad_files = {r.bad_info.file};
  return r;
}

}  // namespace
}  // namespace detail

DiffResult diff_traces(Trace&& good, Trace&& bad, const DiffOptions& opt, const std::string& good_file,
                       const std::string& bad_file) {
  TraceSource gs(std::move(good), good_file), bs(std::move(bad), bad_file);
  return diff_sources(gs, bs, opt);
}

DiffResult diff_sources(EventSource& good, EventSource& bad, const DiffOptions& opt) {
  auto [g, b] = detail::prepare_both(good, bad, opt);
  return detail::diff_prepared(std::move(g), std::move(b), opt);
}

DiffResult diff_traces(const Trace& good, const Trace& bad, const DiffOptions& opt, const std::string& good_file,
                       const std::string& bad_file) {
  Trace g = good, b = bad;
  return diff_traces(std::move(g), std::move(b), opt, good_file, bad_file);
}

}  // namespace tracediff::diff

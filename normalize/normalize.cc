// The normalize driver: runs the enabled rules in order (rules.h).
#include "normalize/normalize.h"

#include <fmt/format.h>

#include <regex>
#include <stdexcept>
#include <unordered_set>

#include "normalize/rules.h"
#include "model/errors.h"

namespace tracediff::normalize {
namespace detail {

// Fails on bad options before any rule has touched a trace.
void check_options(const NormalizeOptions& opt) {
  for (const std::string& name : opt.disabled) {
    bool known = false;
    for (const detail::Rule& r : detail::rule_table()) known = known || name == r.name;
    if (!known) {
      std::string names;
      for (const detail::Rule& r : detail::rule_table()) names += (names.empty() ? "" : ", ") + std::string(r.name);
      throw std::invalid_argument(fmt::format("unknown normalize rule '{}' (rules: {})", name, names));
    }
  }
  // Bad user patterns fail here, before any rule has touched the trace.
  for (const RewriteRule& r : opt.rewrites) {
    try {
      std::regex re(r.pattern);
    } catch (const std::regex_error& e) {
      throw InputError(fmt::format("{}:{}: bad regular expression '{}': {}", r.file, r.line, r.pattern, e.what()));
    }
  }
}

const std::vector<Rule>& rule_table() {
  // Order matters: fds reads the original call names and results before
  // families rewrites them; names needs the fd referents that fds filled;
  // user rewrites see paths before the built-in placeholders replace parts.
  static const std::vector<Rule> rules = {
      {"tasks", "pids and tids become stable numbers in process-tree order, named like root/1:sh",
       rule_tasks},
      {"fds", "fd numbers become what they refer to (tracked through open, dup, pipe, socket, close, fork)",
       rule_fds},
      {"rules", "user rewrites from --rules files, in file order", rule_rewrites},
      {"host", "host name, user name and home directory become $HOST, $USER, $HOME", rule_host},
      {"names",
       "generated parts of names (pids, epoch times, long numbers, random hex) become #; random suffixes in "
       "temp directories (mkstemp's files, mkdtemp's directories) become XXXXXX",
       rule_names},
      {"addresses", "memory addresses in arguments and results become ADDR", rule_addresses},
      {"timing", "timestamps, durations and time values are dropped", rule_timing},
      {"stat", "sizes, inode numbers, link counts and times in stat results are dropped (owner, mode kept)",
       rule_stat},
      {"families", "calls that differ by libc version get one name: open/creat -> openat, stat family -> "
                   "newfstatat, access -> faccessat, fork/vfork/clone3 -> clone, dup2 -> dup3, pipe -> pipe2, "
                   "getdents -> getdents64",
       rule_families},
  };
  return rules;
}

}  // namespace detail

std::vector<std::pair<std::string, std::string>> list_rules() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const detail::Rule& r : detail::rule_table()) out.emplace_back(r.name, r.description);
  return out;
}

namespace {

void note_ids(const Event& e, std::unordered_set<std::int32_t>& ids) {
  if (e.tid) ids.insert(e.tid);
  if (e.pid) ids.insert(e.pid);
  if (e.type == EventType::Process && e.name == kProcSpawn && e.proc.child > 0) ids.insert(e.proc.child);
}

}  // namespace

void normalize_in_place(Trace& t, const NormalizeOptions& opt) {
  detail::check_options(opt);
  detail::NormalizeContext ctx;
  ctx.options = &opt;
  for (const Event& e : t.events) note_ids(e, ctx.original_ids);
  for (const detail::Rule& r : detail::rule_table())
    if (!opt.disabled.count(r.name)) r.fn(t, ctx);
  t.header.options["normalized"] = "1";
}

Trace normalized(const Trace& in, const NormalizeOptions& opt) {
  Trace out = in;
  normalize_in_place(out, opt);
  return out;
}

// The rules of rule_table() split by what they need: fds, rules, host,
// addresses, timing, stat and families look at one event at a time (fds
// and rules carry state forward in trace order) and run in add(); tasks
// needs the process tree and names the set of every pid of the trace, so
// they run in finish(). Running them later than their place in the table
// gives the same result because they touch disjoint fields: tasks the ids
// (and pid arguments and results, whose address rule is therefore put
// off until after it), names the path strings no later rule reads. Task
// names come from a skeleton of the raw trace (process events, execve
// calls, and each task's first event), which is all build_process_table()
// looks at.
struct StreamNormalizer::Impl {
  // Events are kept in chunks and moved once into an exactly sized vector:
  // a vector grown by doubling holds up to twice the events' size, and
  // needs old and new blocks at once while it grows.
  // 2^17 events of 384 bytes are 48 MiB: above glibc's largest mmap
  // threshold (32 MiB), so each chunk is its own mapping and goes back to
  // the system as soon as it is moved out.
  static constexpr std::size_t kChunk = 1 << 17;

  Impl(const Header& h, const NormalizeOptions& o) : opt(o), header(h), fds(h), rewrites(opt), host(h) {
    ctx.options = &opt;
    auto on = [&](const char* name) { return !opt.disabled.count(name); };
    tasks_on = on("tasks");
    fds_on = on("fds");
    rules_on = on("rules") && !opt.rewrites.empty();
    host_on = on("host") && host.active();
    names_on = on("names");
    addresses_on = on("addresses");
    timing_on = on("timing");
    stat_on = on("stat");
    families_on = on("families");
    skeleton.header = h;
  }

  void add(Event&& e) {
    note_ids(e, ctx.original_ids);
    if (tasks_on) note_skeleton(e);
    if (fds_on) fds.apply(e);
    if (rules_on) rewrites.apply(e);
    if (host_on) host.apply(e);
    if (addresses_on) {
      if (tasks_on && (e.type == EventType::Signal || detail::pid_call(e.name))) deferred.push_back(count);
      else detail::addresses_event(e);
    }
    if (timing_on) detail::timing_event(e);
    if (stat_on) detail::stat_event(e);
    if (families_on) detail::families_event(e);
    e.args.shrink_to_fit();
    if (chunks.empty() || chunks.back().size() == kChunk) {
      chunks.emplace_back();
      chunks.back().reserve(kChunk);
    }
    chunks.back().push_back(std::move(e));
    ++count;
  }

  void note_skeleton(const Event& e) {
    if (e.type == EventType::Process || (e.type == EventType::Syscall && syscall_is(e.name, kClassExec))) {
      skeleton.events.push_back(e);
    } else if ((e.tid || e.pid) && seen.insert(e.tid ? e.tid : e.pid).second) {
      Event s;
      s.type = e.type;
      s.tid = e.tid;
      s.pid = e.pid;
      skeleton.events.push_back(std::move(s));
    }
  }

  Trace finish(std::vector<Warning> warnings) {
    Trace t;
    t.header = std::move(header);
    t.warnings = std::move(warnings);
    t.events.reserve(count);
    for (std::vector<Event>& c : chunks) {
      for (Event& e : c) t.events.push_back(std::move(e));
      std::vector<Event>().swap(c);
    }
    chunks.clear();
    if (tasks_on) {
      detail::apply_tasks(t, build_process_table(skeleton));
      skeleton = Trace();
    }
    for (std::size_t i : deferred) detail::addresses_event(t.events[i]);
    if (host_on) host.finish(t.header);
    if (names_on) {
      detail::NormalizeContext& c = ctx;
      detail::rule_names(t, c);
    }
    t.header.options["normalized"] = "1";
    return t;
  }

  NormalizeOptions opt;
  Header header;
  detail::NormalizeContext ctx;
  detail::FdRule fds;
  detail::UserRewrites rewrites;
  detail::HostRule host;
  bool tasks_on, fds_on, rules_on, host_on, names_on, addresses_on, timing_on, stat_on, families_on;
  Trace skeleton;
  std::unordered_set<std::int32_t> seen;
  std::vector<std::size_t> deferred;
  std::vector<std::vector<Event>> chunks;
  std::size_t count = 0;
};

StreamNormalizer::StreamNormalizer(const Header& header, const NormalizeOptions& opt) {
  detail::check_options(opt);
  impl_ = std::make_unique<Impl>(header, opt);
}

StreamNormalizer::~StreamNormalizer() = default;

void StreamNormalizer::add(Event&& e) { impl_->add(std::move(e)); }

std::size_t StreamNormalizer::size() const { return impl_->count; }

Trace StreamNormalizer::finish(std::vector<Warning> warnings) { return impl_->finish(std::move(warnings)); }

std::string task_name_of(const Trace& normalized, std::int32_t tid) {
  auto it = normalized.header.options.find(fmt::format("task.{}", tid));
  if (it != normalized.header.options.end()) return it->second;
  return fmt::format("pid {}", tid);
}

}  // namespace tracediff::normalize

// The normalize driver: runs the enabled rules in order (rules.h).
#include "normalize/normalize.h"

#include <fmt/format.h>

#include <regex>
#include <stdexcept>

#include "normalize/rules.h"
#include "trace/io.h"

namespace tracediff {
namespace detail {

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
      {"names", "generated names (pids, epoch times, long numbers, random hex, mkstemp suffixes) become #",
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

void normalize_in_place(Trace& t, const NormalizeOptions& opt) {
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
  detail::NormalizeContext ctx;
  ctx.options = &opt;
  for (const Event& e : t.events) {
    if (e.tid) ctx.original_ids.insert(e.tid);
    if (e.pid) ctx.original_ids.insert(e.pid);
    if (e.type == EventType::Process && e.name == kProcSpawn && e.proc.child > 0)
      ctx.original_ids.insert(e.proc.child);
  }
  for (const detail::Rule& r : detail::rule_table())
    if (!opt.disabled.count(r.name)) r.fn(t, ctx);
  t.header.options["normalized"] = "1";
}

Trace normalize(const Trace& in, const NormalizeOptions& opt) {
  Trace out = in;
  normalize_in_place(out, opt);
  return out;
}

std::string task_name_of(const Trace& normalized, std::int32_t tid) {
  auto it = normalized.header.options.find(fmt::format("task.{}", tid));
  if (it != normalized.header.options.end()) return it->second;
  return fmt::format("pid {}", tid);
}

}  // namespace tracediff

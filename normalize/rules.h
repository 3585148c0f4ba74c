// Internals of normalize/: the rule table and helpers the rules share.
// Each rule is a function over the whole trace, in its own file, so it can
// be read and tested alone (tests/normalize/ runs one rule at a time by
// disabling the others).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "model/syscalls.h"
#include "normalize/normalize.h"

namespace tracediff::normalize::detail {

/// What the rules may know about the input before any of them ran.
struct NormalizeContext {
  const NormalizeOptions* options = nullptr;
  /// Every pid and tid of the input trace, as recorded: the generated-names
  /// rule recognizes them inside file names even after the tasks rule has
  /// renumbered the events.
  std::unordered_set<std::int32_t> original_ids;
};

using RuleFn = void (*)(Trace&, NormalizeContext&);

struct Rule {
  const char* name;
  const char* description;
  RuleFn fn;
};

/// Throws for bad options before any rule ran: std::invalid_argument for
/// an unknown rule name, InputError (file:line) for a bad pattern.
void check_options(const NormalizeOptions& opt);

/// The built-in rules in the order they run.
const std::vector<Rule>& rule_table();

void rule_tasks(Trace& t, NormalizeContext& ctx);
void rule_fds(Trace& t, NormalizeContext& ctx);
void rule_rewrites(Trace& t, NormalizeContext& ctx);
void rule_host(Trace& t, NormalizeContext& ctx);
void rule_names(Trace& t, NormalizeContext& ctx);
void rule_addresses(Trace& t, NormalizeContext& ctx);
void rule_timing(Trace& t, NormalizeContext& ctx);
void rule_stat(Trace& t, NormalizeContext& ctx);
void rule_families(Trace& t, NormalizeContext& ctx);

// Per-event forms of the rules, for normalizing a trace as it is read
// (StreamNormalizer). The whole-trace rules above are built on them.

/// Rule "tasks" with the process table given: the table may come from a
/// skeleton of the raw trace (its spawn, exec and first events per task).
void apply_tasks(Trace& t, const ProcessTable& table);
/// True for calls whose first argument or result is a pid (rule "tasks"
/// rewrites those).
bool pid_call(std::string_view name);
void addresses_event(Event& e);
void timing_event(Event& e);
void stat_event(Event& e);
void families_event(Event& e);

/// Rule "fds" one event at a time, in trace order.
class FdRule {
 public:
  explicit FdRule(const Header& h);
  ~FdRule();
  FdRule(const FdRule&) = delete;
  FdRule& operator=(const FdRule&) = delete;
  void apply(Event& e);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Rule "rules" one event at a time. Throws InputError for a bad pattern.
class UserRewrites {
 public:
  explicit UserRewrites(const NormalizeOptions& opt);
  ~UserRewrites();
  UserRewrites(const UserRewrites&) = delete;
  UserRewrites& operator=(const UserRewrites&) = delete;
  void apply(Event& e);
  /// A rewriter for one string (see rewrite_field): the path rules and the
  /// string rules; `data`: the string rules only.
  bool rewrite(std::string_view in, std::string& out, bool data = false);
  bool empty() const { return compiled_.empty(); }

 private:
  struct CompiledRule;
  class Rewriter;
  std::vector<CompiledRule> compiled_;
  bool any_string_ = false;
  std::unique_ptr<Rewriter> all_, data_;
};

/// Rule "host": events one at a time, then the header once.
class HostRule {
 public:
  explicit HostRule(const Header& h);
  bool active() const { return !home_.empty() || !user_.empty() || !host_.empty(); }
  void apply(Event& e) const;
  void finish(Header& h) const;
  /// A rewriter for for_each_string(): true, with `out` set, when `in`
  /// names the host, user or home.
  bool operator()(std::string_view in, std::string& out) const;

 private:
  std::string home_, user_, host_;
};

/// Which strings of an event a rewrite applies to.
enum StringField : unsigned {
  kPaths = 1,    ///< Path args (str and abs), sockaddr text, exec paths and argv
  kRefs = 2,     ///< fd referents in args and results
  kData = 4,     ///< String args that are not argv (buffers, names)
};

// Templates rather than std::function: these run on every argument of
// millions of events, and an indirect call per string showed in profiles.
template <typename Fn>
void for_each_arg_rec(Arg& a, Fn& fn) {
  fn(a);
  for (Arg& i : a.items) for_each_arg_rec(i, fn);
}

/// Calls fn on every Arg of `e`, depth first (struct fields, array elements).
template <typename Fn>
void for_each_arg(Event& e, Fn&& fn) {
  for (Arg& a : e.args) for_each_arg_rec(a, fn);
}

/// Applies a rewriter to one string field. A rewriter is called as
/// `bool fn(std::string_view in, std::string& out)` and returns true, with
/// `out` set, when it changes `in`: unchanged strings (almost all of them)
/// are never copied.
template <typename Fn>
void rewrite_field(CompactString& s, Fn& fn) {
  std::string out;
  if (fn(s.view(), out)) s = out;
}
template <typename Fn>
void rewrite_field(std::string& s, Fn& fn) {
  std::string out;
  if (fn(std::string_view(s), out)) s = std::move(out);
}

template <typename Fn>
void strings_of_arg(Arg& a, unsigned fields, bool argv, Fn& fn) {
  switch (a.kind) {
    case ArgKind::Path:
      if (fields & kPaths) {
        // A path that was absolute shares one block with its absolute
        // form; keep it shared when both are rewritten the same way.
        bool shared = a.abs.shares_with(a.str);
        rewrite_field(a.str, fn);
        if (shared)
          a.abs = a.str;
        else if (!a.abs.empty())
          rewrite_field(a.abs, fn);
      }
      break;
    case ArgKind::SockAddr:
      if (fields & kPaths) rewrite_field(a.str, fn);
      break;
    case ArgKind::Fd:
      if ((fields & kRefs) && !a.ref.empty()) rewrite_field(a.ref, fn);
      break;
    case ArgKind::String:
      if (argv ? (fields & kPaths) : (fields & kData)) rewrite_field(a.str, fn);
      break;
    default:
      break;
  }
  for (Arg& i : a.items) strings_of_arg(i, fields, argv, fn);
}

/// Calls the rewriter fn (see rewrite_field) on every string of `e`
/// selected by `fields`.
template <typename Fn>
void for_each_string(Event& e, unsigned fields, Fn&& fn) {
  // argv of an exec is a list of names, treated like paths: a temp file
  // name passed on a command line is as generated as the file itself.
  bool exec = (e.type == EventType::Syscall && syscall_is(e.name, kClassExec)) ||
              (e.type == EventType::Process && e.name == kProcExec);
  for (Arg& a : e.args) strings_of_arg(a, fields, exec, fn);
  if ((fields & kRefs) && !e.result.ref.empty()) rewrite_field(e.result.ref, fn);
}

/// Names a run made for itself (normalize/canon.cc learns them): files it
/// created exclusively (O_CREAT|O_EXCL, as mkstemp does) and directories
/// mkdtemp made (mkdir with mode 0700 in a temp directory). Looked up by
/// string_view, one prefix of a path at a time.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using CreatedNames = std::unordered_set<std::string, NameHash, std::equal_to<>>;

/// What a run says about its own names as it goes, learned in trace order
/// by the names rule and by the Canon alike: the temp directories its
/// environment names ($TMPDIR, $TMP, $TEMP: the header's, then each
/// exec's), any directory it creates a file in with O_CREAT|O_EXCL, and
/// the names it makes for itself (CreatedNames).
class RunNames {
 public:
  /// The form the names rule sees a name in: the Canon's runs the rules
  /// before it (user rewrites, host names); empty: as recorded. The view
  /// it returns is read before the next call.
  using AsSeen = std::function<std::string_view(std::string_view)>;
  explicit RunNames(AsSeen as_seen = {}) : as_seen_(std::move(as_seen)) {}
  /// Learns what the header's environment tells.
  void note(const Header& h);
  /// Learns what `e` tells; true when that was something new (an answer
  /// cached from before is then stale). Call before normalizing e's names.
  bool note(const Event& e);
  const std::vector<std::string>& temp_dirs() const { return temp_dirs_; }
  /// Null while the run made none.
  const CreatedNames* created() const { return created_.empty() ? nullptr : &created_; }

 private:
  std::string_view seen(std::string_view s) const { return as_seen_ ? as_seen_(s) : s; }
  bool learn_env(std::string_view kv);
  bool learn_temp_dir(std::string_view dir);
  bool learn_created(std::string_view path);

  AsSeen as_seen_;
  std::vector<std::string> temp_dirs_;
  CreatedNames created_;
};

/// True when `dir` is a directory whose entries are usually generated
/// names: /tmp, /var/tmp, /dev/shm, /run/user/..., one of `temp_dirs`.
bool in_temp_dir(std::string_view dir, const std::vector<std::string>& temp_dirs);

/// Replaces generated parts of a name (pids, long digit runs, epoch times,
/// random hex, mkstemp suffixes under temp directories) with placeholders.
/// `temp_dirs`: directories the program was told to use for temporary
/// files ($TMPDIR), beside the usual ones. `created` (may be null): names
/// the run made for itself; a component of `s` that ends one of them (the
/// created file, or the created directory anywhere in a longer path) has
/// the last six letters and digits masked whatever they look like
/// (mkstemp and mkdtemp draw them from [A-Za-z0-9], so one name in about
/// 180 is all lowercase, which the shape of a word does not tell).
std::string normalize_generated_name(std::string_view s, const std::unordered_set<std::int32_t>& pids,
                                     const std::vector<std::string>& temp_dirs = {},
                                     const CreatedNames* created = nullptr);

/// The canonical form of an fd referent: inode numbers and ephemeral ports
/// dropped ("pipe:[1234]" -> "pipe", "/dev/pts/3" -> "/dev/pts/#").
std::string canonical_ref(std::string_view ref);

}  // namespace tracediff::normalize::detail

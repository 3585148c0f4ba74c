// normalize: strip what differs between any two runs so that only real
// differences remain.
//
// A pure Trace -> Trace transformation made of small named rules, each
// testable alone and each switchable off (NormalizeOptions::disabled).
// Rules never drop events; they rewrite fields (task ids, fd numbers, temp
// names, host and user names, timestamps) and fill Event keys that the
// differ aligns on. Unknown rule names are an error (list_rules() says
// which exist).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/trace.h"

namespace tracediff::normalize {

/// A user rewrite from a rules file: `path /opt/app-1.4.2 /opt/app-VERSION`
/// or `string REGEX REPLACEMENT` (docs/normalize-rules.md).
struct RewriteRule {
  enum Kind { Path, String } kind = Path;
  std::string pattern;      ///< ECMAScript regex
  std::string replacement;  ///< may use $1..$9
  std::string file;         ///< where it came from, for messages
  unsigned line = 0;
};

struct NormalizeOptions {
  std::set<std::string> disabled;       ///< rule names to skip (--keep RULE)
  std::vector<RewriteRule> rewrites;    ///< user rules, applied in order
};

/// Name and one-line description of every built-in rule, in the order they run.
std::vector<std::pair<std::string, std::string>> list_rules();

/// Reads a rules file. Throws InputError naming file:line for a bad line.
std::vector<RewriteRule> read_rules_file(const std::string& path);

/// Applies every enabled rule. Throws std::invalid_argument for an unknown
/// rule name in opt.disabled, InputError (naming file:line) for a rewrite
/// whose pattern is not a valid regex.
Trace normalized(const Trace& in, const NormalizeOptions& opt = {});

/// Like normalize(), rewriting `t` itself: a million-event trace is not
/// copied. Throws like normalize(); `t` is unchanged when it throws.
void normalize_in_place(Trace& t, const NormalizeOptions& opt = {});

/// normalize() for a trace that is being read: each event is normalized as
/// it arrives (add), so a large trace never holds its raw form, only the
/// smaller normalized one; the rules that need the whole trace (tasks,
/// names) run in finish() over the normalized events, from what add()
/// noted about the raw ones. finish() gives what normalize() gives for the
/// same header and events.
class StreamNormalizer {
 public:
  /// Throws like normalize_in_place() for bad options.
  StreamNormalizer(const Header& header, const NormalizeOptions& opt = {});
  ~StreamNormalizer();
  StreamNormalizer(const StreamNormalizer&) = delete;
  StreamNormalizer& operator=(const StreamNormalizer&) = delete;

  /// Normalizes one event (the next in trace order) and keeps it.
  void add(Event&& e);
  /// Number of events added so far.
  std::size_t size() const;
  /// Runs the whole-trace rules and returns the normalized trace, its
  /// warnings set to `warnings`. Call once; the object is spent after.
  Trace finish(std::vector<Warning> warnings = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Stable task names from the process tree of a trace (raw or not): tid ->
/// "root", "root/1:sh", "root/1:sh/2:cat", threads "root#1"; the names the
/// "tasks" rule gives.
std::unordered_map<std::int32_t, std::string> task_names(const Header& h, const ProcessTable& table);

/// Stable task names assigned by the "tasks" rule: tid -> "root", "root/1:sh",
/// "root/1:sh/2:cat", threads "root#1". Exposed for the differ and reports.
std::string task_name_of(const Trace& normalized, std::int32_t tid);

}  // namespace tracediff::normalize

// redact: credentials never leave the host in clear.
//
// A Redactor rewrites a trace's header and events so that values which are
// credentials by their name or shape (patterns.h: one table) are replaced by
// a marker "<redacted N bytes DIGEST>": the value's length and a keyed
// digest (HMAC-SHA256, truncated), so that two traces can still say "same"
// or "differs" without showing the value. What it looks at: the
// environment (header and exec), argv (the header's command, exec events
// and calls), and every data buffer (Authorization:/Cookie: header values,
// `name=value` and `name: value` where the name looks secret, URL
// passwords). Level::Full also replaces every data buffer whole;
// Level::None changes nothing. The header records what was applied and
// which kind of key (never the key): kKeyOption's "user ID" digests compare
// with another trace made with the same key, "random ID" ones with none.
// A value that already is a marker is left as it is. Depends on the model
// only; the recorders, the importer and `tracediff redact` apply it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace.h"

namespace tracediff::redact {

enum class Level { None, Default, Full };
/// "none", "default", "full" (the header's kLevelOption value).
const char* to_string(Level l);

/// Header option keys.
inline constexpr const char* kLevelOption = "redaction";
/// "user ID" (a key given with --redact-key / TRACEDIFF_REDACT_KEY),
/// "random ID" (one made for this trace alone), "mixed" (redacted twice
/// with different keys). ID is a fingerprint of the key, never the key.
inline constexpr const char* kKeyOption = "redaction_key";
/// The --redact-pattern patterns, one per line.
inline constexpr const char* kPatternsOption = "redaction_patterns";

struct RedactOptions {
  Level level = Level::Default;
  /// The key of the digests; empty: a random key for this trace alone.
  std::string key;
  /// Extra patterns (ECMAScript regex, case-insensitive) matched against
  /// the names the table matches (patterns.h).
  std::vector<std::string> patterns;
};

/// Throws InputError "--redact-pattern 'P': not a valid regular expression
/// (WHY)" when `pattern` does not compile.
void check_pattern(const std::string& pattern);

/// A redacted value as the marker says it.
struct Marker {
  std::size_t length = 0;
  std::string digest;  ///< hex; "" in a marker without one
};
/// The marker of a value of `length` bytes with digest `digest`.
std::string make_marker(std::size_t length, std::string_view digest);
/// `s` parsed when it is exactly one marker, else nullopt.
std::optional<Marker> parse_marker(std::string_view s);
/// True when `s` holds a marker anywhere.
bool has_marker(std::string_view s);
/// `s` with every marker's digest dropped ("<redacted N bytes>"): what two
/// traces whose digests cannot be compared can still compare on.
std::string without_digests(std::string_view s);

/// What a trace's header says about its redaction.
struct HeaderRedaction {
  Level level = Level::None;  ///< None also for a trace made before redaction existed
  std::string key;            ///< kKeyOption's value, "" when none
  /// True when digests made under this header can be compared with those
  /// made under `other`: both with the same user key.
  bool comparable(const HeaderRedaction& other) const;
};
HeaderRedaction redaction_of(const Header& h);
/// One sentence on what a trace's redaction means for its reader ("" for
/// a trace whose header says nothing about redaction): show prints it.
std::string redaction_note(const Header& h);

class Redactor {
 public:
  /// Throws InputError for a pattern that does not compile (check_pattern),
  /// and without a key when the system gives no random one.
  explicit Redactor(const RedactOptions& opt);
  ~Redactor();
  Redactor(Redactor&&) noexcept;
  Redactor& operator=(Redactor&&) noexcept;

  Level level() const;
  /// Redacts the environment and the command, and records in the options
  /// what was applied (kLevelOption, kKeyOption, kPatternsOption). A header
  /// already redacted with another key gets kKeyOption "mixed".
  void header(Header& h) const;
  /// Redacts an event in place; true when anything changed.
  bool event(Event& e) const;
  /// Like event(), into `out` only when something must change: recorders
  /// pass events by const reference and most need nothing.
  bool event_copy(const Event& e, Event& out) const;

  /// The marker for `value`.
  std::string marker(std::string_view value) const;
  /// One "NAME=value" environment entry; true when changed.
  bool env_entry(std::string& kv) const;
  /// A command line (argv); true when anything changed.
  bool argv(std::vector<std::string>& args) const;
  /// A data buffer or any other text by the data rules; true when changed.
  bool text(std::string& s) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracediff::redact

#include "cli/redaction.h"

#include <cstdlib>

namespace tracediff::cli {

void add_redact_options(CLI::App* c, RedactArgs& a, bool with_none) {
  CLI::Option* full = c->add_flag("--redact", a.full, "also replace every data buffer (read, write, send, recv) by its length and digest");
  if (with_none)
    c->add_flag("--no-redact", a.none, "keep every value in clear (for a trace that never leaves this host)")
        ->excludes(full);
  c->add_option("--redact-key", a.key,
                "key of the redaction digests, the same on every host whose traces are compared "
                "(default: $TRACEDIFF_REDACT_KEY, else a random key per trace)")
      ->type_name("KEY");
  c->add_option("--redact-pattern", a.patterns,
                "also redact values whose name matches REGEX (ECMAScript, case-insensitive; repeatable)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
}

redact::RedactOptions finish(const RedactArgs& a) {
  redact::RedactOptions o;
  o.level = a.none ? redact::Level::None : a.full ? redact::Level::Full : redact::Level::Default;
  o.key = a.key;
  if (o.key.empty())
    if (const char* k = std::getenv(kRedactKeyEnv)) o.key = k;
  // Checked here, not by a CLI11 validator: the error is one line naming
  // the pattern (InputError), not a usage error, and comes before any stage.
  for (const std::string& p : a.patterns) redact::check_pattern(p);
  o.patterns = a.patterns;
  return o;
}

}  // namespace tracediff::cli

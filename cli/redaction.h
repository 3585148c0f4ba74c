// The redaction options every command that writes a trace takes (record,
// import, redact): --redact, --no-redact, --redact-key, --redact-pattern,
// and TRACEDIFF_REDACT_KEY for the key.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "redact/redact.h"

namespace tracediff::cli {

/// What the flags say, before finish() turns it into RedactOptions.
struct RedactArgs {
  bool full = false;     ///< --redact
  bool none = false;     ///< --no-redact
  std::string key;       ///< --redact-key
  std::vector<std::string> patterns;
};

/// The environment variable that gives the key when --redact-key does not.
inline constexpr const char* kRedactKeyEnv = "TRACEDIFF_REDACT_KEY";

/// Adds the options to `c`; `with_none`: also --no-redact (a command that
/// only redacts has no use for it).
void add_redact_options(CLI::App* c, RedactArgs& a, bool with_none = true);
/// The options the flags and the environment give. Throws InputError
/// naming a --redact-pattern that does not compile.
redact::RedactOptions finish(const RedactArgs& a);
/// One sentence for the text of --help footers.
inline constexpr const char* kRedactFooter =
    "Credentials are redacted before anything is written (docs/redaction.md): environment variables\n"
    "whose names look secret (TOKEN, SECRET, PASSWORD, KEY, AUTH, COOKIE, SESSION, AWS_*, ...), the\n"
    "argument after --password-like flags, NAME=value and URL user:password@ values, and the values\n"
    "of Authorization:/Cookie: lines in data, each replaced by <redacted N bytes DIGEST>. The digest\n"
    "is keyed: give the same --redact-key (or $TRACEDIFF_REDACT_KEY) on both hosts so that diff can\n"
    "tell whether two secrets are the same; without one each trace has a random key.\n";

}  // namespace tracediff::cli

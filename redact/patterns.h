// The table of names whose values are credentials (docs/redaction.md shows
// it). A name (an environment variable, a --flag, the NAME of NAME=value or
// of a "Name: value" header line) is split into words at every character
// that is not a letter or digit and where a lower-case letter is followed by
// an upper-case one ("X-Api-Key", "apiKey", "DB_PASSWORD" are all words);
// a row matches when one of its words (or the whole name) matches as the
// row says. --redact-pattern adds regexes matched against the whole name.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tracediff::redact {

enum class NameMatch {
  InWord,     ///< some word contains the text: TOKEN in NPM_TOKEN, ACCESSTOKEN
  Word,       ///< some word is the text: KEY in API_KEY, not in KEYBOARD
  FirstWord,  ///< the first word is the text: AWS in AWS_REGION
  Whole,      ///< the whole name is the text: MYSQL_PWD
};

struct NamePattern {
  const char* text;  ///< upper case
  NameMatch match;
  const char* why;   ///< what it catches, for the docs
};

/// Every row, in the order docs/redaction.md lists them.
std::span<const NamePattern> name_patterns();
/// Words an InWord row would match that are not secrets (AUTHOR holds AUTH).
std::span<const char* const> not_secret_words();

/// The words of a name, upper-cased.
std::vector<std::string> name_words(std::string_view name);
/// True when a row of the table matches `name`.
bool looks_secret(std::string_view name);

}  // namespace tracediff::redact

// Rule "rules": the user's own rewrites (docs/normalize-rules.md).
//
// `path REGEX REPLACEMENT` applies to paths and fd referents, `string REGEX
// REPLACEMENT` to every string of an event (paths, referents, data). Regexes
// are ECMAScript (std::regex); each distinct input is rewritten once and
// remembered, since the same paths recur thousands of times in a trace.
#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <unordered_map>

#include "normalize/rules.h"
#include "model/errors.h"

namespace tracediff::normalize {

std::vector<RewriteRule> read_rules_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open rules file", path));
  std::vector<RewriteRule> out;
  std::string line;
  unsigned lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::size_t i = line.find_first_not_of(" \t\r");
    if (i == std::string::npos || line[i] == '#') continue;
    // Fields: KIND PATTERN REPLACEMENT, separated by whitespace. A field may
    // be double-quoted to hold spaces (\" and \\ inside quotes).
    std::vector<std::string> fields;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (i >= line.size()) break;
      std::string f;
      if (line[i] == '"') {
        ++i;
        bool closed = false;
        while (i < line.size()) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            f.push_back(line[i + 1]);
            i += 2;
          } else if (line[i] == '"') {
            closed = true;
            ++i;
            break;
          } else {
            f.push_back(line[i++]);
          }
        }
        if (!closed) throw InputError(fmt::format("{}:{}: unterminated quoted field", path, lineno));
      } else {
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') f.push_back(line[i++]);
      }
      fields.push_back(std::move(f));
    }
    if (fields.size() != 3)
      throw InputError(fmt::format("{}:{}: expected 'path|string PATTERN REPLACEMENT', got {} field(s)", path,
                                   lineno, fields.size()));
    RewriteRule r;
    if (fields[0] == "path") r.kind = RewriteRule::Path;
    else if (fields[0] == "string") r.kind = RewriteRule::String;
    else throw InputError(fmt::format("{}:{}: unknown rule kind '{}' (expected path or string)", path, lineno, fields[0]));
    r.pattern = fields[1];
    r.replacement = fields[2];
    r.file = path;
    r.line = lineno;
    try {
      std::regex re(r.pattern);
    } catch (const std::regex_error& e) {
      throw InputError(fmt::format("{}:{}: bad regular expression '{}': {}", path, lineno, r.pattern, e.what()));
    }
    out.push_back(std::move(r));
  }
  return out;
}

namespace detail {

struct UserRewrites::CompiledRule {
  const RewriteRule* rule;
  std::regex re;
};

/// Applies the rules to one string, remembering each distinct input.
class UserRewrites::Rewriter {
 public:
  /// strings_only: apply only `string` rules (to data, which path rules skip).
  Rewriter(const std::vector<CompiledRule>& rules, bool strings_only) : rules_(rules), strings_only_(strings_only) {}
  bool operator()(std::string_view in, std::string& out) {
    auto it = cache_.find(std::string(in));
    if (it == cache_.end()) {
      std::string r(in);
      for (const CompiledRule& c : rules_)
        if (!strings_only_ || c.rule->kind == RewriteRule::String) r = std::regex_replace(r, c.re, c.rule->replacement);
      it = cache_.emplace(std::string(in), std::move(r)).first;
    }
    if (it->second == in) return false;
    out = it->second;
    return true;
  }


 private:
  const std::vector<CompiledRule>& rules_;
  bool strings_only_;
  std::unordered_map<std::string, std::string> cache_;
};

UserRewrites::UserRewrites(const NormalizeOptions& opt) {
  for (const RewriteRule& r : opt.rewrites) {
    try {
      compiled_.push_back({&r, std::regex(r.pattern)});
    } catch (const std::regex_error& e) {
      throw InputError(fmt::format("{}:{}: bad regular expression '{}': {}", r.file, r.line, r.pattern, e.what()));
    }
    any_string_ = any_string_ || r.kind == RewriteRule::String;
  }
  // Path rules see paths and referents; string rules see every string.
  all_ = std::make_unique<Rewriter>(compiled_, false);
  data_ = std::make_unique<Rewriter>(compiled_, true);
}

UserRewrites::~UserRewrites() = default;

bool UserRewrites::rewrite(std::string_view in, std::string& out, bool data) {
  if (compiled_.empty() || (data && !any_string_)) return false;
  return data ? (*data_)(in, out) : (*all_)(in, out);
}

void UserRewrites::apply(Event& e) {
  if (compiled_.empty()) return;
  for_each_string(e, kPaths | kRefs, *all_);
  if (any_string_) for_each_string(e, kData, *data_);
}

void rule_rewrites(Trace& t, NormalizeContext& ctx) {
  if (ctx.options->rewrites.empty()) return;
  UserRewrites rw(*ctx.options);
  for (Event& e : t.events) rw.apply(e);
}

}  // namespace detail
}  // namespace tracediff::normalize

// Rule "host": the host name, user name and home directory of each side
// become $HOST, $USER and $HOME, so /home/alice/.config on one host and
// /home/bob/.config on the other compare equal. Values come from the
// trace's own header; a trace that does not know them (an imported strace
// log) is left as it is.
#include <string_view>

#include "normalize/rules.h"

namespace tracediff::normalize::detail {
namespace {

bool is_word(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
         c == '.';
}

// Replaces `from` by `to` where it stands as a whole word (or, for a
// directory, where a path component boundary follows).
void replace_word(std::string& s, std::string_view from, std::string_view to, bool dir) {
  if (from.empty()) return;
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    std::size_t end = pos + from.size();
    bool left = dir ? (pos == 0 || !is_word(s[pos - 1]) || s[pos - 1] == '.') : (pos == 0 || !is_word(s[pos - 1]));
    bool right = dir ? (end == s.size() || s[end] == '/' || !is_word(s[end])) : (end == s.size() || !is_word(s[end]));
    if (left && right) {
      s.replace(pos, from.size(), to);
      pos += to.size();
    } else {
      pos = end;
    }
  }
}

}  // namespace

HostRule::HostRule(const Header& header) {
  const HostInfo& h = header.host;
  // Short or trivial values would match everywhere; a home of "/" is no
  // information.
  home_ = h.home && h.home->size() > 1 ? *h.home : "";
  while (home_.size() > 1 && home_.back() == '/') home_.pop_back();
  user_ = h.user && h.user->size() >= 2 ? *h.user : "";
  host_ = h.hostname && h.hostname->size() >= 2 ? *h.hostname : "";
}

bool HostRule::operator()(std::string_view in, std::string& out) const {
  auto has = [&](const std::string& v) { return !v.empty() && in.find(v) != std::string_view::npos; };
  if (!has(home_) && !has(user_) && !has(host_)) return false;
  out.assign(in);
  if (has(home_)) replace_word(out, home_, "$HOME", true);
  if (has(user_)) replace_word(out, user_, "$USER", false);
  if (has(host_)) replace_word(out, host_, "$HOST", false);
  return out != in;
}

void HostRule::apply(Event& e) const {
  if (!active()) return;
  for_each_string(e, kPaths | kRefs | kData, *this);
}

void HostRule::finish(Header& header) const {
  if (!active()) return;
  HostInfo& h = header.host;
  if (h.env)
    for (std::string& v : *h.env) rewrite_field(v, *this);
  for (auto& [k, v] : header.options)
    if (k.rfind("task.", 0) != 0) rewrite_field(v, *this);
  if (h.cwd) rewrite_field(*h.cwd, *this);
  for (std::string& c : header.command) rewrite_field(c, *this);
  if (h.home) h.home = "$HOME";
  if (h.user) h.user = "$USER";
  if (h.hostname) h.hostname = "$HOST";
}

void rule_host(Trace& t, NormalizeContext&) {
  HostRule rule(t.header);
  for (Event& e : t.events) rule.apply(e);
  rule.finish(t.header);
}

}  // namespace tracediff::normalize::detail

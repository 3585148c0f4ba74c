// Rule "host": the host name, user name and home directory of each side
// become $HOST, $USER and $HOME, so /home/alice/.config on one host and
// /home/bob/.config on the other compare equal. Values come from the
// trace's own header; a trace that does not know them (an imported strace
// log) is left as it is.
#include <string_view>

#include "normalize/rules.h"

namespace tracediff::detail {
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

void rule_host(Trace& t, NormalizeContext&) {
  HostInfo& h = t.header.host;
  // Short or trivial values would match everywhere; a home of "/" is no
  // information.
  std::string home = h.home && h.home->size() > 1 ? *h.home : "";
  while (home.size() > 1 && home.back() == '/') home.pop_back();
  std::string user = h.user && h.user->size() >= 2 ? *h.user : "";
  std::string host = h.hostname && h.hostname->size() >= 2 ? *h.hostname : "";
  if (home.empty() && user.empty() && host.empty()) return;
  auto fn = [&](std::string& s) {
    if (!home.empty() && s.find(home) != std::string::npos) replace_word(s, home, "$HOME", true);
    if (!user.empty() && s.find(user) != std::string::npos) replace_word(s, user, "$USER", false);
    if (!host.empty() && s.find(host) != std::string::npos) replace_word(s, host, "$HOST", false);
  };
  for (Event& e : t.events) for_each_string(e, kPaths | kRefs | kData, fn);
  if (h.env)
    for (std::string& v : *h.env) fn(v);
  for (auto& [k, v] : t.header.options)
    if (k.rfind("task.", 0) != 0) fn(v);
  if (h.cwd) fn(*h.cwd);
  for (std::string& c : t.header.command) fn(c);
  if (h.home) h.home = "$HOME";
  if (h.user) h.user = "$USER";
  if (h.hostname) h.hostname = "$HOST";
}

}  // namespace tracediff::detail

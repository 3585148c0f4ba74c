// Comparing a message with the data of calls, and what an errno says.
#include "explain/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "model/syscalls.h"

namespace tracediff::explain::detail {

namespace {

// Longest common substring length, on at most the first 4 KiB of each side:
// messages are short and a relayed copy sits near the start of a buffer.
std::size_t common_run(std::string_view a, std::string_view b) {
  constexpr std::size_t kCap = 4096;
  a = a.substr(0, kCap);
  b = b.substr(0, kCap);
  if (a.empty() || b.empty()) return 0;
  std::vector<std::size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  std::size_t best = 0;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : 0;
      best = std::max(best, cur[j]);
    }
    std::swap(prev, cur);
  }
  return best;
}

// How strongly `data` carries (part of) `text`; 0 when it does not. Both may
// be cut short by the tracer (-s), so a long enough common run counts.

}  // namespace

std::size_t share_score(std::string_view text, std::string_view data) {
  std::size_t shorter = std::min(text.size(), data.size());
  if (shorter < 4) return 0;
  // 10 characters: long enough that "Error: " or a pid prefix alone does not
  // link two unrelated messages, short enough for strace's default -s 32.
  std::size_t need = std::min<std::size_t>(10, shorter);
  if (need == 10) {
    // Any common run of 10 holds one of text's 5-byte blocks that start at a
    // multiple of 5: a cheap test before the quadratic one, which matters
    // when a process reads megabytes from sockets.
    bool any = false;
    std::string_view t = text.substr(0, 4096), d = data.substr(0, 4096);
    for (std::size_t k = 0; k + 5 <= t.size() && !any; k += 5) any = d.find(t.substr(k, 5)) != std::string_view::npos;
    if (!any) return 0;
  }
  std::size_t run = common_run(text, data);
  return run >= need ? run : 0;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string errno_text(const Result& r) {
  if (!r.note.empty() && r.note.find(' ') != std::string::npos) return r.note;
  int n = r.errnum ? r.errnum : errno_number(r.err);
  if (n > 0 && n < 512) return std::strerror(n);
  return {};
}

// A non-blocking connect fails later, in getsockopt(SO_ERROR): the call
// succeeds and the error is its data ("[ECONNREFUSED]" or "[111]").
std::string deferred_error(const Event& e) {
  if (e.name != "getsockopt" || e.args.size() < 4 || e.args[2].str != "SO_ERROR") return {};
  if (e.result.state != ResultState::Returned || e.result.failed()) return {};
  const Arg& v = e.args[3].items.empty() ? e.args[3] : e.args[3].items[0];
  std::string s = v.str;
  if (s.empty() && v.has_raw) s = std::to_string(v.raw);
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '[' || c == ']' || c == ' '; }), s.end());
  if (s.empty() || s == "0") return {};
  if (s[0] >= '0' && s[0] <= '9') return errno_name(std::atoi(s.c_str()));
  return s;
}

}  // namespace tracediff::explain::detail

// Scanning helpers shared by the grammar's files (args.cc, result.cc):
// character classes, where a string or -y annotation ends, and integers as
// strace writes them. Inline: they run for nearly every byte of a log.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "strace/parse.h"

namespace tracediff::strace::detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_space(char c) { return c == ' ' || c == '\t'; }

// Index of the closing quote of the string whose opening quote is at `p`,
// or npos.
inline std::size_t string_end(std::string_view s, std::size_t p) {
  std::size_t q = p + 1;
  for (;;) {
    const void* hit = q < s.size() ? std::memchr(s.data() + q, '"', s.size() - q) : nullptr;
    if (!hit) return std::string_view::npos;
    std::size_t e = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
    // Count the backslashes before it: an odd number escapes the quote.
    std::size_t b = e;
    while (b > p + 1 && s[b - 1] == '\\') --b;
    if ((e - b) % 2 == 0) return e;
    q = e + 1;
  }
}

// Index just past the '>' that closes the '<' at `p` (nested <...> and
// [...] count, so "TCP:[1.2.3.4:5->6.7.8.9:10]" and "/dev/null<char 1:3>"
// stay inside), or npos.
inline std::size_t angle_end(std::string_view s, std::size_t p) {
  int angle = 0, square = 0;
  for (std::size_t q = p; q < s.size(); ++q) {
    char c = s[q];
    if (c == '[') ++square;
    else if (c == ']' && square) --square;
    else if (c == '<' && !square) ++angle;
    else if (c == '>' && !square) {
      if (--angle == 0) return q + 1;
    }
  }
  return std::string_view::npos;
}

// Parses an integer as strace shows it: -12, 0x7f00, 0644 (octal).
inline bool parse_int(std::string_view t, std::int64_t& v) {
  if (t.empty()) return false;
  bool neg = t[0] == '-';
  std::size_t p = neg ? 1 : 0;
  if (p >= t.size()) return false;
  std::uint64_t u = 0;
  if (t.size() > p + 2 && t[p] == '0' && (t[p + 1] == 'x' || t[p + 1] == 'X')) {
    for (std::size_t i = p + 2; i < t.size(); ++i) {
      char c = t[i];
      int d;
      if (is_digit(c)) d = c - '0';
      else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
      else return false;
      u = u * 16 + static_cast<unsigned>(d);
    }
  } else if (t[p] == '0' && t.size() > p + 1) {
    for (std::size_t i = p + 1; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '7') return false;
      u = u * 8 + static_cast<unsigned>(t[i] - '0');
    }
  } else {
    for (std::size_t i = p; i < t.size(); ++i) {
      if (!is_digit(t[i])) return false;
      u = u * 10 + static_cast<unsigned>(t[i] - '0');
    }
  }
  // Unsigned negation wraps by definition; -INT64_MIN would not.
  v = static_cast<std::int64_t>(neg ? 0 - u : u);
  return true;
}

inline bool is_plain_decimal(std::string_view t) {
  std::size_t p = !t.empty() && t[0] == '-' ? 1 : 0;
  if (p >= t.size() || (t[p] == '0' && t.size() > p + 1)) return false;
  for (std::size_t i = p; i < t.size(); ++i)
    if (!is_digit(t[i])) return false;
  return true;
}

inline std::string_view trim(std::string_view t) {
  while (!t.empty() && is_space(t.front())) t.remove_prefix(1);
  while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
  return t;
}

}  // namespace tracediff::strace::detail

// The grammar of what follows a call's arguments: " = 3</etc/x> <0.000012>",
// "= -1 ENOENT (No such file or directory)", "= ? <unavailable>", ...
#include <cctype>

#include "strace/parse.h"
#include "strace/scan.h"

namespace tracediff::strace::detail {
namespace {

// Scans a balanced "( ... )" starting at `p`; returns the index past ')'.
std::size_t paren_end(std::string_view s, std::size_t p) {
  int depth = 0;
  for (std::size_t q = p; q < s.size(); ++q) {
    char c = s[q];
    if (c == '"') {
      std::size_t e = string_end(s, q);
      if (e == std::string_view::npos) return std::string_view::npos;
      q = e;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (--depth == 0) return q + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool parse_result(std::string_view s, Result& r, std::int64_t& dur_ns) {
  std::size_t p = 0;
  auto skip_ws = [&] {
    while (p < s.size() && is_space(s[p])) ++p;
  };
  skip_ws();
  if (p >= s.size() || s[p] != '=') return false;
  ++p;
  skip_ws();
  if (p >= s.size()) return false;
  if (s[p] == '?') {
    r.state = ResultState::Unknown;
    ++p;
  } else {
    std::size_t q = p;
    if (s[q] == '-') ++q;
    if (q + 1 < s.size() && s[q] == '0' && (s[q + 1] == 'x' || s[q + 1] == 'X')) {
      q += 2;
      while (q < s.size() && std::isxdigit(static_cast<unsigned char>(s[q]))) ++q;
    } else {
      while (q < s.size() && is_digit(s[q])) ++q;
    }
    std::string_view num = s.substr(p, q - p);
    std::int64_t v;
    if (!parse_int(num, v)) return false;
    r.state = ResultState::Returned;
    r.value = v;
    if (!is_plain_decimal(num)) r.str.assign(num);
    p = q;
    if (p < s.size() && s[p] == '<') {  // = 3</etc/passwd>, = 1235<sh>
      std::size_t e = angle_end(s, p);
      if (e == std::string_view::npos) return false;
      std::string_view ref = s.substr(p + 1, e - p - 2);
      if (ref.find('\\') == std::string_view::npos) r.ref.assign(ref);
      else decode_escapes(ref, r.ref);
      p = e;
    }
  }
  for (;;) {
    skip_ws();
    if (p >= s.size()) return true;
    char c = s[p];
    if (c == '<') {
      std::size_t e = s.find('>', p);
      if (e == std::string_view::npos) return false;
      std::string_view inner = s.substr(p + 1, e - p - 1);
      if (inner == "unavailable") {
        r.state = ResultState::Unavailable;
      } else if (!parse_seconds(inner, dur_ns)) {
        return false;
      }
      p = e + 1;
    } else if (c == '(') {
      std::size_t e = paren_end(s, p);
      if (e == std::string_view::npos) return false;
      std::string_view inner = s.substr(p + 1, e - p - 2);
      std::int64_t n;
      if (inner == "INJECTED") {
        r.injected = true;
      } else if (inner.size() > 6 && inner.compare(0, 6, "errno ") == 0 && parse_int(inner.substr(6), n)) {
        r.errnum = static_cast<int>(n);
      } else if (r.note.empty()) {
        r.note.assign(inner);
      } else {
        r.note += "; ";
        r.note += inner;
      }
      p = e;
    } else if (c == 'E' && r.err.empty()) {
      std::size_t q = p;
      while (q < s.size() && is_ident_char(s[q])) ++q;
      r.err.assign(s.substr(p, q - p));
      r.errnum = errno_number(r.err);
      p = q;
    } else {
      return false;
    }
  }
}

}  // namespace tracediff::strace::detail

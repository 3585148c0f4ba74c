// Line-level scanning of strace output: colours, pid prefixes, timestamps,
// and C escapes.
#include <cctype>
#include <cstdint>
#include <cstring>

#include "strace/parse.h"

namespace tracediff::strace::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads decimal digits at s[p...]; returns how many.
// Values are capped at kMaxUint so that no later arithmetic overflows: no
// pid, time or duration strace prints comes near it.
constexpr std::int64_t kMaxUint = 9'000'000'000LL;

std::size_t read_uint(std::string_view s, std::size_t p, std::int64_t& v) {
  std::size_t q = p;
  v = 0;
  while (q < s.size() && is_digit(s[q])) {
    if (v <= kMaxUint) v = v * 10 + (s[q] - '0');
    ++q;
  }
  if (v > kMaxUint) v = kMaxUint;
  return q - p;
}

// ".123456789" -> ns; `p` is after the dot. Digits past the ninth are
// dropped (strace never prints more than ns).
std::size_t read_fraction(std::string_view s, std::size_t p, std::int64_t& ns) {
  std::size_t q = p;
  ns = 0;
  int n = 0;
  while (q < s.size() && is_digit(s[q])) {
    if (n < 9) {
      ns = ns * 10 + (s[q] - '0');
      ++n;
    }
    ++q;
  }
  for (; n < 9; ++n) ns *= 10;
  return q - p;
}

// Epoch seconds are above this, relative (-r) deltas below: 1e8 s is three
// years, far longer than any delta between two calls and far earlier than
// any clock strace ran under.
constexpr std::int64_t kEpochThresholdNs = 100'000'000LL * 1'000'000'000LL;

}  // namespace

void parse_prefix_fields(std::string_view& s, LinePrefix& out);

std::string_view strip_ansi(std::string_view line, std::string& scratch) {
  if (std::memchr(line.data(), '\x1b', line.size()) == nullptr) return line;
  scratch.clear();
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\x1b') {
      scratch.push_back(line[i]);
      continue;
    }
    // CSI: ESC [ parameters... final byte in @..~; other escapes are two bytes.
    if (i + 1 < line.size() && line[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < line.size() && !(line[j] >= '@' && line[j] <= '~')) ++j;
      i = j;
    } else {
      ++i;
    }
  }
  return scratch;
}

// -n "[  59] " (syscall number) and -i "[00007f9e35b25ad7] " (instruction
// pointer) come before the call; the model has no field for either. Where
// there is no instruction pointer to show (exit lines, "+++ exited with 0
// +++"), -i writes question marks instead, "[????????????????] " (eight on
// a 32-bit tracee).
void skip_bracket_fields(std::string_view& s) {
  while (s.size() > 3 && s[0] == '[') {
    std::size_t q = 1;
    while (q < s.size() && s[q] == ' ') ++q;
    std::size_t d = q;
    while (q < s.size() && (std::isxdigit(static_cast<unsigned char>(s[q])) || s[q] == '?')) ++q;
    if (q == d || q + 1 >= s.size() || s[q] != ']' || s[q + 1] != ' ') return;
    s.remove_prefix(q + 2);
  }
}

void parse_prefix(std::string_view& s, LinePrefix& out) {
  parse_prefix_fields(s, out);
  skip_bracket_fields(s);
}

void parse_prefix_fields(std::string_view& s, LinePrefix& out) {
  std::size_t p = 0;
  std::int64_t v = 0;
  if (s.size() > 5 && s.compare(0, 4, "[pid") == 0) {
    p = 4;
    while (p < s.size() && s[p] == ' ') ++p;
    std::size_t n = read_uint(s, p, v);
    if (n && v <= INT32_MAX) {
      std::size_t q = p + n;
      if (q < s.size() && s[q] == '<') {  // [pid 1234<comm>]
        std::size_t e = s.find('>', q);
        q = e == std::string_view::npos ? s.size() : e + 1;
      }
      if (q < s.size() && s[q] == ']') {
        out.pid = static_cast<std::int32_t>(v);
        p = q + 1;
        while (p < s.size() && s[p] == ' ') ++p;
        s.remove_prefix(p);
        p = 0;
      }
    }
  } else if (!s.empty() && is_digit(s[0])) {
    std::size_t n = read_uint(s, 0, v);
    if (v > INT32_MAX) n = 0;  // not a pid: leave it to the rest of the line
    std::size_t q = n;
    if (q < s.size() && s[q] == '<') {  // 1234<comm> (--decode-pids=comm)
      std::size_t e = s.find('>', q);
      if (e != std::string_view::npos && e + 1 < s.size() && s[e + 1] == ' ') {
        out.pid = static_cast<std::int32_t>(v);
        q = e + 1;
      }
    } else if (q < s.size() && s[q] == ' ') {
      out.pid = static_cast<std::int32_t>(v);
    }
    if (out.pid) {
      while (q < s.size() && s[q] == ' ') ++q;
      s.remove_prefix(q);
    }
  }

  // Timestamp: "HH:MM:SS[.frac] " or "N.frac " (possibly right-aligned).
  p = 0;
  while (p < s.size() && s[p] == ' ') ++p;
  if (p >= s.size() || !is_digit(s[p])) return;
  std::int64_t a = 0;
  std::size_t n = read_uint(s, p, a);
  std::size_t q = p + n;
  if (q < s.size() && s[q] == ':') {
    if (a > 99) return;  // hours
    std::int64_t m = 0, sec = 0, frac = 0;
    std::size_t n2 = read_uint(s, q + 1, m);
    if (n2 != 2 || q + 3 >= s.size() || s[q + 3] != ':') return;
    std::size_t n3 = read_uint(s, q + 4, sec);
    if (n3 != 2) return;
    q += 6;
    if (q < s.size() && s[q] == '.') q += 1 + read_fraction(s, q + 1, frac);
    if (q >= s.size() || s[q] != ' ') return;
    out.stamp = StampKind::TimeOfDay;
    out.stamp_ns = ((a * 60 + m) * 60 + sec) * 1'000'000'000LL + frac;
  } else if (q < s.size() && s[q] == '.') {
    std::int64_t frac = 0;
    std::size_t nf = read_fraction(s, q + 1, frac);
    if (!nf) return;
    q += 1 + nf;
    if (q >= s.size() || s[q] != ' ') return;
    out.stamp_ns = a * 1'000'000'000LL + frac;
    out.stamp = out.stamp_ns >= kEpochThresholdNs ? StampKind::Epoch : StampKind::Relative;
  } else {
    return;
  }
  while (q < s.size() && s[q] == ' ') ++q;
  s.remove_prefix(q);
}

bool parse_seconds(std::string_view s, std::int64_t& ns) {
  std::int64_t a = 0, frac = 0;
  std::size_t n = read_uint(s, 0, a);
  if (!n) return false;
  if (n == s.size()) {
    ns = a * 1'000'000'000LL;
    return true;
  }
  if (s[n] != '.') return false;
  std::size_t nf = read_fraction(s, n + 1, frac);
  if (n + 1 + nf != s.size()) return false;
  ns = a * 1'000'000'000LL + frac;
  return true;
}

void decode_escapes(std::string_view b, std::string& out) {
  out.reserve(out.size() + b.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    // Copy up to the next backslash in one go.
    const void* bs = std::memchr(b.data() + i, '\\', b.size() - i);
    std::size_t j = bs ? static_cast<std::size_t>(static_cast<const char*>(bs) - b.data()) : b.size();
    out.append(b.data() + i, j - i);
    i = j;
    if (i >= b.size()) break;
    if (i + 1 >= b.size()) {
      out.push_back('\\');
      break;
    }
    char e = b[++i];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'f': out.push_back('\f'); break;
      case 'v': out.push_back('\v'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'e': out.push_back('\x1b'); break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < b.size() && std::isxdigit(static_cast<unsigned char>(b[i + 1]))) {
          char h = b[++i];
          v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
          ++n;
        }
        if (n) out.push_back(static_cast<char>(v));
        else out += "\\x";
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int n = 1; n < 3 && i + 1 < b.size() && b[i + 1] >= '0' && b[i + 1] <= '7'; ++n)
            v = v * 8 + (b[++i] - '0');
          out.push_back(static_cast<char>(v));
        } else {
          // \\ \" \' \? and anything unknown: the character itself.
          out.push_back(e);
        }
    }
  }
}

}  // namespace tracediff::strace::detail

// The grammar of strace's argument lists (return values: result.cc).
//
// A value is a quoted string (maybe followed by "..." when cut), a struct
// {a=1, b=2}, an array [a, b] or bitset [CHLD TTOU] (~[...] negated), or a
// scalar: everything up to the next ',' or closing bracket at depth 0, which
// covers numbers, flags A|B, NULL, calls such as makedev(1, 3), htons(80),
// inet_addr("1.2.3.4"), fd annotations 3</etc/passwd> and /* comments */.
// Strings are skipped as units, so a ") = " inside one cannot end a call.
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstring>

#include "strace/parse.h"
#include "strace/scan.h"

namespace tracediff::strace::detail {
namespace {

// A set of bits written as shifts, as strace writes capability sets:
// 1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE (and names between, CAP_X|1<<CAP_Y).
bool looks_like_shifted_bits(std::string_view t) {
  if (t.find("<<") == std::string_view::npos) return false;
  std::size_t p = 0;
  while (p <= t.size()) {
    std::size_t e = t.find('|', p);
    if (e == std::string_view::npos) e = t.size();
    std::string_view term = t.substr(p, e - p);
    std::size_t shift = term.find("<<");
    std::string_view name = shift == std::string_view::npos ? term : term.substr(shift + 2);
    if (shift != std::string_view::npos && !is_plain_decimal(term.substr(0, shift))) return false;
    if (name.empty()) return false;
    std::int64_t bit;
    if (is_digit(name[0])) {
      if (!parse_int(name, bit)) return false;  // a bit with no name: 1<<40
    } else {
      for (char c : name)
        if (!is_ident_char(c)) return false;
    }
    p = e + 1;
  }
  return true;
}

// A symbolic constant or flag set: O_RDONLY|O_CLOEXEC, S_IFREG|0644, SEEK_SET.
bool looks_like_flags(std::string_view t) {
  if (t.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(t[0])) || t[0] == '_')) return looks_like_shifted_bits(t);
  for (char c : t)
    if (!is_ident_char(c) && c != '|') return looks_like_shifted_bits(t);
  return true;
}


// The text between the first pair of double quotes in `t`: inet_addr("1.2.3.4").
std::string_view quoted_in(std::string_view t) {
  std::size_t a = t.find('"');
  if (a == std::string_view::npos) return {};
  std::size_t b = t.find('"', a + 1);
  if (b == std::string_view::npos) return {};
  return t.substr(a + 1, b - a - 1);
}

// The number inside htons(80).
std::string_view paren_arg(std::string_view t) {
  std::size_t a = t.find('(');
  std::size_t b = t.rfind(')');
  if (a == std::string_view::npos || b == std::string_view::npos || b < a) return t;
  return t.substr(a + 1, b - a - 1);
}

const Arg* field(const Arg& st, std::string_view name) {
  for (const Arg& i : st.items)
    if (i.name == name) return &i;
  return nullptr;
}

// Gives a struct with sa_family a canonical one-line form:
// AF_UNIX:/path, AF_INET:1.2.3.4:80, AF_INET6:[::1]:80, else the family.
void make_sockaddr(Arg& a) {
  const Arg* fam = field(a, "sa_family");
  if (!fam) return;
  std::string family = fam->str;
  if (family == "AF_LOCAL" || family == "AF_FILE") family = "AF_UNIX";
  a.kind = ArgKind::SockAddr;
  a.str = family;
  if (family == "AF_UNIX") {
    if (const Arg* p = field(a, "sun_path")) {
      a.str += ':';
      a.str += p->str;
    }
  } else if (family == "AF_INET") {
    const Arg* addr = field(a, "sin_addr");
    const Arg* port = field(a, "sin_port");
    if (addr) {
      a.str += ':';
      a.str += quoted_in(addr->str);
    }
    if (port) {
      a.str += ':';
      a.str += trim(paren_arg(port->str));
    }
  } else if (family == "AF_INET6") {
    const Arg* addr = field(a, "sin6_addr");
    // strace 4.x-6.x write the address as an unnamed item:
    // inet_pton(AF_INET6, "::1", &sin6_addr).
    for (const Arg& i : a.items)
      if (!addr && i.name.empty() && i.str.rfind("inet_pton(", 0) == 0) addr = &i;
    const Arg* port = field(a, "sin6_port");
    if (addr) {
      a.str += ":[";
      a.str += quoted_in(addr->str);
      a.str += ']';
    }
    if (port) {
      a.str += ':';
      a.str += trim(paren_arg(port->str));
    }
  } else {
    // inet_pton(AF_INET6, "::1", &sin6_addr) also shows up as an unnamed
    // item in older versions; other families keep their fields in items.
  }
}

// [CHLD TTOU]: one scalar of space-separated names becomes one item each.
void split_bitset(Arg& a) {
  if (a.items.size() != 1) return;
  const Arg& only = a.items[0];
  if (!only.name.empty() || only.kind != ArgKind::Other) return;
  std::string_view t = only.str;
  if (t.find(' ') == std::string_view::npos) return;
  for (char c : t)
    if (!is_ident_char(c) && c != ' ') return;
  ArgList items;
  std::size_t p = 0;
  while (p < t.size()) {
    std::size_t e = t.find(' ', p);
    if (e == std::string_view::npos) e = t.size();
    if (e > p) {
      Arg f;
      f.kind = ArgKind::Flags;
      f.str.assign(t.substr(p, e - p));
      items.push_back(std::move(f));
    }
    p = e + 1;
  }
  a.items = std::move(items);
  a.str += ' ';
}

bool is_composite(ArgKind k) {
  return k == ArgKind::Struct || k == ArgKind::Array || k == ArgKind::SockAddr;
}

bool all_unnamed_structs(const ArgList& items) {
  for (const Arg& i : items)
    if (i.kind != ArgKind::Struct || !i.name.empty()) return false;
  return !items.empty();
}

// The bytes that can change how a scalar is scanned.
constexpr std::array<bool, 256> kScalarSpecial = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : std::string_view("\"/<([{)]},")) t[c] = true;
  return t;
}();

class ValueParser {
 public:
  ValueParser(std::string_view s, std::size_t pos, std::vector<std::vector<Arg>>& pool)
      : s_(s), p_(pos), pool_(pool) {}
  std::size_t pos() const { return p_; }

  // Items up to and including `close`. They are parsed into a scratch
  // vector kept per depth and moved out once, at their final count: growing
  // `out` item by item moved every Arg several times, and the list's block
  // is allocated once at its size.
  // `spaced`: some items were separated by blanks alone (strace 4.x).
  bool list(char close, ArgList& out, bool& spaced) {
    skip_ws();
    if (p_ < s_.size() && s_[p_] == close) {
      ++p_;
      return true;
    }
    if (pool_.size() <= static_cast<std::size_t>(depth_)) pool_.resize(depth_ + 1);
    std::vector<Arg> items = std::move(pool_[depth_]);
    items.clear();
    bool ok = list_items(close, items, spaced);
    if (ok) {
      out.reserve(out.size() + items.size());
      for (Arg& a : items) out.push_back(std::move(a));
    }
    items.clear();
    pool_[depth_] = std::move(items);
    return ok;
  }

  bool list_items(char close, std::vector<Arg>& out, bool& spaced) {
    for (;;) {
      out.emplace_back();
      if (!value(out.back())) return false;
      std::size_t end = p_;
      skip_ws();
      if (p_ >= s_.size()) return false;
      char c = s_[p_];
      if (c == close) {
        ++p_;
        return true;
      }
      if (c != ',') {
        // strace 4.x left the comma out after some composites: getdents'
        // entries "{d_ino=2, ...} {d_ino=5, ...}", sysinfo's
        // "loads=[2112, 2400, 7392] totalram=1049055232". There a blank
        // after a struct or array separates two items.
        if (p_ == end || !is_composite(out.back().kind)) return false;
        spaced = true;
        continue;
      }
      ++p_;
      skip_ws();
      // "3, ) = 3": a joined unfinished/resumed pair with nothing after the comma.
      if (p_ < s_.size() && s_[p_] == close) {
        ++p_;
        return true;
      }
    }
  }

  bool value(Arg& a) {
    skip_ws();
    if (depth_ > kMaxDepth) return false;
    // name=value (but not "a == b" inside WIFEXITED(s) && WEXITSTATUS(s) == 0).
    std::size_t q = p_;
    while (q < s_.size() && (is_ident_char(s_[q]) || s_[q] == '.')) ++q;
    if (q > p_ && q < s_.size() && s_[q] == '=' && (q + 1 >= s_.size() || s_[q + 1] != '=') &&
        !is_digit(s_[p_])) {
      a.name.assign(s_.substr(p_, q - p_));
      p_ = q + 1;
    }
    if (p_ >= s_.size()) return false;
    char c = s_[p_];
    bool ok;
    if (c == '"') {
      ok = string(a, false);
    } else if (c == '@' && p_ + 1 < s_.size() && s_[p_ + 1] == '"') {
      ++p_;
      ok = string(a, true);  // abstract unix socket name
    } else if (c == '{') {
      ++p_;
      a.kind = ArgKind::Struct;
      ++depth_;
      bool spaced = false;
      ok = list('}', a.items, spaced);
      --depth_;
      // strace 4.x -v wrote getdents' entries as "{{...} {...}}": an array.
      if (ok && spaced && all_unnamed_structs(a.items)) a.kind = ArgKind::Array;
      if (ok) make_sockaddr(a);
    } else if (c == '[' || (c == '~' && p_ + 1 < s_.size() && s_[p_ + 1] == '[')) {
      if (c == '~') {
        a.str = "~";
        ++p_;
      }
      ++p_;
      a.kind = ArgKind::Array;
      ++depth_;
      bool spaced = false;
      ok = list(']', a.items, spaced);
      --depth_;
      if (ok) split_bitset(a);
    } else {
      return scalar(a);
    }
    if (!ok) return false;
    // A comment after a string or composite (/* 3 entries */) says nothing
    // the items do not; "{...} => {...}" shows a value changed by the call.
    std::size_t save = p_;
    skip_ws();
    if (s_.compare(p_, 2, "/*") == 0) {
      std::size_t e = s_.find("*/", p_ + 2);
      if (e == std::string_view::npos) return false;
      p_ = e + 2;
      save = p_;
      skip_ws();
    }
    if (s_.compare(p_, 2, "=>") == 0) {
      p_ += 2;
      Arg after;
      if (!value(after)) return false;
      Arg both;
      both.kind = ArgKind::Array;
      both.name = std::move(a.name);
      both.str = "=>";
      a.name.clear();
      both.items.push_back(std::move(a));
      both.items.push_back(std::move(after));
      a = std::move(both);
      return true;
    }
    p_ = save;
    return true;
  }

 private:
  // Deep enough for any struct strace prints, shallow enough that a hostile
  // input cannot exhaust the stack.
  static constexpr int kMaxDepth = 64;

  void skip_ws() {
    while (p_ < s_.size() && is_space(s_[p_])) ++p_;
  }

  bool string(Arg& a, bool abstract) {
    std::size_t e = string_end(s_, p_);
    if (e == std::string_view::npos) return false;
    a.kind = ArgKind::String;
    std::string_view body = s_.substr(p_ + 1, e - p_ - 1);
    if (abstract) a.str.push_back('@');
    if (body.find('\\') == std::string_view::npos) a.str.append(body);
    else decode_escapes(body, a.str);
    p_ = e + 1;
    if (s_.compare(p_, 3, "...") == 0) {
      a.truncated = true;
      p_ += 3;
    }
    return true;
  }

  // Where a scalar's parts are, as offsets into s_.
  struct ScalarSpan {
    std::size_t start = 0, end = 0;
    std::size_t annot = std::string_view::npos, annot_end = 0;  // -y "<...>" after the value
    std::size_t comment = std::string_view::npos;               // "/* ... */" at depth 0
  };

  // Everything to the next ',' or closer at depth 0.
  bool scalar(Arg& a) {
    ScalarSpan span;
    if (!scan_scalar(span)) return false;
    std::string_view text = trim(s_.substr(span.start, span.end - span.start));
    if (text.empty()) return false;
    std::size_t base_end = text.size();
    if (span.annot != std::string_view::npos) base_end = span.annot - span.start;
    else if (span.comment != std::string_view::npos) base_end = span.comment - span.start;
    std::string_view base = trim(text.substr(0, base_end));
    if (span.annot != std::string_view::npos) fd_scalar(a, base, span);
    else typed_scalar(a, base, text);
    return true;
  }

  // Moves p_ to the end of the scalar starting there, noting where its
  // annotation and comment are. False when a string, comment or
  // annotation in it never closes.
  bool scan_scalar(ScalarSpan& span) {
    span.start = p_;
    int depth = 0;
    while (p_ < s_.size()) {
      // Most bytes of a scalar are none of the ones below: skip them fast.
      if (!kScalarSpecial[static_cast<unsigned char>(s_[p_])]) {
        ++p_;
        continue;
      }
      char c = s_[p_];
      if (c == '"') {
        std::size_t e = string_end(s_, p_);
        if (e == std::string_view::npos) return false;
        p_ = e + 1;
        continue;
      }
      if (c == '/' && p_ + 1 < s_.size() && s_[p_ + 1] == '*') {
        std::size_t e = s_.find("*/", p_ + 2);
        if (e == std::string_view::npos) return false;
        if (span.comment == std::string_view::npos && depth == 0) span.comment = p_;
        p_ = e + 2;
        continue;
      }
      if (c == '<' && p_ + 1 < s_.size() && s_[p_ + 1] == '<') {
        p_ += 2;  // a shift, not an annotation: capabilities "1<<CAP_CHOWN|1<<CAP_KILL"
        continue;
      }
      if (c == '<' && depth == 0 && p_ > span.start && is_ident_char(s_[p_ - 1]) &&
          span.annot == std::string_view::npos) {
        std::size_t e = angle_end(s_, p_);
        if (e == std::string_view::npos) return false;
        span.annot = p_;
        span.annot_end = e;
        p_ = e;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
      ++p_;
    }
    span.end = p_;
    return true;
  }

  // -y: 3</etc/passwd>, AT_FDCWD</home/u>, 3<TCP:[...]>
  void fd_scalar(Arg& a, std::string_view base, const ScalarSpan& span) {
    a.kind = ArgKind::Fd;
    std::string_view ref = s_.substr(span.annot + 1, span.annot_end - span.annot - 2);
    if (ref.find('\\') == std::string_view::npos) a.ref.assign(ref);
    else decode_escapes(ref, a.ref);
    std::int64_t v;
    if (parse_int(base, v)) {
      a.has_raw = true;
      a.raw = v;
      if (!is_plain_decimal(base)) a.str.assign(base);
    } else {
      a.str.assign(base);
      if (base == "AT_FDCWD") {
        a.has_raw = true;
        a.raw = -100;  // AT_FDCWD on Linux
      }
    }
  }

  // A number, NULL, a flag set, or anything else kept as written.
  static void typed_scalar(Arg& a, std::string_view base, std::string_view text) {
    std::int64_t v;
    if (parse_int(base, v)) {
      a.kind = ArgKind::Int;
      a.has_raw = true;
      a.raw = v;
      if (base.size() != text.size() || !is_plain_decimal(base)) a.str.assign(text);
    } else if (base == "NULL") {
      a.kind = ArgKind::Other;
      a.has_raw = true;
      a.raw = 0;
      a.str.assign(text);
    } else if (looks_like_flags(base)) {
      a.kind = ArgKind::Flags;
      a.str.assign(text);
    } else {
      a.kind = ArgKind::Other;
      a.str.assign(text);
    }
  }

  std::string_view s_;
  std::size_t p_;
  std::vector<std::vector<Arg>>& pool_;
  int depth_ = 0;
};

// Scratch lists reused across calls (one per nesting depth).
std::vector<std::vector<Arg>>& arg_pool() {
  thread_local std::vector<std::vector<Arg>> pool;
  return pool;
}

// True when all of `text` is one value, parsed into `a`.
bool whole_value(std::string_view text, Arg& a) {
  ValueParser vp(text, 0, arg_pool());
  if (!vp.value(a)) return false;
  std::size_t p = vp.pos();
  while (p < text.size() && is_space(text[p])) ++p;
  return p == text.size();
}

// An argument the grammar does not know, kept as written (with its name
// when it has one: "name=...").
Arg raw_arg(std::string_view text) {
  Arg a;
  a.kind = ArgKind::Other;
  std::size_t q = 0;
  while (q < text.size() && (is_ident_char(text[q]) || text[q] == '.')) ++q;
  if (q > 0 && q + 1 < text.size() && text[q] == '=' && text[q + 1] != '=' && !is_digit(text[0])) {
    a.name.assign(text.substr(0, q));
    text = trim(text.substr(q + 1));
  }
  a.str.assign(text);
  return a;
}

// The arguments of a list starting at `pos`, split at its top-level commas
// up to the ')' that closes it (at `close`). Strings and brackets are
// respected; their contents are not looked at. False when the list never
// closes, a string never ends or a bracket closes what was not opened.
bool split_args(std::string_view s, std::size_t pos, std::vector<std::string_view>& pieces, std::size_t& close) {
  std::string open;  // the closers still expected, innermost last
  std::size_t start = pos;
  for (std::size_t q = pos; q < s.size(); ++q) {
    char c = s[q];
    if (c == '"') {
      std::size_t e = string_end(s, q);
      if (e == std::string_view::npos) return false;
      q = e;
    } else if (c == '(' || c == '[' || c == '{') {
      open.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' && open.empty()) {
      pieces.push_back(s.substr(start, q - start));
      close = q;
      return true;
    } else if (c == ')' || c == ']' || c == '}') {
      if (open.empty() || open.back() != c) return false;
      open.pop_back();
    } else if (c == ',' && open.empty()) {
      pieces.push_back(s.substr(start, q - start));
      start = q + 1;
    }
  }
  return false;
}

}  // namespace

bool parse_arg_list(std::string_view s, std::size_t& pos, ArgList& out) {
  ValueParser vp(s, pos, arg_pool());
  bool spaced = false;
  bool ok = vp.list(')', out, spaced);
  pos = vp.pos();
  return ok;
}

bool parse_arg_list_lenient(std::string_view s, std::size_t& pos, ArgList& out) {
  std::size_t close = std::string_view::npos;
  std::vector<std::string_view> pieces;
  if (!split_args(s, pos, pieces, close)) return false;
  ArgList args;
  for (std::string_view piece : pieces) {
    piece = trim(piece);
    if (piece.empty()) continue;  // "3, )": nothing after the last comma
    args.emplace_back();
    if (!whole_value(piece, args.back())) args.back() = raw_arg(piece);
  }
  for (Arg& a : args) out.push_back(std::move(a));
  pos = close + 1;
  return true;
}

void parse_aside(std::string_view inner, Arg& out) {
  inner = trim(inner);
  std::size_t w = 0;
  while (w < inner.size() && is_ident_char(inner[w])) ++w;
  if (w > 0 && w < inner.size() && is_space(inner[w]) && whole_value(trim(inner.substr(w)), out)) {
    out.name.assign(inner.substr(0, w));
    return;
  }
  out = Arg{};
  out.kind = ArgKind::Other;
  out.str.assign(inner);
}

}  // namespace tracediff::strace::detail

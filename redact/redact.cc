// The Redactor: the rules of patterns.h applied where a trace holds values.
#include "redact/redact.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <unistd.h>

#include <cstdint>
#include <regex>

#include "model/byte_scan.h"
#include "model/errors.h"
#include "model/syscalls.h"
#include "redact/patterns.h"
#include "redact/sha256.h"

namespace tracediff::redact {
namespace {

// Whether `s` holds a ':' or '=', where every rule starts ("scheme://",
// "name=value", "Name: value"): most strings (paths, names) hold neither.
// Eight bytes at a time, where find_first_of(":=") looked its set up once
// per byte.
bool has_separator(std::string_view s) {
  using namespace bytescan;
  return any_byte(
      s, [](std::uint64_t w) { return equal_to(w, ':') | equal_to(w, '='); },
      [](unsigned char c) { return c == ':' || c == '='; });
}

// Hex digits of the digest kept in a marker: 64 bits tell two values apart
// (a chance collision needs billions of values) and are far from enough to
// look a value up.
constexpr std::size_t kDigestBytes = 8;
constexpr std::string_view kMarkerStart = "<redacted ";

// What the key's fingerprint is a digest of: it names the key without
// being a digest of any value.
constexpr std::string_view kKeyIdMessage = "tracediff redaction key id";

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}
bool is_space(char c) { return c == ' ' || c == '\t'; }
bool ends_line(char c) { return c == '\n' || c == '\r' || c == '\0'; }
bool is_quote(char c) { return c == '"' || c == '\''; }

// 32 bytes: as many as the HMAC's hash gives, more would add nothing.
std::string random_key() {
  std::string k(32, '\0');
  // getrandom(2) (Linux 3.17), else /dev/urandom for an older kernel; a
  // key guessable from the time would make the digests guessable too.
  if (getrandom(k.data(), k.size(), 0) == static_cast<ssize_t>(k.size())) return k;
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = ::read(fd, k.data(), k.size());
    ::close(fd);
    if (n == static_cast<ssize_t>(k.size())) return k;
  }
  throw InputError(
      "redaction: no random key (getrandom and /dev/urandom failed): give --redact-key or TRACEDIFF_REDACT_KEY");
}

}  // namespace

const char* to_string(Level l) {
  switch (l) {
    case Level::None: return "none";
    case Level::Default: return "default";
    case Level::Full: return "full";
  }
  return "?";
}

void check_pattern(const std::string& pattern) {
  try {
    std::regex re(pattern, std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error& e) {
    throw InputError(fmt::format("--redact-pattern '{}': not a valid regular expression ({})", pattern, e.what()));
  }
}

std::string make_marker(std::size_t length, std::string_view digest) {
  return digest.empty() ? fmt::format("<redacted {} bytes>", length)
                        : fmt::format("<redacted {} bytes {}>", length, digest);
}

std::optional<Marker> parse_marker(std::string_view s) {
  if (!s.starts_with(kMarkerStart) || !s.ends_with(">")) return std::nullopt;
  std::string_view rest = s.substr(kMarkerStart.size(), s.size() - kMarkerStart.size() - 1);
  std::size_t sp = rest.find(' ');
  if (sp == std::string_view::npos || sp == 0) return std::nullopt;
  std::string_view num = rest.substr(0, sp);
  if (num.find_first_not_of("0123456789") != std::string_view::npos || num.size() > 18) return std::nullopt;
  Marker m;
  m.length = std::stoull(std::string(num));
  rest.remove_prefix(sp + 1);
  if (rest == "bytes") return m;
  if (!rest.starts_with("bytes ")) return std::nullopt;
  rest.remove_prefix(6);
  if (rest.empty() || rest.find_first_not_of("0123456789abcdef") != std::string_view::npos) return std::nullopt;
  m.digest = std::string(rest);
  return m;
}

bool has_marker(std::string_view s) { return s.find(kMarkerStart) != std::string_view::npos; }

std::string without_digests(std::string_view s) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t at = s.find(kMarkerStart); at != std::string_view::npos; at = s.find(kMarkerStart, at + 1)) {
    std::size_t end = s.find('>', at);
    if (end == std::string_view::npos) break;
    auto m = parse_marker(s.substr(at, end + 1 - at));
    if (!m || m->digest.empty()) continue;
    out.append(s, done, at - done);
    out += make_marker(m->length, "");
    done = end + 1;
  }
  out.append(s, done, std::string_view::npos);
  return out;
}

bool HeaderRedaction::comparable(const HeaderRedaction& o) const {
  return key.starts_with("user ") && key == o.key;
}

HeaderRedaction redaction_of(const Header& h) {
  HeaderRedaction r;
  auto l = h.options.find(kLevelOption);
  if (l != h.options.end()) {
    if (l->second == "default") r.level = Level::Default;
    else if (l->second == "full") r.level = Level::Full;
  } else if (auto old = h.options.find("redact"); old != h.options.end() && old->second == "true") {
    r.level = Level::Full;  // a recording made before the redaction library: --redact
  }
  if (auto k = h.options.find(kKeyOption); k != h.options.end()) r.key = k->second;
  return r;
}

std::string redaction_note(const Header& h) {
  HeaderRedaction r = redaction_of(h);
  if (h.options.find(kLevelOption) == h.options.end() && r.level == Level::None) return "";
  if (r.level == Level::None)
    return "recorded with --no-redact: every value is in clear, credentials too; `tracediff redact` makes a copy to "
           "share";
  std::string what = r.level == Level::Full ? "credentials and every data buffer are redacted"
                                            : "values that look like credentials are redacted";
  std::string key = r.key.starts_with("user ") ? "digests compare with traces redacted with the same key"
                    : r.key == "mixed"          ? "redacted twice with different keys: digests compare with no other trace"
                                                : "the key is this trace's own: digests compare with no other trace";
  return fmt::format("{} (<redacted N bytes DIGEST>; key {}): {}", what, r.key.empty() ? "unknown" : r.key, key);
}

struct Redactor::Impl {
  Level level;
  std::string key;
  std::string key_option;  ///< "user ID" or "random ID"
  std::vector<std::string> pattern_text;
  std::vector<std::regex> patterns;

  bool secret_name(std::string_view name) const {
    while (name.starts_with("-")) name.remove_prefix(1);
    if (name.empty()) return false;
    if (looks_secret(name)) return true;
    for (const std::regex& re : patterns)
      if (std::regex_search(name.begin(), name.end(), re)) return true;
    return false;
  }

  std::string marker(std::string_view v) const {
    return make_marker(v.size(), detail::hex(detail::hmac_sha256(key, v), kDigestBytes));
  }

  // The password of every scheme://user:password@host in `s` from `from`.
  // Returns the end of the userinfo replaced, or npos when none at `at`.
  std::size_t url_password(const std::string& s, std::size_t at, std::string& out) const {
    // s[at..] is "://"
    std::size_t start = at + 3, end = start, last_at = std::string::npos;
    for (; end < s.size(); ++end) {
      char c = s[end];
      if (c == '/' || c == '?' || c == '#' || is_space(c) || ends_line(c) || is_quote(c) || c == '<' || c == '>')
        break;
      if (c == '@') last_at = end;
    }
    if (last_at == std::string::npos) return std::string::npos;
    std::size_t colon = s.find(':', start);
    if (colon == std::string::npos || colon >= last_at || colon + 1 == last_at) return std::string::npos;
    std::string_view pw = std::string_view(s).substr(colon + 1, last_at - colon - 1);
    if (pw.starts_with(kMarkerStart)) return std::string::npos;
    out.append(s, at, colon + 1 - at);
    out += marker(pw);
    return last_at;
  }

  // At s[i] == ':' or '=': when the name before it looks secret, appends
  // what lies between `done` and the value, then the value's marker, and
  // returns where the value ends; npos when nothing is redacted.
  std::size_t named_value(const std::string& s, std::size_t i, std::size_t done, std::string& out) const {
    char sep = s[i];
    if (sep == '=' && ((i + 1 < s.size() && s[i + 1] == '=') ||
                       (i > 0 && (s[i - 1] == '=' || s[i - 1] == '!' || s[i - 1] == '<' || s[i - 1] == '>'))))
      return std::string::npos;
    if (sep == ':' && i + 1 < s.size() && s[i + 1] == ':') return std::string::npos;
    std::size_t j = i;
    while (j > done && i - j < 8 && is_space(s[j - 1])) --j;
    char name_quote = 0;
    if (j > done && is_quote(s[j - 1])) name_quote = s[--j];
    std::size_t name_end = j;
    while (j > done && is_name_char(s[j - 1])) --j;
    if (j == name_end) return std::string::npos;
    if (name_quote && !(j > done && s[j - 1] == name_quote)) name_quote = 0;
    if (!secret_name(std::string_view(s).substr(j, name_end - j))) return std::string::npos;
    std::size_t v = i + 1;
    while (v < s.size() && is_space(s[v])) ++v;
    std::size_t end = v;
    if (v < s.size() && is_quote(s[v])) {
      char q = s[v++];
      end = v;
      while (end < s.size() && s[end] != q && !ends_line(s[end])) ++end;
    } else if (sep == ':') {
      // A header's value runs to the end of its line ("Bearer abc",
      // "a=1; b=2"), or to the quote that closes the string it is in.
      while (end < s.size() && !ends_line(s[end]) && !is_quote(s[end])) ++end;
    } else {
      while (end < s.size() && !ends_line(s[end]) && !is_quote(s[end]) && !is_space(s[end]) && s[end] != '&' &&
             s[end] != ';' && s[end] != ',')
        ++end;
    }
    std::string_view value = std::string_view(s).substr(v, end - v);
    if (value.empty() || value.starts_with(kMarkerStart)) return std::string::npos;
    out.append(s, done, v - done);
    out += marker(value);
    return end;
  }

  bool text(std::string& s) const {
    if (level == Level::None) return false;
    std::string out;
    std::size_t done = 0;  // s[0..done) is in out (once out is used)
    bool changed = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c != ':' && c != '=') continue;
      if (i < done) continue;
      std::size_t end = std::string::npos;
      if (c == ':' && s.compare(i, 3, "://") == 0) {
        out.append(s, done, i - done);
        end = url_password(s, i, out);
        if (end == std::string::npos) out.resize(out.size() - (i - done));
      } else {
        end = named_value(s, i, done, out);
      }
      if (end == std::string::npos) continue;
      changed = true;
      done = end;
      i = end - 1;
    }
    if (!changed) return false;
    out.append(s, done, std::string::npos);
    s = std::move(out);
    return true;
  }

  bool env_entry(std::string& kv) const {
    if (level == Level::None) return false;
    std::size_t eq = kv.find('=');
    if (eq == std::string::npos) return false;
    std::string_view value = std::string_view(kv).substr(eq + 1);
    if (secret_name(std::string_view(kv).substr(0, eq))) {
      if (value.empty() || parse_marker(value)) return false;
      kv = kv.substr(0, eq + 1) + marker(value);
      return true;
    }
    std::string v(value);
    if (!text(v)) return false;
    kv = kv.substr(0, eq + 1) + v;
    return true;
  }

  // A "--password" flag whose value is the next argument.
  bool secret_flag(std::string_view a) const {
    return a.size() > 1 && a[0] == '-' && a.find('=') == std::string_view::npos && secret_name(a);
  }

  template <typename Get>
  bool argv(std::size_t n, Get get) const {
    if (level == Level::None) return false;
    bool changed = false, after_flag = false;
    for (std::size_t i = 0; i < n; ++i) {
      std::string* a = get(i);
      if (!a) {
        after_flag = false;
        continue;
      }
      if (after_flag && !a->empty() && !parse_marker(*a)) {
        *a = marker(*a);
        changed = true;
        after_flag = false;
        continue;
      }
      after_flag = secret_flag(*a);
      changed |= text(*a);
    }
    return changed;
  }

  bool string_arg(Arg& a, bool whole) const {
    // Most buffers hold neither: no copy for them.
    if (!whole && !has_separator(a.str.view())) return false;
    std::string s(a.str.view());
    bool changed = false;
    if (whole) {
      if (s.empty() || parse_marker(s)) return false;
      s = marker(s);
      a.truncated = false;
      changed = true;
    } else {
      changed = text(s);
    }
    if (changed) a.str = s;
    return changed;
  }

  // Data buffers and other strings of a call, recursively; exec's argv and
  // envp are done by position before.
  bool data(Arg& a, bool whole) const {
    bool changed = false;
    if (a.kind == ArgKind::String) changed |= string_arg(a, whole);
    for (Arg& it : a.items) changed |= data(it, whole);
    return changed;
  }

  bool string_array(Arg& a, bool env) const {
    if (a.kind != ArgKind::Array) return false;
    std::vector<std::string> strs(a.items.size());
    for (std::size_t i = 0; i < a.items.size(); ++i)
      if (a.items[i].kind == ArgKind::String) strs[i] = std::string(a.items[i].str.view());
    bool changed = false;
    if (env) {
      for (std::size_t i = 0; i < strs.size(); ++i)
        if (a.items[i].kind == ArgKind::String && env_entry(strs[i])) {
          a.items[i].str = strs[i];
          changed = true;
        }
      return changed;
    }
    changed = argv(strs.size(), [&](std::size_t i) -> std::string* {
      return a.items[i].kind == ArgKind::String ? &strs[i] : nullptr;
    });
    if (changed)
      for (std::size_t i = 0; i < strs.size(); ++i)
        if (a.items[i].kind == ArgKind::String && a.items[i].str.view() != strs[i]) a.items[i].str = strs[i];
    return changed;
  }

  bool event(Event& e) const {
    if (level == Level::None) return false;
    bool changed = false;
    switch (e.type) {
      case EventType::Syscall: {
        const SyscallInfo& info = syscall_info(e.name);
        std::size_t argv_at = e.args.size(), envp_at = e.args.size();
        if (info.is(kClassExec) && info.path_index() >= 0) {
          argv_at = static_cast<std::size_t>(info.path_index() + 1);
          envp_at = argv_at + 1;
        }
        // Full: every data buffer goes, whatever it holds.
        bool whole = level == Level::Full && info.is(kClassReads | kClassWrites | kClassNetwork);
        for (std::size_t i = 0; i < e.args.size(); ++i) {
          if (i == argv_at) changed |= string_array(e.args[i], false);
          else if (i == envp_at) changed |= string_array(e.args[i], true);
          else changed |= data(e.args[i], whole);
        }
        break;
      }
      case EventType::Process:
        if (e.name == kProcExec && e.args.size() > 1) changed |= string_array(e.args[1], false);
        break;
      case EventType::Unparsed: {
        std::string raw(e.raw.view());
        if (text(raw)) {
          e.raw = raw;
          changed = true;
        }
        break;
      }
      case EventType::Signal:
        break;
    }
    return changed;
  }
};

Redactor::Redactor(const RedactOptions& opt) : impl_(std::make_unique<Impl>()) {
  impl_->level = opt.level;
  bool user = !opt.key.empty();
  impl_->key = user ? opt.key : random_key();
  impl_->key_option = fmt::format("{} {}", user ? "user" : "random",
                                  detail::hex(detail::hmac_sha256(impl_->key, kKeyIdMessage), kDigestBytes));
  for (const std::string& p : opt.patterns) {
    check_pattern(p);
    impl_->pattern_text.push_back(p);
    impl_->patterns.emplace_back(p, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  }
}

Redactor::~Redactor() = default;
Redactor::Redactor(Redactor&&) noexcept = default;
Redactor& Redactor::operator=(Redactor&&) noexcept = default;

Level Redactor::level() const { return impl_->level; }

void Redactor::header(Header& h) const {
  HeaderRedaction before = redaction_of(h);
  Level applied = std::max(before.level, impl_->level);
  h.options.erase("redact");
  h.options[kLevelOption] = to_string(applied);
  if (impl_->level == Level::None) return;
  h.options[kKeyOption] = !before.key.empty() && before.key != impl_->key_option ? "mixed" : impl_->key_option;
  if (!impl_->pattern_text.empty()) {
    std::string& p = h.options[kPatternsOption];
    for (const std::string& t : impl_->pattern_text) p += (p.empty() ? "" : "\n") + t;
  }
  if (h.host.env)
    for (std::string& kv : *h.host.env) impl_->env_entry(kv);
  argv(h.command);
}

bool Redactor::event(Event& e) const { return impl_->event(e); }

namespace {

// Whether the rules could change `e` at all: most calls hold no string
// with a ':' or '=' (an open's path, a close's fd), and a recorder copies
// only the events that do.
bool may_hold(const Arg& a, bool full) {
  if (a.kind == ArgKind::String && (full || has_separator(a.str.view()))) return true;
  for (const Arg& it : a.items)
    if (may_hold(it, full)) return true;
  return false;
}

}  // namespace

bool Redactor::event_copy(const Event& e, Event& out) const {
  if (impl_->level == Level::None) return false;
  bool maybe = e.type == EventType::Unparsed || e.type == EventType::Process;
  for (const Arg& a : e.args) maybe = maybe || may_hold(a, impl_->level == Level::Full);
  if (!maybe) return false;
  out = e;
  return impl_->event(out);
}

std::string Redactor::marker(std::string_view value) const { return impl_->marker(value); }
bool Redactor::env_entry(std::string& kv) const { return impl_->env_entry(kv); }
bool Redactor::argv(std::vector<std::string>& args) const {
  return impl_->argv(args.size(), [&](std::size_t i) { return &args[i]; });
}
bool Redactor::text(std::string& s) const { return impl_->text(s); }

}  // namespace tracediff::redact

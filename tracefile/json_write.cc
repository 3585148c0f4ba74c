// Encoding the model as JSON Lines. Hand-written rather than through a DOM:
// the recorder and importer write millions of events and a DOM per event
// would cost more than the rest of the work (docs/performance.md).
#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cstring>

#include "model/text.h"
#include "tracefile/tracefile.h"

namespace tracediff::tracefile {
namespace detail {

namespace {

// Bytes that JSON strings must escape (and 0x7f, kept out for terminals).
struct EscapeTable {
  bool needs[256] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 0x20; ++c) needs[c] = true;
    needs[static_cast<unsigned char>('"')] = needs[static_cast<unsigned char>('\\')] = needs[0x7f] = true;
  }
};
constexpr EscapeTable kEscape;

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  // Copies runs of plain bytes in one append: byte-by-byte push_back was a
  // quarter of `tracediff import` (docs/performance.md).
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end && !kEscape.needs[static_cast<unsigned char>(*p)]) ++p;
    out.append(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
    auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.push_back('"');
}

void append_hex(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  out.push_back('"');
}

bool valid_utf8(std::string_view s) {
  // ASCII, the common case, checked 8 bytes at a time.
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) return simdjson::validate_utf8(s.data(), s.size());
  }
  for (; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return simdjson::validate_utf8(s.data(), s.size());
  return true;
}

std::string replace_invalid_utf8(std::string_view s) {
  // Keeps each valid sequence and turns every other byte into U+FFFD.
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t len = static_cast<unsigned char>(s[i]) < 0x80 ? 1 : utf8_sequence_length(s, i);
    if (len) {
      out += s.substr(i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

// A text value where no key can carry the "_hex" suffix (array elements,
// option values): a string when it is valid UTF-8, else {"hex": "..."}, so
// that no byte is lost (docs/trace-format.md).
void append_text(std::string& o, std::string_view v) {
  if (valid_utf8(v)) {
    append_json_string(o, v);
  } else {
    o += "{\"hex\":";
    append_hex(o, v);
    o.push_back('}');
  }
}

void append_str_array(std::string& o, const std::vector<std::string>& v) {
  o.push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) o.push_back(',');
    append_text(o, v[i]);
  }
  o.push_back(']');
}

}  // namespace detail

namespace {

using detail::append_json_string;

// Writes `"key":` preceded by a comma when not first.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  // Opened with its first member already written: `opening` is `{"k":v`.
  ObjectWriter(std::string& out, std::string_view opening) : out_(out), first_(false) { out_.append(opening); }
  ~ObjectWriter() { out_.push_back('}'); }
  // `k` must be one of this file's literal key names: it is not escaped.
  std::string& key(std::string_view k) {
    // One resize and a memcpy instead of four appends: keys are most of
    // the writer's calls.
    std::size_t n = out_.size();
    out_.resize(n + k.size() + (first_ ? 3 : 4));
    char* p = out_.data() + n;
    if (!first_) *p++ = ',';
    first_ = false;
    *p++ = '"';
    std::memcpy(p, k.data(), k.size());
    p += k.size();
    *p++ = '"';
    *p = ':';
    return out_;
  }
  // A key that comes from data (an option or limit name): escaped, and made
  // valid UTF-8 because JSON object keys have no hex fallback.
  std::string& data_key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    append_json_string(out_, detail::valid_utf8(k) ? std::string(k) : detail::replace_invalid_utf8(k));
    out_.push_back(':');
    return out_;
  }
  // A value known to be ASCII (an enumeration name).
  void lit(std::string_view k, std::string_view v) { append_json_string(key(k), v); }
  // Any other text: "k" when it is valid UTF-8, "k_hex" otherwise, because
  // JSON strings must be UTF-8 and a trace must keep every byte.
  void str(std::string_view k, std::string_view v) {
    if (plain(v)) {
      // Most values (names, flags, paths) need neither escapes nor a UTF-8
      // check: one scan, one copy.
      std::string& o = key(k);
      std::size_t n = o.size();
      o.resize(n + v.size() + 2);
      char* p = o.data() + n;
      *p++ = '"';
      if (!v.empty()) std::memcpy(p, v.data(), v.size());  // an empty view's data() may be null
      p[v.size()] = '"';
    } else if (detail::valid_utf8(v)) {
      append_json_string(key(k), v);
    } else {
      std::string hk(k);
      hk += "_hex";
      detail::append_hex(key(hk), v);
    }
  }
  void str_if(std::string_view k, std::string_view v) {
    if (!v.empty()) str(k, v);
  }
  template <typename T>
  void num(std::string_view k, T v) {
    fmt::format_int f(v);
    key(k).append(f.data(), f.size());
  }
  void boolean(std::string_view k, bool v) { key(k) += v ? "true" : "false"; }
  // Printable ASCII without '"' or '\\': written as it is.
  static bool plain(std::string_view v) {
    for (char ch : v) {
      auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
  }
  void str_array(std::string_view k, const std::vector<std::string>& v) {
    detail::append_str_array(key(k), v);
  }
  template <typename T>
  void num_array(std::string_view k, const std::vector<T>& v) {
    std::string& o = key(k);
    o.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) o.push_back(',');
      fmt::format_to(std::back_inserter(o), "{}", v[i]);
    }
    o.push_back(']');
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// `{"key":"name"` for each value of the enumeration E (0 to Last), so
// that an object whose first member is one of them opens with one append.
template <typename E, E Last>
std::array<std::string, static_cast<std::size_t>(Last) + 1> openings(std::string_view key) {
  std::array<std::string, static_cast<std::size_t>(Last) + 1> o;
  for (std::size_t v = 0; v < o.size(); ++v) {
    o[v] = "{\"";
    o[v] += key;
    o[v] += "\":";
    append_json_string(o[v], to_string(static_cast<E>(v)));
  }
  return o;
}

void write_arg(std::string& out, const Arg& a) {
  static const auto kinds = openings<ArgKind, ArgKind::Other>("kind");  // every argument starts with one
  ObjectWriter w(out, kinds[static_cast<std::size_t>(a.kind)]);
  w.str_if("name", a.name);
  if (!a.str.empty()) w.str("str", a.str);
  if (!a.abs.empty()) w.str("abs", a.abs);
  if (!a.ref.empty()) w.str("ref", a.ref);
  if (a.has_raw) w.num("raw", a.raw);
  if (a.truncated) w.boolean("trunc", true);
  if (!a.items.empty()) {
    std::string& o = w.key("items");
    o.push_back('[');
    for (std::size_t i = 0; i < a.items.size(); ++i) {
      if (i) o.push_back(',');
      write_arg(o, a.items[i]);
    }
    o.push_back(']');
  }
}

void write_perm(std::string& out, const PermSnapshot& p) {
  ObjectWriter w(out);
  w.num("uid", p.uid);
  w.num("gid", p.gid);
  w.num_array("groups", p.groups);
  std::string& o = w.key("components");
  o.push_back('[');
  for (std::size_t i = 0; i < p.components.size(); ++i) {
    const PathComponent& c = p.components[i];
    if (i) o.push_back(',');
    ObjectWriter cw(o);
    cw.str("path", c.path);
    cw.boolean("exists", c.exists);
    if (c.exists) {
      cw.str("type", c.type);
      cw.num("uid", c.uid);
      cw.num("gid", c.gid);
      cw.str("mode", fmt::format("{:04o}", c.mode));
      cw.boolean("ro", c.readonly_mount);
    }
  }
  o.push_back(']');
}

}  // namespace

std::string event_to_json(const Event& e) {
  std::string out;
  out.reserve(256);
  append_event_json(out, e);
  return out;
}

void append_event_json(std::string& out, const Event& e) {
  static const auto types = openings<EventType, EventType::Unparsed>("type");
  {
    ObjectWriter w(out, types[static_cast<std::size_t>(e.type)]);
    if (e.tid) w.num("tid", e.tid);
    if (e.pid) w.num("pid", e.pid);
    if (e.ts_ns >= 0) w.num("ts", e.ts_ns);
    if (e.dur_ns >= 0) w.num("dur", e.dur_ns);
    if (e.line) w.num("line", e.line);
    w.str("name", e.name);
    if (!e.args.empty()) {
      std::string& o = w.key("args");
      o.push_back('[');
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        if (i) o.push_back(',');
        write_arg(o, e.args[i]);
      }
      o.push_back(']');
    }
    if (e.type == EventType::Syscall) {
      const Result& r = e.result;
      if (r.state != ResultState::Returned) w.lit("state", to_string(r.state));
      if (r.state == ResultState::Returned) w.num("ret", r.value);
      w.str_if("errno", r.err);
      if (r.errnum) w.num("errnum", r.errnum);
      if (!r.str.empty()) w.str("ret_str", r.str);
      if (!r.ref.empty()) w.str("ret_ref", r.ref);
      if (!r.note.empty()) w.str("ret_note", r.note);
      if (r.injected) w.boolean("injected", true);
    }
    if (e.type == EventType::Process || e.type == EventType::Signal) {
      const ProcInfo& p = e.proc;
      if (p.child >= 0) w.num("child", p.child);
      if (e.type == EventType::Process && e.name == kProcExit) w.num("code", p.code);
      if (p.signal) w.num("signal", p.signal);
      if (p.thread) w.boolean("thread", true);
      if (p.core) w.boolean("core", true);
      if (p.stopped) w.boolean("stopped", true);
    }
    if (!e.raw.empty()) w.str("raw", e.raw);
    if (!e.stack.empty()) w.str_array("stack", {e.stack.begin(), e.stack.end()});
    if (e.perm) write_perm(w.key("perm"), *e.perm);
  }
}

std::string header_to_json(const Header& h) {
  std::string out;
  {
    ObjectWriter w(out);
    w.str("tracediff", fmt::format("{}.{}", h.format_major, h.format_minor));
    w.str("tool", h.tool_version);
    w.str("source", h.source);
    w.str_if("created", h.created);
    w.str_array("command", h.command);
    if (!h.attached.empty()) w.num_array("attached", h.attached);
    w.str_if("time_base", h.time_base);
    {
      const HostInfo& x = h.host;
      ObjectWriter hw(w.key("host"));
      auto opt_str = [&](std::string_view k, const std::optional<std::string>& v) {
        if (v) hw.str(k, *v);
      };
      opt_str("hostname", x.hostname);
      opt_str("kernel", x.kernel);
      opt_str("arch", x.arch);
      opt_str("os_id", x.os_id);
      opt_str("os_version", x.os_version);
      opt_str("user", x.user);
      opt_str("home", x.home);
      opt_str("cwd", x.cwd);
      if (x.uid) hw.num("uid", *x.uid);
      if (x.gid) hw.num("gid", *x.gid);
      if (x.umask) hw.str("umask", fmt::format("{:04o}", *x.umask));
      if (x.groups) hw.num_array("groups", *x.groups);
      opt_str("capabilities", x.capabilities);
      if (!x.limits.empty()) {
        ObjectWriter lw(hw.key("limits"));
        for (const auto& [k, v] : x.limits) detail::append_str_array(lw.data_key(k), {v.soft, v.hard});
      }
      if (x.env) hw.str_array("env", *x.env);
      if (!x.mounts.empty()) hw.str_array("mounts", x.mounts);
      opt_str("lsm", x.lsm);
    }
    if (!h.options.empty()) {
      ObjectWriter ow(w.key("options"));
      for (const auto& [k, v] : h.options) detail::append_text(ow.data_key(k), v);
    }
  }
  return out;
}

}  // namespace tracediff::tracefile

// Encoding the model as JSON Lines. Hand-written rather than through a DOM:
// the recorder and importer write millions of events and a DOM per event
// would cost more than the rest of the work (docs/performance.md). Events
// are encoded into a Bytes buffer (bytes.h), which appends without
// std::string's zero-filling resize and per-byte bookkeeping.
#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cstring>

#include "model/byte_scan.h"
#include "model/text.h"
#include "tracefile/bytes.h"
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

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void append_json_string(Bytes& out, std::string_view s) {
  out.put('"');
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
      case '"': out.append("\\\"", 2); break;
      case '\\': out.append("\\\\", 2); break;
      case '\n': out.append("\\n", 2); break;
      case '\t': out.append("\\t", 2); break;
      case '\r': out.append("\\r", 2); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.put('"');
}

void append_hex(Bytes& out, std::string_view s) {
  char* p = out.grow(2 * s.size() + 2);
  *p++ = '"';
  for (unsigned char c : s) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 15];
  }
  *p++ = '"';
  out.commit_to(p);
}

bool valid_utf8(std::string_view s) {
  // ASCII, the common case, checked 8 bytes at a time.
  bool ascii = !bytescan::any_byte(
      s, [](std::uint64_t w) { return w; }, [](unsigned char c) { return c >= 0x80; });
  return ascii || simdjson::validate_utf8(s.data(), s.size());
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
void append_text(Bytes& o, std::string_view v) {
  if (valid_utf8(v)) {
    append_json_string(o, v);
  } else {
    o.append("{\"hex\":", 7);
    append_hex(o, v);
    o.put('}');
  }
}

void append_str_array(Bytes& o, const std::vector<std::string>& v) {
  o.put('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) o.put(',');
    append_text(o, v[i]);
  }
  o.put(']');
}

}  // namespace detail

namespace {

using detail::append_json_string;
using detail::Bytes;

// Printable ASCII without '"' or '\\': written as it is. Eight bytes at a
// time: a byte of 0x80 or more (its own high bit), below 0x20, or equal to
// '"', '\\' or 0x7f is marked (model/byte_scan.h).
bool plain(std::string_view v) {
  using namespace bytescan;
  return !any_byte(
      v,
      [](std::uint64_t w) { return w | below(w, 0x20) | equal_to(w, '"') | equal_to(w, '\\') | equal_to(w, 0x7f); },
      [](unsigned char c) { return c < 0x20 || c >= 0x7f || c == '"' || c == '\\'; });
}

// Writes `"key":` preceded by a comma when not first.
class ObjectWriter {
 public:
  explicit ObjectWriter(Bytes& out) : out_(out) { out_.put('{'); }
  // Opened with its first member already written: `opening` is `{"k":v`.
  ObjectWriter(Bytes& out, std::string_view opening) : out_(out), first_(false) { out_.append(opening); }
  ~ObjectWriter() { out_.put('}'); }
  // `k` must be one of this file's literal key names: it is not escaped.
  Bytes& key(std::string_view k) {
    out_.commit_to(put_key(out_.grow(k.size() + 4), k));
    return out_;
  }
  // A key that comes from data (an option or limit name): escaped, and made
  // valid UTF-8 because JSON object keys have no hex fallback.
  Bytes& data_key(std::string_view k) {
    if (!first_) out_.put(',');
    first_ = false;
    append_json_string(out_, detail::valid_utf8(k) ? std::string(k) : detail::replace_invalid_utf8(k));
    out_.put(':');
    return out_;
  }
  // A value known to be ASCII (an enumeration name).
  void lit(std::string_view k, std::string_view v) { append_json_string(key(k), v); }
  // Any other text: "k" when it is valid UTF-8, "k_hex" otherwise, because
  // JSON strings must be UTF-8 and a trace must keep every byte.
  void str(std::string_view k, std::string_view v) {
    if (plain(v)) {
      // Most values (names, flags, paths) need neither escapes nor a UTF-8
      // check: one scan, one copy, the key with them.
      char* p = put_key(out_.grow(k.size() + v.size() + 6), k);
      *p++ = '"';
      if (!v.empty()) std::memcpy(p, v.data(), v.size());  // an empty view's data() may be null
      p += v.size();
      *p++ = '"';
      out_.commit_to(p);
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
  void boolean(std::string_view k, bool v) {
    if (v) key(k).append("true", 4);
    else key(k).append("false", 5);
  }
  void str_array(std::string_view k, const std::vector<std::string>& v) {
    detail::append_str_array(key(k), v);
  }
  template <typename T>
  void num_array(std::string_view k, const std::vector<T>& v) {
    Bytes& o = key(k);
    o.put('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) o.put(',');
      fmt::format_int f(v[i]);
      o.append(f.data(), f.size());
    }
    o.put(']');
  }

 private:
  // Writes `,"k":` (no comma first) at `p`, in room grow() gave; returns
  // the end.
  char* put_key(char* p, std::string_view k) {
    if (!first_) *p++ = ',';
    first_ = false;
    *p++ = '"';
    std::memcpy(p, k.data(), k.size());
    p += k.size();
    *p++ = '"';
    *p++ = ':';
    return p;
  }

  Bytes& out_;
  bool first_ = true;
};

// `{"key":"name"` for each value of the enumeration E (0 to Last), so
// that an object whose first member is one of them opens with one append.
template <typename E, E Last>
std::array<std::string, static_cast<std::size_t>(Last) + 1> openings(std::string_view key) {
  std::array<std::string, static_cast<std::size_t>(Last) + 1> o;
  for (std::size_t v = 0; v < o.size(); ++v) {
    Bytes b;
    b.append("{\"", 2);
    b.append(key);
    b.append("\":", 2);
    append_json_string(b, to_string(static_cast<E>(v)));
    o[v] = std::string(b.view());
  }
  return o;
}

void write_arg(Bytes& out, const Arg& a) {
  static const auto kinds = openings<ArgKind, ArgKind::Other>("kind");  // every argument starts with one
  ObjectWriter w(out, kinds[static_cast<std::size_t>(a.kind)]);
  w.str_if("name", a.name);
  if (!a.str.empty()) w.str("str", a.str);
  if (!a.abs.empty()) w.str("abs", a.abs);
  if (!a.ref.empty()) w.str("ref", a.ref);
  if (a.has_raw) w.num("raw", a.raw);
  if (a.truncated) w.boolean("trunc", true);
  if (!a.items.empty()) {
    Bytes& o = w.key("items");
    o.put('[');
    for (std::size_t i = 0; i < a.items.size(); ++i) {
      if (i) o.put(',');
      write_arg(o, a.items[i]);
    }
    o.put(']');
  }
}

void write_perm(Bytes& out, const PermSnapshot& p) {
  ObjectWriter w(out);
  w.num("uid", p.uid);
  w.num("gid", p.gid);
  w.num_array("groups", p.groups);
  Bytes& o = w.key("components");
  o.put('[');
  for (std::size_t i = 0; i < p.components.size(); ++i) {
    const PathComponent& c = p.components[i];
    if (i) o.put(',');
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
  o.put(']');
}

}  // namespace

void detail::encode_event(Bytes& out, const Event& e) {
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
      Bytes& o = w.key("args");
      o.put('[');
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        if (i) o.put(',');
        write_arg(o, e.args[i]);
      }
      o.put(']');
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

std::string event_to_json(const Event& e) {
  Bytes b;
  detail::encode_event(b, e);
  return std::string(b.view());
}

std::string header_to_json(const Header& h) {
  Bytes out;
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
  return std::string(out.view());
}

}  // namespace tracediff::tracefile

// Encoding the model as JSON Lines. Hand-written rather than through a DOM:
// the recorder and importer write millions of events and a DOM per event
// would cost more than the rest of the work (docs/performance.md).
#include <fmt/format.h>
#include <simdjson.h>

#include "trace/io.h"

namespace tracediff {
namespace detail {

// Returns whether `s` had a byte >= 0x80 (so that a caller can check UTF-8
// only then, without a second scan of every string).
bool append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool high = false;
  out.push_back('"');
  // Copy runs of plain characters at once: most strings have nothing to
  // escape, and a push_back per byte was the writer's main cost.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
      high |= c >= 0x80;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
  return high;
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
  for (unsigned char c : s)
    if (c >= 0x80) return simdjson::validate_utf8(s.data(), s.size());
  return true;
}

}  // namespace detail

namespace {

using detail::append_json_string;

// Writes `"key":` preceded by a comma when not first.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  ~ObjectWriter() { out_.push_back('}'); }
  std::string& key(std::string_view k) {
    // One append per piece: this runs for every field of every event.
    if (first_) out_.append("\"", 1);
    else out_.append(",\"", 2);
    first_ = false;
    out_.append(k.data(), k.size());
    out_.append("\":", 2);
    return out_;
  }
  void str(std::string_view k, std::string_view v) { append_json_string(key(k), v); }
  void str_if(std::string_view k, std::string_view v) {
    if (!v.empty()) str(k, v);
  }
  // Bytes that may not be UTF-8: "k" when they are, "k_hex" otherwise.
  void bytes(std::string_view k, std::string_view v) {
    // Write it as text; only when it had high bytes that are not UTF-8 take
    // it back and write hex instead.
    std::size_t mark = out_.size();
    bool was_first = first_;
    if (append_json_string(key(k), v) && !detail::valid_utf8(v)) {
      out_.resize(mark);
      first_ = was_first;
      std::string hk(k);
      hk += "_hex";
      detail::append_hex(key(hk), v);
    }
  }
  template <typename T>
  void num(std::string_view k, T v) {
    // format_int: no format-string parsing, the writer's hottest number path.
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      fmt::format_int f(v);
      key(k).append(f.data(), f.size());
    } else {
      fmt::format_to(std::back_inserter(key(k)), "{}", v);
    }
  }
  void boolean(std::string_view k, bool v) { key(k) += v ? "true" : "false"; }
  void str_array(std::string_view k, const std::vector<std::string>& v) {
    std::string& o = key(k);
    o.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) o.push_back(',');
      append_json_string(o, v[i]);
    }
    o.push_back(']');
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

void write_arg(std::string& out, const Arg& a) {
  ObjectWriter w(out);
  w.str("kind", to_string(a.kind));
  w.str_if("name", a.name);
  if (!a.str.empty()) w.bytes("str", a.str);
  if (!a.abs.empty()) w.bytes("abs", a.abs);
  if (!a.ref.empty()) w.bytes("ref", a.ref);
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
    cw.bytes("path", c.path);
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
  {
    ObjectWriter w(out);
    w.str("type", to_string(e.type));
    if (e.tid) w.num("tid", e.tid);
    if (e.pid) w.num("pid", e.pid);
    if (e.ts_ns >= 0) w.num("ts", e.ts_ns);
    if (e.dur_ns >= 0) w.num("dur", e.dur_ns);
    if (e.line) w.num("line", e.line);
    w.bytes("name", e.name);
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
      if (r.state != ResultState::Returned) w.str("state", to_string(r.state));
      if (r.state == ResultState::Returned) w.num("ret", r.value);
      w.str_if("errno", r.err);
      if (r.errnum) w.num("errnum", r.errnum);
      if (!r.str.empty()) w.bytes("ret_str", r.str);
      if (!r.ref.empty()) w.bytes("ret_ref", r.ref);
      if (!r.note.empty()) w.bytes("ret_note", r.note);
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
    if (!e.raw.empty()) w.bytes("raw", e.raw);
    if (!e.stack.empty()) w.str_array("stack", e.stack);
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
        if (v) hw.bytes(k, *v);
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
        for (const auto& [k, v] : x.limits) lw.str_array(k, {v.soft, v.hard});
      }
      if (x.env) {
        // Environment values may hold any bytes; keep them lossless.
        std::string& o = hw.key("env");
        o.push_back('[');
        for (std::size_t i = 0; i < x.env->size(); ++i) {
          if (i) o.push_back(',');
          const std::string& v = (*x.env)[i];
          if (detail::valid_utf8(v)) {
            append_json_string(o, v);
          } else {
            ObjectWriter ew(o);
            detail::append_hex(ew.key("hex"), v);
          }
        }
        o.push_back(']');
      }
      if (!x.mounts.empty()) hw.str_array("mounts", x.mounts);
      opt_str("lsm", x.lsm);
    }
    if (!h.options.empty()) {
      ObjectWriter ow(w.key("options"));
      for (const auto& [k, v] : h.options) ow.str(k, v);
    }
  }
  return out;
}

}  // namespace tracediff

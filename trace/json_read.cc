// Decoding trace files. simdjson's DOM parser is used one line at a time:
// it reads a 1M-event trace well inside the budget in docs/performance.md,
// where nlohmann::json took several times longer.
#include <fmt/format.h>
#include <simdjson.h>

#include <filesystem>
#include <functional>

#include "trace/io.h"
#include "trace/strace.h"

namespace tracediff {
namespace {

namespace dom = simdjson::dom;

struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string from_hex(std::string_view h) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw BadField("bad hex digit");
  };
  if (h.size() % 2) throw BadField("odd hex length");
  std::string out(h.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(val(h[2 * i]) * 16 + val(h[2 * i + 1]));
  return out;
}

std::string_view as_str(dom::element v, std::string_view what) {
  std::string_view s;
  if (v.get(s)) throw BadField(fmt::format("\"{}\" must be a string", what));
  return s;
}

std::int64_t as_int(dom::element v, std::string_view what) {
  std::int64_t i;
  if (v.get(i) == simdjson::SUCCESS) return i;
  std::uint64_t u;
  if (v.get(u) == simdjson::SUCCESS) return static_cast<std::int64_t>(u);
  throw BadField(fmt::format("\"{}\" must be an integer", what));
}

bool as_bool(dom::element v, std::string_view what) {
  bool b;
  if (v.get(b)) throw BadField(fmt::format("\"{}\" must be true or false", what));
  return b;
}

dom::array as_array(dom::element v, std::string_view what) {
  dom::array a;
  if (v.get(a)) throw BadField(fmt::format("\"{}\" must be an array", what));
  return a;
}

dom::object as_object(dom::element v, std::string_view what) {
  dom::object o;
  if (v.get(o)) throw BadField(fmt::format("\"{}\" must be an object", what));
  return o;
}

// "key" or "key_hex" into `out`; returns true when it matched.
bool read_bytes(std::string_view key, dom::element v, std::string_view name, std::string& out) {
  if (key == name) {
    out = as_str(v, name);
    return true;
  }
  if (key.size() == name.size() + 4 && key.substr(0, name.size()) == name &&
      key.substr(name.size()) == "_hex") {
    out = from_hex(as_str(v, key));
    return true;
  }
  return false;
}

std::uint32_t parse_octal(std::string_view s, std::string_view what) {
  std::uint32_t v = 0;
  if (s.empty()) throw BadField(fmt::format("\"{}\" must be an octal string", what));
  for (char c : s) {
    if (c < '0' || c > '7') throw BadField(fmt::format("\"{}\" must be an octal string", what));
    v = v * 8 + static_cast<std::uint32_t>(c - '0');
  }
  return v;
}

Arg read_arg(dom::element el) {
  Arg a;
  for (auto [k, v] : as_object(el, "args[]")) {
    if (k == "kind") {
      auto kind = arg_kind_from_string(as_str(v, k));
      if (!kind) throw BadField(fmt::format("unknown argument kind \"{}\"", as_str(v, k)));
      a.kind = *kind;
    } else if (k == "name") {
      a.name = as_str(v, k);
    } else if (read_bytes(k, v, "str", a.str) || read_bytes(k, v, "abs", a.abs) ||
               read_bytes(k, v, "ref", a.ref)) {
    } else if (k == "raw") {
      a.raw = as_int(v, k);
      a.has_raw = true;
    } else if (k == "trunc") {
      a.truncated = as_bool(v, k);
    } else if (k == "items") {
      for (dom::element i : as_array(v, k)) a.items.push_back(read_arg(i));
    }
    // Unknown keys are a later minor version's additions: ignored.
  }
  return a;
}

PermSnapshot read_perm(dom::element el) {
  PermSnapshot p;
  for (auto [k, v] : as_object(el, "perm")) {
    if (k == "uid") p.uid = static_cast<std::uint32_t>(as_int(v, k));
    else if (k == "gid") p.gid = static_cast<std::uint32_t>(as_int(v, k));
    else if (k == "groups") {
      for (dom::element g : as_array(v, k)) p.groups.push_back(static_cast<std::uint32_t>(as_int(g, k)));
    } else if (k == "components") {
      for (dom::element ce : as_array(v, k)) {
        PathComponent c;
        for (auto [ck, cv] : as_object(ce, "components[]")) {
          if (read_bytes(ck, cv, "path", c.path)) {
          } else if (ck == "exists") c.exists = as_bool(cv, ck);
          else if (ck == "type") c.type = as_str(cv, ck);
          else if (ck == "uid") c.uid = static_cast<std::uint32_t>(as_int(cv, ck));
          else if (ck == "gid") c.gid = static_cast<std::uint32_t>(as_int(cv, ck));
          else if (ck == "mode") c.mode = parse_octal(as_str(cv, ck), ck);
          else if (ck == "ro") c.readonly_mount = as_bool(cv, ck);
        }
        p.components.push_back(std::move(c));
      }
    }
  }
  return p;
}

Event read_event(dom::element doc) {
  Event e;
  bool have_type = false;
  for (auto [k, v] : as_object(doc, "event")) {
    if (k == "type") {
      auto t = event_type_from_string(as_str(v, k));
      if (!t) throw BadField(fmt::format("unknown event type \"{}\"", as_str(v, k)));
      e.type = *t;
      have_type = true;
    } else if (k == "tid") e.tid = static_cast<std::int32_t>(as_int(v, k));
    else if (k == "pid") e.pid = static_cast<std::int32_t>(as_int(v, k));
    else if (k == "ts") e.ts_ns = as_int(v, k);
    else if (k == "dur") e.dur_ns = as_int(v, k);
    else if (k == "line") e.line = static_cast<std::uint32_t>(as_int(v, k));
    else if (read_bytes(k, v, "name", e.name)) {
    } else if (k == "args") {
      dom::array a = as_array(v, k);
      e.args.reserve(a.size());
      for (dom::element i : a) e.args.push_back(read_arg(i));
    } else if (k == "state") {
      auto s = result_state_from_string(as_str(v, k));
      if (!s) throw BadField(fmt::format("unknown result state \"{}\"", as_str(v, k)));
      e.result.state = *s;
    } else if (k == "ret") {
      e.result.value = as_int(v, k);
      e.result.state = ResultState::Returned;
    } else if (k == "errno") e.result.err = as_str(v, k);
    else if (k == "errnum") e.result.errnum = static_cast<int>(as_int(v, k));
    else if (read_bytes(k, v, "ret_str", e.result.str) || read_bytes(k, v, "ret_ref", e.result.ref) ||
             read_bytes(k, v, "ret_note", e.result.note) || read_bytes(k, v, "raw", e.raw)) {
    } else if (k == "injected") e.result.injected = as_bool(v, k);
    else if (k == "child") e.proc.child = static_cast<std::int32_t>(as_int(v, k));
    else if (k == "code") e.proc.code = static_cast<std::int32_t>(as_int(v, k));
    else if (k == "signal") e.proc.signal = static_cast<std::int32_t>(as_int(v, k));
    else if (k == "thread") e.proc.thread = as_bool(v, k);
    else if (k == "core") e.proc.core = as_bool(v, k);
    else if (k == "stopped") e.proc.stopped = as_bool(v, k);
    else if (k == "stack") {
      for (dom::element s : as_array(v, k)) e.stack.emplace_back(as_str(s, k));
    } else if (k == "perm") e.perm = read_perm(v);
  }
  if (!have_type) throw BadField("missing \"type\"");
  return e;
}

Header read_header(dom::element doc) {
  Header h;
  h.tool_version.clear();
  dom::object o;
  if (doc.get(o)) throw BadField("not a JSON object");
  std::string_view ver;
  if (o["tracediff"].get(ver)) throw BadField("no \"tracediff\" version: not a tracediff trace");
  int major = 0, minor = 0;
  if (std::sscanf(std::string(ver).c_str(), "%d.%d", &major, &minor) != 2)
    throw BadField(fmt::format("bad format version \"{}\"", ver));
  if (major != kFormatMajor)
    throw BadField(fmt::format("trace format version {} is not supported by this tracediff (it reads {}.x)",
                               ver, kFormatMajor));
  h.format_major = major;
  h.format_minor = minor;
  for (auto [k, v] : o) {
    if (k == "tool") h.tool_version = as_str(v, k);
    else if (k == "source") h.source = as_str(v, k);
    else if (k == "created") h.created = as_str(v, k);
    else if (k == "time_base") h.time_base = as_str(v, k);
    else if (k == "command") {
      for (dom::element c : as_array(v, k)) h.command.emplace_back(as_str(c, k));
    } else if (k == "attached") {
      for (dom::element c : as_array(v, k)) h.attached.push_back(static_cast<std::int32_t>(as_int(c, k)));
    } else if (k == "options") {
      for (auto [ok, ov] : as_object(v, k)) h.options[std::string(ok)] = as_str(ov, ok);
    } else if (k == "host") {
      HostInfo& x = h.host;
      for (auto [hk, hv] : as_object(v, k)) {
        std::string tmp;
        auto opt = [&](std::string_view name, std::optional<std::string>& field) {
          if (read_bytes(hk, hv, name, tmp)) {
            field = tmp;
            return true;
          }
          return false;
        };
        if (opt("hostname", x.hostname) || opt("kernel", x.kernel) || opt("arch", x.arch) ||
            opt("os_id", x.os_id) || opt("os_version", x.os_version) || opt("user", x.user) ||
            opt("home", x.home) || opt("cwd", x.cwd) || opt("capabilities", x.capabilities) ||
            opt("lsm", x.lsm)) {
        } else if (hk == "uid") x.uid = static_cast<std::uint32_t>(as_int(hv, hk));
        else if (hk == "gid") x.gid = static_cast<std::uint32_t>(as_int(hv, hk));
        else if (hk == "umask") x.umask = parse_octal(as_str(hv, hk), hk);
        else if (hk == "groups") {
          x.groups.emplace();
          for (dom::element g : as_array(hv, hk)) x.groups->push_back(static_cast<std::uint32_t>(as_int(g, hk)));
        } else if (hk == "limits") {
          for (auto [lk, lv] : as_object(hv, hk)) {
            dom::array pair = as_array(lv, lk);
            if (pair.size() != 2) throw BadField(fmt::format("limit \"{}\" must be [soft, hard]", lk));
            x.limits[std::string(lk)] = Limit{std::string(as_str(pair.at(0).value(), lk)),
                                              std::string(as_str(pair.at(1).value(), lk))};
          }
        } else if (hk == "env") {
          x.env.emplace();
          for (dom::element ev : as_array(hv, hk)) {
            std::string_view s;
            if (ev.get(s) == simdjson::SUCCESS) {
              x.env->emplace_back(s);
            } else {
              dom::object eo = as_object(ev, "env[]");
              std::string_view hex;
              if (eo["hex"].get(hex)) throw BadField("env entries must be strings or {\"hex\": ...}");
              x.env->push_back(from_hex(hex));
            }
          }
        } else if (hk == "mounts") {
          for (dom::element m : as_array(hv, hk)) x.mounts.emplace_back(as_str(m, hk));
        }
      }
    }
  }
  return h;
}

}  // namespace

namespace detail {

Event parse_event_line(std::string_view line) {
  static thread_local dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(line.data(), line.size(), true).get(doc))
    throw BadField(simdjson::error_message(err));
  return read_event(doc);
}

}  // namespace detail

namespace {

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

}  // namespace

std::size_t read_trace_events(const std::string& path, const std::function<void(Header&)>& on_header,
                              const std::function<void(Event&&)>& on_event, std::vector<Warning>& warnings) {
  LineReader in(path);
  std::string_view line;
  bool unterminated = false;
  dom::parser parser;
  bool have_header = false;
  std::size_t count = 0;
  while (in.next(line, unterminated)) {
    if (is_blank(line)) continue;
    if (!have_header) {
      // Before parsing JSON, make sure it is text: a binary file gets a clear error.
      if (line.find('\0') != std::string_view::npos)
        throw InputError(fmt::format("{}:{}: binary file, not a tracediff trace", path, in.lineno()));
      dom::element doc;
      if (parser.parse(line.data(), line.size(), true).get(doc))
        throw InputError(fmt::format("{}:{}: not a tracediff trace (the first line is not a JSON header)",
                                     path, in.lineno()));
      Header h;
      try {
        h = read_header(doc);
      } catch (const BadField& e) {
        throw InputError(fmt::format("{}:{}: {}", path, in.lineno(), e.what()));
      }
      have_header = true;
      on_header(h);
      continue;
    }
    Event e;
    try {
      dom::element doc;
      if (auto err = parser.parse(line.data(), line.size(), true).get(doc))
        throw BadField(simdjson::error_message(err));
      e = read_event(doc);
    } catch (const BadField& err) {
      if (unterminated) {
        warnings.push_back({path, in.lineno(),
                            fmt::format("last line is incomplete (the writer was interrupted); "
                                        "kept the {} events before it",
                                        count)});
        break;
      }
      throw InputError(fmt::format("{}:{}: bad event: {}", path, in.lineno(), err.what()));
    }
    ++count;
    on_event(std::move(e));
  }
  if (!have_header) throw InputError(fmt::format("{}: empty file, not a tracediff trace", path));
  return count;
}

Trace read_trace(const std::string& path) {
  Trace t;
  read_trace_events(
      path, [&](Header& h) { t.header = std::move(h); }, [&](Event&& e) { t.events.push_back(std::move(e)); },
      t.warnings);
  return t;
}

Trace load_any(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path != "-" && !fs::exists(path, ec)) {
    // A -ff set: LOG.<pid> files given by their common prefix.
    fs::path p(path);
    fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    std::string prefix = p.filename().string() + ".";
    std::vector<std::string> set;
    for (const auto& de : fs::directory_iterator(dir, ec)) {
      std::string name = de.path().filename().string();
      if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
          name.find_first_not_of("0123456789", prefix.size()) == std::string::npos)
        set.push_back(de.path().string());
    }
    if (!set.empty()) return import_strace_set(set);
    throw InputError(fmt::format("{}: no such file", path));
  }
  switch (sniff(path)) {
    case FileKind::Trace:
      return read_trace(path);
    case FileKind::StraceLog:
      return import_strace_file(path);
    case FileKind::Empty:
      throw InputError(fmt::format("{}: empty file, neither a trace nor a strace log", path));
    case FileKind::Binary:
      throw InputError(fmt::format("{}: binary file, neither a trace nor a strace log", path));
    case FileKind::Unknown:
      break;
  }
  throw InputError(fmt::format("{}:1: neither a tracediff trace nor a strace log", path));
}

}  // namespace tracediff

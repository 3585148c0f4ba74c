// Decoding trace files. simdjson's DOM parser is used one line at a time:
// it reads a 1M-event trace well inside the budget in docs/performance.md,
// where nlohmann::json took several times longer. The header is read here;
// the event lines are parsed on worker threads (tracefile/batches.h) and
// taken back in file order.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>

#include "model/string_pool.h"
#include "tracefile/batches.h"
#include "tracefile/bytes.h"
#include "tracefile/tracefile.h"
#include "strace/strace.h"

namespace tracediff::tracefile {
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

// A text value that cannot carry a "_hex" key (array element, option
// value): a string, or {"hex": "..."} for bytes that are not UTF-8.
std::string read_text(dom::element v, std::string_view what) {
  std::string_view s;
  if (v.get(s) == simdjson::SUCCESS) return std::string(s);
  dom::object o;
  std::string_view hex;
  if (v.get(o) || o["hex"].get(hex))
    throw BadField(fmt::format("\"{}\" must hold strings or {{\"hex\": ...}} objects", what));
  return from_hex(hex);
}

void read_text_array(dom::element v, std::string_view what, std::vector<std::string>& out) {
  for (dom::element i : as_array(v, what)) out.push_back(read_text(i, what));
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

// Splits a key into its base name and whether it carries the "_hex" suffix.
inline std::string_view base_key(std::string_view k, bool& hex) {
  hex = k.size() > 4 && k.compare(k.size() - 4, 4, "_hex") == 0;
  return hex ? k.substr(0, k.size() - 4) : k;
}

template <typename Str>
void set_text(Str& out, dom::element v, std::string_view key, bool hex) {
  std::string_view s = as_str(v, key);
  if (hex) out = from_hex(s);
  else out.assign(std::string_view(s.data(), s.size()));
}

// Values that repeat from event to event (flag sets, an fd's referent on
// each use, a result's note) share one block (model/compact_string.h):
// on a find of /usr that is about 100 bytes an event. Data strings are
// mostly unique and are not looked up.
StringPool& pool() {
  thread_local StringPool p;
  return p;
}

// Paths have a pool of their own, so that a run of unique paths (a find
// of /usr) does not push the flag sets out of theirs. Paths repeat more
// than one would think: a server's children stat the same files, a shell
// loop runs the same program, and on a server's 1M-event trace sharing them
// saved a tenth of the diff's memory (docs/performance.md).
StringPool& path_pool() {
  thread_local StringPool p;
  return p;
}

void set_shared(CompactString& out, dom::element v, std::string_view key, bool hex, StringPool& p = pool()) {
  if (hex) out = from_hex(as_str(v, key));
  else p.assign(out, as_str(v, key));
}

// Keys are dispatched on their length first: this runs for every argument
// of every event, and a chain of string compares showed up in the profile
// (docs/performance.md). Unknown keys, and "_hex" on a key that is not
// text, are a later minor version's additions: ignored.
void read_arg(dom::element el, Arg& a) {
  for (dom::key_value_pair kv : as_object(el, "args[]")) {
    bool hex;
    std::string_view k = base_key(kv.key, hex);
    dom::element v = kv.value;
    switch (k.size()) {
      case 3:
        if (k == "str") {
          if (a.kind == ArgKind::Path) set_shared(a.str, v, kv.key, hex, path_pool());
          else if (a.kind == ArgKind::String) set_text(a.str, v, kv.key, hex);
          else set_shared(a.str, v, kv.key, hex);
        } else if (k == "abs") {
          set_shared(a.abs, v, kv.key, hex, path_pool());
        } else if (k == "ref") {
          set_shared(a.ref, v, kv.key, hex);
        }
        else if (k == "raw" && !hex) {
          a.raw = as_int(v, k);
          a.has_raw = true;
        }
        break;
      case 4:
        if (k == "kind" && !hex) {
          auto kind = arg_kind_from_string(as_str(v, k));
          if (!kind) throw BadField(fmt::format("unknown argument kind \"{}\"", as_str(v, k)));
          a.kind = *kind;
        } else if (k == "name") {
          set_text(a.name, v, kv.key, hex);
        }
        break;
      case 5:
        if (hex) break;
        if (k == "trunc") {
          a.truncated = as_bool(v, k);
        } else if (k == "items") {
          dom::array items = as_array(v, k);
          a.items.reserve(items.size());
          for (dom::element i : items) read_arg(i, a.items.emplace_back());
        }
        break;
      default:
        break;
    }
  }
  // An absolute path is its own absolute form: one shared block, not two.
  if (!a.abs.empty() && a.abs == a.str) a.abs = a.str;
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
          else if (read_bytes(ck, cv, "type", c.type)) {
          }
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

void read_event(dom::element doc, Event& e) {
  bool have_type = false;
  bool have_ret = false;
  for (dom::key_value_pair kv : as_object(doc, "event")) {
    bool hex;
    std::string_view k = base_key(kv.key, hex);
    dom::element v = kv.value;
    if (hex) {
      // Only text fields have a hex form.
      if (k == "name") set_text(e.name, v, kv.key, hex);
      else if (k == "errno") set_text(e.result.err, v, kv.key, hex);
      else if (k == "ret_str") set_text(e.result.str, v, kv.key, hex);
      else if (k == "ret_ref") set_shared(e.result.ref, v, kv.key, hex);
      else if (k == "ret_note") set_shared(e.result.note, v, kv.key, hex);
      else if (k == "raw") set_text(e.raw, v, kv.key, hex);
      continue;
    }
    switch (k.size()) {
      case 2:
        if (k == "ts") e.ts_ns = as_int(v, k);
        break;
      case 3:
        if (k == "tid") e.tid = static_cast<std::int32_t>(as_int(v, k));
        else if (k == "pid") e.pid = static_cast<std::int32_t>(as_int(v, k));
        else if (k == "ret") {
          e.result.value = as_int(v, k);
          have_ret = true;
        } else if (k == "dur") e.dur_ns = as_int(v, k);
        else if (k == "raw") set_text(e.raw, v, k, false);
        break;
      case 4:
        if (k == "type") {
          auto t = event_type_from_string(as_str(v, k));
          if (!t) throw BadField(fmt::format("unknown event type \"{}\"", as_str(v, k)));
          e.type = *t;
          have_type = true;
        } else if (k == "name") set_text(e.name, v, k, false);
        else if (k == "args") {
          dom::array a = as_array(v, k);
          e.args.reserve(a.size());
          for (dom::element i : a) read_arg(i, e.args.emplace_back());
        } else if (k == "line") e.line = static_cast<std::uint32_t>(as_int(v, k));
        else if (k == "code") e.proc.code = static_cast<std::int32_t>(as_int(v, k));
        else if (k == "core") e.proc.core = as_bool(v, k);
        else if (k == "perm") e.perm = read_perm(v);
        break;
      case 5:
        if (k == "errno") set_text(e.result.err, v, k, false);
        else if (k == "state") {
          auto st = result_state_from_string(as_str(v, k));
          if (!st) throw BadField(fmt::format("unknown result state \"{}\"", as_str(v, k)));
          e.result.state = *st;
        } else if (k == "child") e.proc.child = static_cast<std::int32_t>(as_int(v, k));
        else if (k == "stack") {
          std::vector<std::string> frames;
          read_text_array(v, k, frames);
          e.stack = std::move(frames);
        }
        break;
      case 6:
        if (k == "errnum") e.result.errnum = static_cast<int>(as_int(v, k));
        else if (k == "signal") e.proc.signal = static_cast<std::int32_t>(as_int(v, k));
        else if (k == "thread") e.proc.thread = as_bool(v, k);
        break;
      case 7:
        if (k == "ret_str") set_text(e.result.str, v, k, false);
        else if (k == "ret_ref") set_shared(e.result.ref, v, k, false);
        else if (k == "stopped") e.proc.stopped = as_bool(v, k);
        break;
      case 8:
        if (k == "ret_note") set_shared(e.result.note, v, k, false);
        else if (k == "injected") e.result.injected = as_bool(v, k);
        break;
      default:
        break;
    }
  }
  if (!have_type) throw BadField("missing \"type\"");
  // "ret" means the call returned, whatever the order of the keys.
  if (have_ret) e.result.state = ResultState::Returned;
}

Header read_header(dom::element doc) {
  Header h;
  h.tool_version.clear();
  dom::object o;
  if (doc.get(o)) throw BadField("not a JSON object");
  std::string_view ver;
  if (o["tracediff"].get(ver)) throw BadField("no \"tracediff\" version: not a tracediff trace");
  // "MAJOR.MINOR", both unsigned decimal; from_chars rejects overflow, where
  // sscanf's behaviour is undefined.
  int major = 0, minor = 0;
  {
    const char* b = ver.data();
    const char* end = b + ver.size();
    auto r1 = std::from_chars(b, end, major);
    bool ok = r1.ec == std::errc() && r1.ptr != end && *r1.ptr == '.' && major >= 0;
    if (ok) {
      auto r2 = std::from_chars(r1.ptr + 1, end, minor);
      ok = r2.ec == std::errc() && r2.ptr == end && minor >= 0;
    }
    if (!ok) throw BadField(fmt::format("bad format version \"{}\" (expected MAJOR.MINOR)", ver));
  }
  if (major != kFormatMajor)
    throw BadField(fmt::format("trace format version {} is not supported by this tracediff (it reads {}.x)",
                               ver, kFormatMajor));
  h.format_major = major;
  h.format_minor = minor;
  for (auto [k, v] : o) {
    if (read_bytes(k, v, "tool", h.tool_version) || read_bytes(k, v, "source", h.source) ||
        read_bytes(k, v, "created", h.created) || read_bytes(k, v, "time_base", h.time_base)) {
    } else if (k == "command") {
      read_text_array(v, k, h.command);
    } else if (k == "attached") {
      for (dom::element c : as_array(v, k)) h.attached.push_back(static_cast<std::int32_t>(as_int(c, k)));
    } else if (k == "options") {
      for (auto [ok, ov] : as_object(v, k)) h.options[std::string(ok)] = read_text(ov, ok);
    } else if (k == "host") {
      HostInfo& x = h.host;
      for (dom::key_value_pair kv : as_object(v, k)) {
        // Plain locals: clang 14 cannot capture structured bindings in a lambda.
        std::string_view hk = kv.key;
        dom::element hv = kv.value;
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
            x.limits[std::string(lk)] = Limit{read_text(pair.at(0).value(), lk), read_text(pair.at(1).value(), lk)};
          }
        } else if (hk == "env") {
          x.env.emplace();
          read_text_array(hv, hk, *x.env);
        } else if (hk == "mounts") {
          read_text_array(hv, hk, x.mounts);
        }
      }
    }
  }
  return h;
}

}  // namespace

namespace {

// After this many events, the vector is reserved for the whole file.
constexpr std::size_t kSampleEvents = 4096;

// Reserves the events vector from the size of the file and the mean line
// so far, so that a large trace is not copied log2(N) times while growing
// (that doubled the peak memory). Untouched capacity costs address space,
// not memory, so the estimate errs high: the first lines of a trace (exec,
// dynamic loading) are longer than the mean, by 40% in bench/import-read.sh.
void reserve_events(std::vector<Event>& events, const LineReader& in, std::uint64_t header_bytes,
                    std::uint64_t event_bytes, double margin) {
  std::uint64_t total = in.size_hint();
  if (total <= header_bytes + event_bytes || event_bytes == 0) return;
  double per_line = static_cast<double>(event_bytes) / static_cast<double>(events.size());
  double lines = static_cast<double>(total - header_bytes) / per_line * margin;
  // Never less than an eighth more than now: the vector is full when this
  // is called again.
  lines = std::max(lines, static_cast<double>(events.size()) * 1.125);
  if (lines > static_cast<double>(events.max_size())) return;
  try {
    events.reserve(static_cast<std::size_t>(lines));
  } catch (const std::bad_alloc&) {
    // Only an optimisation: growing as usual still works.
  } catch (const std::length_error&) {
  }
}

// Where parsed events go: read_trace keeps them in its vector,
// read_trace_events hands each one to a callback.
struct VectorSink {
  Trace& t;
  const std::function<void()>& each;
  void header(Header& h) { t.header = std::move(h); }
  void take(Event&& e, const LineReader& in, std::uint64_t header_bytes, std::uint64_t event_bytes) {
    std::vector<Event>& ev = t.events;
    if (ev.size() == kSampleEvents) reserve_events(ev, in, header_bytes, event_bytes, 1.5);
    // Full although reserved: estimate again from everything read so far
    // rather than let the vector double.
    else if (ev.size() > kSampleEvents && ev.size() == ev.capacity())
      reserve_events(ev, in, header_bytes, event_bytes, 1.05);
    ev.push_back(std::move(e));
    if (each) each();
  }
};

struct CallbackSink {
  const std::function<void(Header&)>& on_header;
  const std::function<void(Event&&)>& on_event;
  void header(Header& h) { on_header(h); }
  void take(Event&& e, const LineReader&, std::uint64_t, std::uint64_t) { on_event(std::move(e)); }
};

static_assert(kBatchPadding >= simdjson::SIMDJSON_PADDING);

}  // namespace

// One event line, on a worker thread: the batch pads its lines, so simdjson
// parses them where they lie.
bool detail::parse_event(std::string_view line, Event& e, std::string& error) {
  thread_local dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(line.data(), line.size(), false).get(doc)) {
    error = simdjson::error_message(err);
    return false;
  }
  try {
    read_event(doc, e);
  } catch (const BadField& x) {
    error = x.what();
    return false;
  }
  return true;
}

namespace {
using detail::parse_event;

template <typename Sink>
std::size_t read_events(const std::string& path, Sink& sink, std::vector<Warning>& warnings) {
  LineReader in(path);
  std::uint64_t header_bytes = 0;
  {
    std::string_view line;
    bool unterminated = false;
    bool have_header = false;
    while (!have_header && in.next(line, unterminated)) {
      if (blank_line(line)) continue;
      // Before parsing JSON, make sure it is text: a binary file gets a clear error.
      if (line.find('\0') != std::string_view::npos)
        throw InputError(fmt::format("{}:{}: binary file, not a tracediff trace", path, in.lineno()));
      dom::parser parser;
      dom::element doc;
      if (parser.parse(line.data(), line.size(), true).get(doc))
        throw InputError(fmt::format("{}:{}: not a tracediff trace (the first line is not a JSON header)",
                                     path, in.lineno()));
      header_bytes = line.size() + 1;
      Header h;
      try {
        h = read_header(doc);
      } catch (const BadField& e) {
        throw InputError(fmt::format("{}:{}: {}", path, in.lineno(), e.what()));
      }
      have_header = true;
      sink.header(h);
    }
    if (!have_header) throw InputError(fmt::format("{}: empty file, not a tracediff trace", path));
  }
  // The events are parsed on worker threads (tracefile/batches.h) and
  // taken here in file order, a quarter of the importer's batch at a time:
  // a batch of decoded events then stays in a core's cache between its
  // worker and here (5-11% less CPU for a 1M x 1M diff, docs/performance.md).
  BatchReader<Event> batches(in, parse_event, default_batch_workers(), BatchReader<Event>::Blank::Skip,
                             BatchSize{1024, std::size_t{1} << 18});
  std::uint64_t event_bytes = 0;
  std::size_t count = 0;
  while (LineBatch<Event>* b = batches.next()) {
    for (std::size_t i = 0; i < b->items.size(); ++i) {
      event_bytes += b->line(i).size() + 1;
      sink.take(std::move(b->items[i]), in, header_bytes, event_bytes);
      ++count;
    }
    if (b->fatal) std::rethrow_exception(b->fatal);
    if (b->failed == LineBatch<Event>::npos) continue;
    std::uint32_t lineno = b->linenos[b->failed];
    if (b->failed + 1 == b->size() && b->last_unterminated) {
      warnings.push_back({path, lineno,
                          fmt::format("last line is incomplete (the writer was interrupted); "
                                      "kept the {} events before it",
                                      count)});
      return count;
    }
    throw InputError(fmt::format("{}:{}: bad event: {}", path, lineno, b->error));
  }
  if (in.truncated())
    warnings.push_back({path, in.lineno(),
                        fmt::format("compressed data ends mid-frame (the writer was interrupted); "
                                    "kept the {} events before it",
                                    count)});
  return count;
}

}  // namespace

std::size_t read_trace_events(const std::string& path, const std::function<void(Header&)>& on_header,
                              const std::function<void(Event&&)>& on_event, std::vector<Warning>& warnings) {
  CallbackSink sink{on_header, on_event};
  return read_events(path, sink, warnings);
}

Trace read_trace(const std::string& path, const std::function<void()>& each) {
  Trace t;
  VectorSink sink{t, each};
  read_events(path, sink, t.warnings);
  return t;
}

}  // namespace tracediff::tracefile

// Importing strace logs in one pass over the lines. Each event is handed out
// as soon as nothing later can change it: an unfinished call holds back the
// events after it (its spawn/exec must follow it), and a log whose first
// task has no pid prefix is held until its pid shows. -ff sets are merged by
// time afterwards. The grammar lives in strace_lexer.cc / strace_args.cc.
#include "strace/strace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>

#include "tracefile/tracefile.h"
#include "strace/enrich.h"
#include "strace/parse.h"
#include "strace/reassembly.h"

namespace tracediff::strace {
namespace {

using detail::LinePrefix;
using detail::StampKind;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
std::string_view ltrim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

const char* time_base_name(StampKind k);
std::int32_t infer_unprefixed_pid(const std::vector<Event>& evs);

// The events of a file not yet handed out, addressed by their index in the
// whole file: a call left unfinished keeps its place while the events before
// it leave. A vector with a moving head rather than a deque: a deque of
// 384-byte events allocates a node per event.
class EventQueue {
 public:
  /// Index the next event will get.
  std::size_t size() const { return base_ + (v_.size() - head_); }
  std::size_t base() const { return base_; }
  Event& operator[](std::size_t i) { return v_[head_ + (i - base_)]; }
  Event& back() { return v_.back(); }
  Event& front() { return v_[head_]; }
  void push_back(Event e) {
    // Reclaim the handed-out front once it is half the storage; usually only
    // the last event or two are still here then, so little moves.
    if (head_ && head_ * 2 >= v_.size()) {
      std::move(v_.begin() + static_cast<std::ptrdiff_t>(head_), v_.end(), v_.begin());
      v_.resize(v_.size() - head_);
      head_ = 0;
    }
    v_.push_back(std::move(e));
  }
  void resize(std::size_t n) { v_.resize(head_ + (n - base_)); }
  void pop_front() {
    ++head_;
    ++base_;
  }
  std::vector<Event> copy() const {
    return std::vector<Event>(v_.begin() + static_cast<std::ptrdiff_t>(head_), v_.end());
  }

 private:
  std::vector<Event> v_;
  std::size_t head_ = 0;
  std::size_t base_ = 0;
};

// The state of one file being imported. Events are handed to `on_event` in
// order as soon as nothing later can change them, so that a long log never
// has to sit in memory whole.
class Importer final : public detail::LineSink {
 public:
  using EventSink = std::function<void(Event&&)>;
  Importer(const std::string& file, const ImportOptions& opt, EventSink sink)
      : file_(file), opt_(opt), sink_(std::move(sink)) {}

  /// Hands out the events that are final. `at_end`: the file is over, hand
  /// out everything.
  void drain(bool at_end);
  /// The header as far as the log told it (call after drain(true) for the
  /// final one).
  Header header() const;
  /// How many events have been handed out.
  std::size_t emitted() const { return events_.base() + emitted_extra_; }

  /// `last`: the final line of the file, which may be a call strace had
  /// started writing when the log was taken (no ')' yet).
  void line(std::string_view raw, std::uint32_t lineno, bool last = false) { joiner_.line(raw, lineno, last); }

  std::uint32_t unparsed() const { return unparsed_; }
  /// The pid of the task whose lines carry no prefix, once the log showed it.
  std::int32_t root() const { return root_; }
  std::uint32_t first_unparsed() const { return first_unparsed_; }

 private:
  // detail::LineSink: the lines as strace wrote them, from joiner_.
  void logical_line(std::string_view raw, std::uint32_t lineno, bool last) override;
  void place(Event&& e) override { events_.push_back(std::move(e)); }
  void foreign_text(std::string_view text, std::int32_t tid, std::uint32_t lineno) override {
    unparsed_line(text, tid, lineno);
  }

  void unparsed_line(std::string_view raw, std::int32_t tid, std::uint32_t lineno);
  bool syscall_line(std::string_view body, Event& ev);
  bool resumed_line(std::string_view body, Event& ev);
  bool cut_call_line(std::string_view body, Event& ev);
  bool signal_line(std::string_view body, Event& ev);
  bool process_line(std::string_view body, Event& ev);
  bool strace_message(std::string_view body, Event& ev);
  // Types arguments, tracks the cwd and synthesizes spawn/exec events after
  // a completed call sitting at `slot`.
  void complete(std::size_t slot);
  // Puts a synthesized event right after events_[slot]: at once when that is
  // the last event, else when slot is handed out (a call resumed later).
  void place_after(std::size_t slot, Event e) {
    if (slot + 1 == events_.size()) events_.push_back(std::move(e));
    else inserts_[slot].push_back(std::move(e));
  }
  // Hands `e` to the sink, which may move from it.
  void emit(Event& e);

  std::string file_;
  ImportOptions opt_;
  EventSink sink_;
  EventQueue events_;
  std::map<std::size_t, std::vector<Event>> inserts_;  // synthesized: go right after events_[first]
  std::size_t emitted_extra_ = 0;                     // inserts handed out
  std::vector<std::string> command_;
  detail::Enricher enricher_;
  bool command_known_ = false;
  detail::PendingCalls pending_;
  detail::LineJoiner joiner_{*this};
  detail::Clock clock_;
  std::string scratch_, joined_;
  std::size_t last_ = SIZE_MAX;     // the event -k stack lines belong to
  // Without -o, strace omits the pid prefix while it traces one task only;
  // root_ is that task's pid once known, and zero_children_ the tasks it
  // created while still unknown.
  std::int32_t root_ = 0;
  bool saw_unprefixed_ = false;
  std::vector<std::int32_t> zero_children_;
  std::int32_t resume_tid_ = 0;     // the tid a resumed call finished under
  void set_root(std::int32_t pid);
  void release_old_pending();
  std::uint32_t released_ = 0, first_released_ = 0;

 public:
  /// Unfinished calls that were handed out before their end was seen.
  std::uint32_t released() const { return released_; }
  std::uint32_t first_released() const { return first_released_; }

 private:
  std::uint32_t unparsed_ = 0, first_unparsed_ = 0;
};

void Importer::set_root(std::int32_t pid) {
  root_ = pid;
  pending_.adopt_unprefixed(pid);
  enricher_.adopt_unprefixed(pid);
}

void Importer::unparsed_line(std::string_view raw, std::int32_t tid, std::uint32_t lineno) {
  Event ev;
  ev.type = EventType::Unparsed;
  ev.tid = tid;
  ev.line = lineno;
  ev.raw.assign(raw);
  events_.push_back(std::move(ev));
  if (!unparsed_++) first_unparsed_ = lineno;
}

void Importer::logical_line(std::string_view raw, std::uint32_t lineno, bool last) {
  std::string_view s = rtrim(detail::strip_ansi(raw, scratch_));
  const std::string_view full = s;
  if (ltrim(s).empty()) return;
  // -k: " > /lib/libc.so.6(__read+0x12) [0x10e1f2]" belongs to the call above.
  if (starts_with(s, " > ")) {
    if (last_ != SIZE_MAX) {
      events_[last_].stack.emplace_back(s.substr(3));
      return;
    }
    unparsed_line(raw, 0, lineno);
    return;
  }
  LinePrefix pre;
  detail::parse_prefix(s, pre);
  Event ev;
  ev.tid = pre.pid ? pre.pid : opt_.default_pid ? opt_.default_pid : root_;
  ev.line = lineno;
  bool unprefixed = !pre.pid && !opt_.default_pid && !starts_with(s, "strace: ");
  if (pre.pid && !root_ && saw_unprefixed_ &&
             std::find(zero_children_.begin(), zero_children_.end(), pre.pid) == zero_children_.end()) {
    // The first prefixed task that the unprefixed one did not create is it.
    set_root(pre.pid);
  }
  ev.ts_ns = clock_.time_of(pre);

  bool ok = false;
  // By first byte: almost every line is a call, which starts with a letter.
  switch (s.empty() ? '\0' : s[0]) {
    case '+': ok = starts_with(s, "+++ ") && process_line(s, ev); break;
    case '-': ok = starts_with(s, "--- ") && signal_line(s, ev); break;
    case '<': ok = starts_with(s, "<... ") && resumed_line(s, ev); break;
    case 's':
    case 'P':
      if (starts_with(s, "strace: ") || starts_with(s, "Process ")) {
        ok = strace_message(s, ev);
        break;
      }
      [[fallthrough]];
    default: ok = syscall_line(s, ev);
  }
  if (!ok && !last && joiner_.cut_attach_message(raw, lineno)) {
    ok = true;
    last_ = SIZE_MAX;  // the message is placed later, after the line it cut
  }
  if (!ok && !last) ok = joiner_.hold_cut_call(full, s, ev.tid, lineno);
  if (!ok && last) ok = cut_call_line(s, ev);
  if (!ok) unparsed_line(raw, ev.tid, lineno);
  // Only a line that parsed says that the log has an unprefixed task.
  if (ok && unprefixed) saw_unprefixed_ = true;
}

bool Importer::syscall_line(std::string_view s, Event& ev) {
  std::string_view start;
  detail::CallEnd end = detail::parse_call_line(s, ev, start, joined_);
  if (end == detail::CallEnd::NotACall) return false;
  std::size_t slot = events_.size();
  if (end == detail::CallEnd::Unfinished) pending_.start(ev.tid, detail::PendingCall{slot, ev.name, std::string(start)});
  events_.push_back(std::move(ev));
  last_ = slot;
  if (end == detail::CallEnd::Whole) complete(slot);
  else enricher_.type_args(events_[slot]);
  return true;
}

bool Importer::cut_call_line(std::string_view s, Event& ev) {
  if (!detail::parse_cut_call_line(s, ev, joined_)) return false;
  events_.push_back(std::move(ev));
  last_ = events_.size() - 1;
  enricher_.type_args(events_[last_]);
  return true;
}

bool Importer::resumed_line(std::string_view s, Event& ev) {
  std::string_view name, rest;
  if (!detail::parse_resumed_head(s, name, rest)) return false;

  if (std::optional<detail::PendingCall> pend = pending_.resume(ev.tid, name)) {
    std::vector<Arg> args;
    Result r;
    std::int64_t dur = -1;
    if (!detail::parse_resumed_call(pend->text, rest, args, r, dur, joined_)) return false;
    Event& slot = events_[pend->slot];
    slot.args = std::move(args);
    slot.result = std::move(r);
    slot.dur_ns = dur;
    last_ = pend->slot;
    resume_tid_ = ev.tid;
    complete(pend->slot);
    resume_tid_ = 0;
    return true;
  }

  // No start in this log (attached mid-call, or a log cut at the top).
  ev.name.assign(name);
  if (!rest.empty() && rest[0] == ',') rest = ltrim(rest.substr(1));
  if (!detail::parse_call_rest(rest, ev)) return false;
  std::size_t slot = events_.size();
  events_.push_back(std::move(ev));
  last_ = slot;
  complete(slot);
  return true;
}

bool Importer::signal_line(std::string_view s, Event& ev) {
  if (!detail::parse_signal_line(s, ev, joined_)) return false;
  events_.push_back(std::move(ev));
  last_ = events_.size() - 1;
  return true;
}

bool Importer::process_line(std::string_view s, Event& ev) {
  if (!detail::parse_process_line(s, ev)) return false;
  if (ev.name == kProcSuperseded) {
    // The exec'ing thread T now has the leader's pid: its pending execve
    // resumes under this line's pid.
    pending_.supersede(ev.proc.child, ev.tid);
  } else {
    // A task that is gone resumes nothing: its unfinished call stays so and
    // stops holding back the events after it.
    pending_.forget(ev.tid);
  }
  events_.push_back(std::move(ev));
  last_ = events_.size() - 1;
  return true;
}

bool Importer::strace_message(std::string_view s, Event& ev) {
  if (!detail::parse_strace_message(s, ev)) return false;
  events_.push_back(std::move(ev));
  last_ = events_.size() - 1;
  return true;
}

void Importer::complete(std::size_t slot) {
  Event& e = events_[slot];
  enricher_.type_args(e);
  const Result& r = e.result;
  std::string_view n = e.name;
  if (e.tid == 0 && !root_ && r.state == ResultState::Returned && !r.failed() && r.value > 0 &&
      (n == "getpid" || n == "gettid" || n == "set_tid_address")) {
    set_root(static_cast<std::int32_t>(r.value));
    return;
  }
  std::optional<Event> implied = enricher_.implied_event(e, resume_tid_, root_);
  if (!implied) return;
  if (implied->name == kProcSpawn) {
    if (e.tid == 0) zero_children_.push_back(implied->proc.child);
  } else if (!command_known_) {
    command_known_ = true;
    for (const Arg& a : implied->args[1].items) command_.push_back(a.str);
  }
  place_after(slot, std::move(*implied));
}

void Importer::emit(Event& e) {
  if (e.tid == 0 && root_) e.tid = root_;
  e.pid = enricher_.tgid_of(e.tid);
  sink_(std::move(e));
}

// Events held back for the header's command (the first exec, normally on the
// first line); past this many the header goes out without it.
constexpr std::size_t kHoldForCommand = 4096;

// A call unfinished for this many events no longer holds the events after
// it: a daemon's thread can sit in epoll_wait for a whole log, and holding
// everything behind it would keep the log in memory. About 60 MB of events.
constexpr std::size_t kMaxHeld = 1 << 17;

void Importer::release_old_pending() {
  if (events_.size() - events_.base() <= kMaxHeld) return;
  std::size_t oldest_kept = events_.size() - kMaxHeld / 2;
  pending_.drop_older_than(oldest_kept, [&](const detail::PendingCall& call) {
    // It stays an unfinished call; its "<... resumed>" line, when it comes,
    // becomes a call of its own. Said once in a warning.
    if (!released_++) first_released_ = events_[call.slot].line;
  });
}

void Importer::drain(bool at_end) {
  std::size_t limit = events_.size();
  if (at_end) {
    joiner_.finish();
    limit = events_.size();
    if (saw_unprefixed_ && !root_) {
      std::vector<Event> held = events_.copy();
      if (std::int32_t r = infer_unprefixed_pid(held)) root_ = r;
    }
  } else {
    // Not before the last event (-k stack lines may follow), an unfinished
    // call (its spawn/exec goes right after it), or while the unprefixed
    // task's pid or the command is still to come.
    if (last_ != SIZE_MAX) limit = std::min(limit, last_);
    release_old_pending();
    limit = pending_.oldest_slot(limit);
    if (saw_unprefixed_ && !root_) return;
    if (!command_known_ && events_.size() < kHoldForCommand) return;
  }
  while (events_.base() < limit) {
    std::size_t idx = events_.base();
    emit(events_.front());  // in place: no move unless the sink keeps it
    events_.pop_front();
    auto it = inserts_.find(idx);
    if (it != inserts_.end()) {
      for (Event& e : it->second) {
        emit(e);
        ++emitted_extra_;
      }
      inserts_.erase(it);
    }
  }
}

const char* time_base_name(StampKind k) {
  switch (k) {
    case StampKind::TimeOfDay: return "time-of-day";
    case StampKind::Epoch: return "epoch";
    case StampKind::Relative: return "relative";
    case StampKind::None: break;
  }
  return "";
}

// A log without pid prefixes until its first fork: those lines belong to the
// first process, whose pid the log shows only indirectly. Calls that return
// the caller's own id say it; else the first prefixed task that is not a
// child of it is the one that was unprefixed.
std::int32_t infer_unprefixed_pid(const std::vector<Event>& evs) {
  std::vector<std::int32_t> children;
  for (const Event& e : evs) {
    if (e.tid == 0) {
      if (e.type == EventType::Syscall && e.result.state == ResultState::Returned && !e.result.failed() &&
          e.result.value > 0 &&
          (e.name == "getpid" || e.name == "gettid" || e.name == "set_tid_address"))
        return static_cast<std::int32_t>(e.result.value);
      if (e.type == EventType::Process && e.name == kProcSpawn) children.push_back(e.proc.child);
      continue;
    }
    if (e.type == EventType::Process && (e.name == kProcAttached || e.name == kProcDetached)) continue;
    if (std::find(children.begin(), children.end(), e.tid) == children.end()) return e.tid;
  }
  return 0;
}

// A -ff set: each file knows only its own task, so the thread groups and the
// command are filled in once all files are merged.
void finish_set(Trace& t) {
  std::unordered_map<std::int32_t, std::int32_t> tgid;
  for (const Event& e : t.events) {
    if (e.type == EventType::Process && e.name == kProcSpawn) {
      auto it = tgid.find(e.tid);
      std::int32_t parent = it == tgid.end() ? e.tid : it->second;
      tgid[e.proc.child] = e.proc.thread ? parent : e.proc.child;
    }
  }
  for (Event& e : t.events) {
    auto it = tgid.find(e.tid);
    e.pid = it == tgid.end() ? e.tid : it->second;
  }
  for (const Event& e : t.events) {
    if (e.type == EventType::Process && e.name == kProcExec && e.args.size() >= 2) {
      for (const Arg& a : e.args[1].items) t.header.command.push_back(a.str);
      break;
    }
  }
}

std::optional<Warning> unparsed_warning(const std::string& file, const Importer& im) {
  if (!im.unparsed()) return std::nullopt;
  return Warning{file, im.first_unparsed(),
                 fmt::format("{} line{} could not be parsed (first at line {})", im.unparsed(),
                             im.unparsed() == 1 ? "" : "s", im.first_unparsed())};
}

void add_warnings(std::vector<Warning>& out, const std::string& file, const Importer& im) {
  if (auto w = unparsed_warning(file, im)) out.push_back(std::move(*w));
  if (im.released())
    out.push_back(Warning{file, im.first_released(),
                          fmt::format("{} call{} stayed unfinished for over {} events and {} kept as separate "
                                      "start and end (first at line {})",
                                      im.released(), im.released() == 1 ? "" : "s", kMaxHeld,
                                      im.released() == 1 ? "is" : "are", im.first_released())});
}

// Calls fn(line, lineno, is_last) for each line of `text`.
template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  std::uint32_t lineno = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    bool last = nl == std::string_view::npos || nl + 1 == text.size();
    fn(line, ++lineno, last);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// Lines between two hand-outs: often enough to keep memory small, rarely
// enough that looking at the open calls costs nothing.
constexpr std::uint32_t kDrainEvery = 1024;

}  // namespace

Header Importer::header() const {
  Header h;
  h.source = "strace";
  h.time_base = time_base_name(clock_.kind());
  h.command = command_;
  return h;
}

Trace import_strace_text(std::string_view text, const std::string& file, const ImportOptions& opt) {
  Trace t;
  Importer im(file, opt, [&](Event&& e) { t.events.push_back(std::move(e)); });
  for_each_line(text, [&](std::string_view line, std::uint32_t n, bool last) {
    im.line(line, n, last);
    if (n % kDrainEvery == 0) im.drain(false);
  });
  im.drain(true);
  t.header = im.header();
  add_warnings(t.warnings, file, im);
  return t;
}

Trace import_strace_file(const std::string& path) {
  return import_strace_text(tracefile::read_file_decompressed(path), path);
}

std::size_t import_strace_stream(const std::string& path, const std::function<void(const Header&)>& on_header,
                                 const std::function<void(Event&&)>& on_event, std::vector<Warning>& warnings) {
  tracefile::LineReader reader(path);
  bool header_sent = false;
  std::size_t count = 0;
  Importer* imp = nullptr;
  Importer im(path, ImportOptions{}, [&](Event&& e) {
    if (!header_sent) {
      on_header(imp->header());
      header_sent = true;
    }
    ++count;
    on_event(std::move(e));
  });
  imp = &im;
  // One line of look-ahead: the importer needs to know which line is last.
  std::string prev;
  std::uint32_t prev_no = 0;
  bool have_prev = false;
  std::string_view line;
  bool unterminated = false;
  while (reader.next(line, unterminated)) {
    if (have_prev) {
      im.line(prev, prev_no, false);
      if (prev_no % kDrainEvery == 0) im.drain(false);
    }
    prev.assign(line);
    prev_no = reader.lineno();
    have_prev = true;
  }
  if (have_prev) im.line(prev, prev_no, true);
  im.drain(true);
  if (!header_sent) on_header(im.header());
  add_warnings(warnings, path, im);
  return count;
}

Trace import_strace_set(const std::vector<std::string>& paths_in) {
  if (paths_in.empty()) throw InputError("no strace log given");
  // Each LOG.<pid> file: its pid comes from the suffix. Files are taken in
  // pid order so that ties in time keep a stable, meaningful order.
  struct Part {
    std::string path;
    std::int32_t pid = 0;
    Trace trace;
  };
  std::vector<Part> parts;
  for (const std::string& p : paths_in) {
    Part part;
    part.path = p;
    std::string name = std::filesystem::path(p).filename().string();
    std::size_t dot = name.rfind('.');
    if (dot != std::string::npos) detail::parse_i32(name.substr(dot + 1), part.pid);
    parts.push_back(std::move(part));
  }
  std::stable_sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.pid < b.pid; });

  Trace t;
  bool all_stamped = true;
  for (Part& part : parts) {
    ImportOptions opt;
    opt.default_pid = part.pid;
    part.trace = import_strace_text(tracefile::read_file_decompressed(part.path), part.path, opt);
    if (t.header.time_base.empty()) t.header.time_base = part.trace.header.time_base;
    if (part.trace.header.time_base != "epoch" && part.trace.header.time_base != "time-of-day")
      all_stamped = false;
    for (Warning& w : part.trace.warnings) t.warnings.push_back(std::move(w));
  }
  t.header.source = "strace";
  std::size_t total = 0;
  for (const Part& p : parts) total += p.trace.events.size();
  t.events.reserve(total);
  for (Part& p : parts)
    for (Event& e : p.trace.events) t.events.push_back(std::move(e));
  if (all_stamped && parts.size() > 1) {
    // Absolute times from one clock: merge by time, file order breaking ties.
    std::stable_sort(t.events.begin(), t.events.end(),
                     [](const Event& a, const Event& b) { return a.ts_ns < b.ts_ns; });
  }
  finish_set(t);
  return t;
}

bool looks_like_strace(std::string_view text) {
  // Judge by the real grammar: the first line must be strace output and most
  // of the following ones too (the program's own stderr may be mixed in).
  bool cut = !text.empty() && text.back() != '\n';
  Importer im("", ImportOptions{}, [](Event&&) {});
  std::uint32_t lines = 0;
  bool first_ok = false, seen_first = false;
  for_each_line(text, [&](std::string_view line, std::uint32_t n, bool) {
    if (lines >= 64) return;
    if (cut && line.data() + line.size() == text.data() + text.size()) return;
    if (rtrim(line).empty()) return;
    std::uint32_t before = im.unparsed();
    im.line(line, n);
    ++lines;
    if (!seen_first) {
      seen_first = true;
      first_ok = im.unparsed() == before;
    }
  });
  return first_ok && im.unparsed() * 2 <= lines;
}

}  // namespace tracediff::strace

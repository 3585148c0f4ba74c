// One strace log imported in one pass over its lines (importer.h), and the
// public entry points for a log in memory, a file, and a stream.
#include "strace/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "tracefile/batches.h"
#include "tracefile/tracefile.h"

namespace tracediff::strace {
namespace detail {
namespace {

const char* time_base_name(StampKind k) {
  switch (k) {
    case StampKind::TimeOfDay: return "time-of-day";
    case StampKind::Epoch: return "epoch";
    case StampKind::Relative: return "relative";
    case StampKind::None: break;
  }
  return "";
}

// Lines between two hand-outs: often enough to keep memory small, rarely
// enough that looking at the open calls costs nothing.
constexpr std::uint32_t kDrainEvery = 1024;

}  // namespace

void Importer::logical_line(std::string_view raw, std::uint32_t lineno, bool last) {
  std::string_view s = trim_right(strip_ansi(raw, scratch_));
  const std::string_view full = s;
  if (trim_left(s).empty()) return;
  // -k: " > /lib/libc.so.6(__read+0x12) [0x10e1f2]" belongs to the call above.
  if (s.starts_with(" > ")) {
    if (last_ != SIZE_MAX) {
      at(last_).stack.emplace_back(s.substr(3));
      return;
    }
    unparsed_line(raw, 0, lineno);
    return;
  }
  LinePrefix pre;
  parse_prefix(s, pre);
  Event ev;
  bool unprefixed = begin_line(pre, lineno, ev) && !s.starts_with("strace: ");

  bool ok = dispatch(s, ev);
  bool continuation = !ok && !pre.pid && bare_continuation(s);
  if (continuation) {
    ok = true;
    unprefixed = false;  // the line belongs to the call's task, not to one without a prefix
  }
  // What another writer did to the line, when it did not parse.
  if (!ok && !last && joiner_.cut_attach_message(raw, lineno)) {
    ok = true;
    last_ = SIZE_MAX;  // the message is placed later, after the line it cut
  }
  if (!ok && !last) ok = joiner_.hold_cut_call(full, s, ev.tid, lineno);
  if (!ok && last) ok = cut_call_line(s, ev);
  if (!ok) unparsed_line(raw, ev.tid, lineno);
  // Only a line that parsed says that the log has an unprefixed task.
  if (ok && unprefixed) unprefixed_.seen();
}

void parse_line_alone(std::string_view raw, ParsedLine& out, std::string& scratch, std::string& scratch2) {
  // What logical_line() and dispatch() do before a call line reaches
  // call_line(), in the same order, so that a line taken here is parsed as
  // the importer would have parsed it.
  out.call = false;
  std::string_view s = trim_right(strip_ansi(raw, scratch));
  if (trim_left(s).empty() || s.starts_with(" > ")) return;
  parse_prefix(s, out.pre);
  if (s.empty()) return;
  switch (s[0]) {
    case '+':
    case '-':
    case '<': return;
    case 's':
    case 'P':
      if (s.starts_with("strace: ") || s.starts_with("Process ")) return;
      break;
    default: break;
  }
  std::string_view start;
  out.end = parse_call_line(s, out.ev, start, scratch2);
  if (out.end == CallEnd::NotACall) {
    out.ev = Event{};
    return;
  }
  if (out.end == CallEnd::Unfinished) out.start.assign(start);
  out.call = true;
}

void Importer::line(std::string_view raw, std::uint32_t lineno, bool last, ParsedLine& parsed) {
  // The joiner hands a line on as it is unless it holds the start of a cut
  // one; then the line is not what the worker saw alone.
  if (!parsed.call || !joiner_.idle()) return line(raw, lineno, last);
  Event& ev = parsed.ev;
  bool unprefixed = begin_line(parsed.pre, lineno, ev);
  place_call(ev, parsed.end, parsed.start);
  if (unprefixed) unprefixed_.seen();
}

bool Importer::begin_line(const LinePrefix& pre, std::uint32_t lineno, Event& ev) {
  ev.tid = pre.pid ? pre.pid : opt_.default_pid ? opt_.default_pid : unprefixed_.pid();
  ev.line = lineno;
  bool unprefixed = !pre.pid && !opt_.default_pid;
  if (unprefixed_.learn_from_line(pre.pid)) adopt_unprefixed(pre.pid);
  ev.ts_ns = clock_.time_of(pre);
  return unprefixed;
}

bool Importer::dispatch(std::string_view s, Event& ev) {
  // By first byte: almost every line is a call, which starts with a letter.
  switch (s.empty() ? '\0' : s[0]) {
    case '+': return s.starts_with("+++ ") && process_line(s, ev);
    case '-':
      if (!s.starts_with("--- ") || !parse_signal_line(s, ev, joined_)) return false;
      append(std::move(ev));
      return true;
    case '<': return s.starts_with("<... ") && resumed_line(s, ev);
    case 's':
    case 'P':
      if (s.starts_with("strace: ") || s.starts_with("Process ")) {
        if (!parse_strace_message(s, ev)) return false;
        append(std::move(ev));
        return true;
      }
      [[fallthrough]];
    default: return call_line(s, ev);
  }
}

void Importer::append(Event&& ev) {
  events_.push_back(std::move(ev));
  last_ = events_.size() - 1;
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

bool Importer::call_line(std::string_view s, Event& ev) {
  std::string_view start;
  CallEnd end = parse_call_line(s, ev, start, joined_);
  if (end == CallEnd::NotACall) return false;
  place_call(ev, end, start);
  return true;
}

void Importer::place_call(Event& ev, CallEnd end, std::string_view start) {
  std::size_t slot = events_.size();
  if (end == CallEnd::Unfinished)
    pending_.start(ev.tid, PendingCall{slot, ev.name, std::string(start), implies_event(syscall_info(ev.name))});
  append(std::move(ev));
  if (end == CallEnd::Whole) complete(slot);
  else enricher_.type_args(events_[slot]);
}

bool Importer::cut_call_line(std::string_view s, Event& ev) {
  if (!parse_cut_call_line(s, ev, joined_)) return false;
  append(std::move(ev));
  enricher_.type_args(events_[last_]);
  return true;
}

bool Importer::resumed_line(std::string_view s, Event& ev) {
  std::string_view name, rest;
  if (!parse_resumed_head(s, name, rest)) return false;

  if (std::optional<PendingCall> pend = pending_.resume(ev.tid, name)) {
    ArgList args;
    Result r;
    std::int64_t dur = -1;
    if (!parse_resumed_call(pend->text, rest, args, r, dur, joined_)) return false;
    finish_call(pend->slot, ev.tid, std::move(args), std::move(r), dur);
    return true;
  }

  // No start in this log (attached mid-call, or a log cut at the top).
  ev.name.assign(name);
  if (!rest.empty() && rest[0] == ',') rest = trim_left(rest.substr(1));
  if (!parse_call_rest(rest, ev)) return false;
  std::size_t slot = events_.size();
  append(std::move(ev));
  complete(slot);
  return true;
}

bool Importer::bare_continuation(std::string_view s) {
  // strace -z (6.1) can write the end of an unfinished call as a line of
  // its own, with neither pid nor "<... name resumed>":
  //   2769  rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>
  //   NULL, 8)                                = 0
  // It follows its start at once; anything else there is no such end.
  const PendingCall* call = pending_.at_slot(last_);
  if (!call) return false;
  ArgList args;
  Result r;
  std::int64_t dur = -1;
  if (!parse_resumed_call(call->text, s, args, r, dur, joined_)) return false;
  std::int32_t tid = pending_.task_of(*call);
  std::size_t slot = call->slot;
  pending_.forget(tid);
  finish_call(slot, tid, std::move(args), std::move(r), dur);
  return true;
}

void Importer::finish_call(std::size_t slot, std::int32_t tid, ArgList&& args, Result&& r,
                           std::int64_t dur_ns) {
  Event& e = at(slot);
  e.args = std::move(args);
  e.result = std::move(r);
  e.dur_ns = dur_ns;
  last_ = slot;
  resume_tid_ = tid;
  complete(slot);
  resume_tid_ = 0;
}

bool Importer::process_line(std::string_view s, Event& ev) {
  if (!parse_process_line(s, ev)) return false;
  if (ev.name == kProcSuperseded) {
    // The exec'ing thread now has the leader's pid: its pending execve
    // resumes under this line's pid.
    pending_.supersede(ev.proc.child, ev.tid);
  } else {
    // A task that is gone resumes nothing: its unfinished call stays so and
    // stops holding back the events after it.
    pending_.forget(ev.tid);
    if (ev.name == kProcExit || ev.name == kProcKilled) enricher_.task_gone(ev.tid);
  }
  append(std::move(ev));
  return true;
}

void Importer::complete(std::size_t slot) {
  Event& e = at(slot);
  enricher_.type_args(e);
  if (unprefixed_.learn_from_call(e)) {
    adopt_unprefixed(unprefixed_.pid());
    return;
  }
  std::optional<Event> implied = enricher_.implied_event(e, resume_tid_, unprefixed_.pid());
  if (!implied) return;
  if (implied->name == kProcSpawn) {
    if (e.tid == 0) unprefixed_.created(implied->proc.child);
  } else if (!command_known_) {
    command_known_ = true;
    command_line_ = e.line;
    for (const Arg& a : implied->args[1].items) command_.push_back(a.str);
  }
  events_.place_after(slot, std::move(*implied));
}

// The unprefixed task turned out to be `pid` (now unprefixed_.pid()): what
// was kept under tid 0 moves to it.
void Importer::adopt_unprefixed(std::int32_t pid) {
  pending_.adopt_unprefixed(pid);
  enricher_.adopt_unprefixed(pid);
}

void Importer::finalize(Event& e) {
  if (e.tid == 0 && unprefixed_.pid()) e.tid = unprefixed_.pid();
  e.pid = enricher_.tgid_of(e.tid);
}

Event& Importer::at(std::size_t slot) {
  if (!kept_.empty()) {
    auto it = kept_.find(slot);
    if (it != kept_.end()) return it->second;
  }
  return events_[slot];
}

void Importer::drain(bool at_end) {
  std::size_t limit = events_.size();
  if (at_end) {
    joiner_.finish();
    limit = events_.size();
    unprefixed_.guess(events_.held());
  } else {
    // Not from the last event on (-k stack lines may follow), nor from an
    // unfinished call (its spawn/exec goes right after it; with places,
    // only such a call), nor while the unprefixed task's pid or the
    // command is still to come.
    if (last_ != SIZE_MAX) limit = std::min(limit, last_);
    long_waits_.release(events_.size(), events_.base(), pending_,
                        [this](std::size_t slot) { return at(slot).line; });
    limit = places_ ? pending_.oldest_holding_slot(limit) : pending_.oldest_slot(limit);
    if (unprefixed_.unknown()) return;
    if (!command_known_ && events_.size() < kHoldForCommand) return;
  }
  // An unfinished call before `limit` (with places) leaves a place and
  // stays here until it is final.
  std::vector<std::size_t> open;
  if (places_ && !at_end) pending_.slots_in(events_.base(), limit, open);
  std::size_t next_open = 0;
  events_.hand_out(limit, [&](Event& e, std::size_t slot) {
    if (next_open < open.size() && slot == open[next_open]) {
      ++next_open;
      kept_.emplace(slot, std::move(e));
      places_->keep(slot);
      return;
    }
    finalize(e);
    sink_(std::move(e));
  });
  // Kept calls that are final now: ended (or given up on, or their task
  // gone), and not the last event, which -k stack lines may still follow.
  for (auto it = kept_.begin(); it != kept_.end();) {
    if (!at_end && (it->first == last_ || pending_.at_slot(it->first))) {
      ++it;
      continue;
    }
    finalize(it->second);
    places_->fill(it->first, std::move(it->second));
    it = kept_.erase(it);
  }
}

Header Importer::header() const {
  Header h;
  h.source = "strace";
  h.time_base = time_base_name(clock_.kind());
  h.command = command_;
  return h;
}

void Importer::add_warnings(std::vector<Warning>& out, const std::string& file) const {
  if (unparsed_)
    out.push_back(Warning{file, first_unparsed_,
                          fmt::format("{} line{} could not be parsed (first at line {})", unparsed_,
                                      unparsed_ == 1 ? "" : "s", first_unparsed_)});
  std::uint32_t released = long_waits_.count();
  if (released)
    out.push_back(Warning{file, long_waits_.first_line(),
                          fmt::format("{} call{} stayed unfinished for over {} events and {} kept as separate "
                                      "start and end (first at line {})",
                                      released, released == 1 ? "" : "s", kMaxHeld, released == 1 ? "is" : "are",
                                      long_waits_.first_line())});
}

}  // namespace detail

Trace import_strace_text(std::string_view text, const std::string& file, const ImportOptions& opt) {
  Trace t;
  detail::Importer im(opt, [&](Event&& e) {
    t.events.push_back(std::move(e));
    if (opt.each) opt.each();
  });
  detail::for_each_line(text, [&](std::string_view line, std::uint32_t n, bool last) {
    im.line(line, n, last);
    if (n % detail::kDrainEvery == 0) im.drain(false);
  });
  im.drain(true);
  t.header = im.header();
  im.add_warnings(t.warnings, file);
  return t;
}

Trace import_strace_file(const std::string& path, const ImportOptions& opt) {
  return import_strace_text(tracefile::read_file_decompressed(path), path, opt);
}

namespace {

// Parse workers for a streamed import: the cores left once the importer's
// thread and the trace writer's have one each, at least one. On two cores
// one worker was faster than two (bench/import_ab.sh: 0.71-0.89 of the
// time), since four busy threads took turns on the cores and each event's
// blocks crossed between caches more often.
unsigned parse_workers() {
  unsigned n = std::thread::hardware_concurrency();
  return std::clamp(n > 2 ? n - 2 : 1u, 1u, 4u);
}

}  // namespace

std::size_t import_strace_stream(const std::string& path, const std::function<void(const Header&)>& on_header,
                                 const std::function<void(Event&&)>& on_event, std::vector<Warning>& warnings,
                                 const StreamPlaces* places, StreamEnd* end) {
  tracefile::LineReader reader(path);
  bool header_sent = false;
  std::size_t count = 0;
  const detail::Importer* imp = nullptr;
  // The header goes out with the first event or place: by then the
  // importer has seen the command, or given up waiting for it.
  auto first = [&] {
    if (!header_sent) {
      on_header(imp->header());
      header_sent = true;
    }
    ++count;
  };
  StreamPlaces counted;
  if (places) {
    counted.keep = [&](std::size_t place) {
      first();
      places->keep(place);
    };
    counted.fill = places->fill;
  }
  detail::Importer im(
      ImportOptions{},
      [&](Event&& e) {
        first();
        on_event(std::move(e));
      },
      places ? &counted : nullptr);
  imp = &im;
  // Call lines are parsed on worker threads (parse_line_alone), every line
  // kept (a blank one counts for the joiner); the importer takes them in
  // file order. It needs to know which line is last: each batch's last
  // line waits until the next batch shows it was not.
  tracefile::BatchReader<detail::ParsedLine> batches(
      reader,
      [](std::string_view line, detail::ParsedLine& out, std::string&) {
        thread_local std::string scratch, scratch2;
        detail::parse_line_alone(line, out, scratch, scratch2);
        return true;
      },
      parse_workers(), tracefile::BatchReader<detail::ParsedLine>::Blank::Keep);
  std::string held;
  detail::ParsedLine held_parse;
  std::uint32_t held_no = 0;
  bool have_held = false;
  auto feed = [&](std::string_view line, std::uint32_t no, bool last, detail::ParsedLine& p) {
    im.line(line, no, last, p);
    if (!last && no % detail::kDrainEvery == 0) im.drain(false);
  };
  while (tracefile::LineBatch<detail::ParsedLine>* b = batches.next()) {
    if (b->fatal) std::rethrow_exception(b->fatal);
    if (have_held) feed(held, held_no, true, held_parse);
    std::size_t n = b->size();
    for (std::size_t i = 0; i + 1 < n; ++i) feed(b->line(i), b->linenos[i], false, b->items[i]);
    held.assign(b->line(n - 1));
    held_parse = std::move(b->items[n - 1]);
    held_no = b->linenos[n - 1];
    have_held = true;
  }
  if (have_held) feed(held, held_no, true, held_parse);
  im.drain(true);
  if (!header_sent) on_header(im.header());
  if (end) {
    end->header = im.header();
    end->command_line = im.command_line();
  }
  im.add_warnings(warnings, path);
  return count;
}

}  // namespace tracediff::strace

// The importer of one strace log: the steps put together, line by line.
//
//   a line of the file
//     -> reassembly (reassembly.h): lines cut by other writers joined,
//        colours stripped, the pid/time prefix read, timestamps on one clock
//     -> parsing (parse.h: lexer.cc, args.cc, result.cc, lines.cc): the
//        body becomes an event; an unfinished call waits in PendingCalls
//        for its end
//     -> enrichment (enrich.h): arguments typed, paths resolved, a spawn or
//        exec event after a completed clone or execve
//     -> emission (emission.h): the event queue, handed out in order as
//        soon as nothing later can change an event; for a consumer that
//        keeps places (StreamPlaces), an unfinished call whose end implies
//        no event goes out as a place and is given once it is final
//
// A streamed import (import_strace_stream) parses ahead: worker threads
// parse each call line alone (parse_line_alone, no state), and the importer
// takes the parsed call where the joiner hands the line on as it stands.
// -ff sets (ffset.cc) run one Importer per file and merge; sniffing
// (sniff.cc) runs one on the first lines of a file and counts failures.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace.h"
#include "strace/emission.h"
#include "strace/enrich.h"
#include "strace/parse.h"
#include "strace/reassembly.h"
#include "strace/strace.h"

namespace tracediff::strace::detail {

/// What one line is on its own, parsed on a worker thread before the
/// importer sees it (import_strace_stream): for a call line, its prefix and
/// the call, so that the importer only does what needs the lines before it
/// (tasks, clock, pairing, enrichment). Every other line (signals, process
/// events, resumed calls, what does not parse) has `call` false and is
/// parsed by the importer as it comes.
struct ParsedLine {
  bool call = false;
  CallEnd end = CallEnd::NotACall;
  LinePrefix pre;
  Event ev;           ///< the call: name, arguments, result, duration
  std::string start;  ///< Unfinished: the arguments written so far
};

/// Fills `out` from one raw line of a log. Pure: no state, safe on any
/// thread; `scratch` and `scratch2` are buffers the caller reuses.
void parse_line_alone(std::string_view raw, ParsedLine& out, std::string& scratch, std::string& scratch2);

/// One file being imported. Lines go in through line(); drain() hands the
/// events that are final to the sink, in the order of the log, so that a
/// long log never has to sit in memory whole. A line that is not strace
/// output becomes an Unparsed event; nothing here throws on bad input.
class Importer final : public LineSink {
 public:
  using EventSink = std::function<void(Event&&)>;
  /// `places` (may be null): StreamPlaces, whose callbacks are called from
  /// drain() as the sink is.
  Importer(const ImportOptions& opt, EventSink sink, const StreamPlaces* places = nullptr)
      : opt_(opt), sink_(std::move(sink)), places_(places) {}
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  /// The next line of the file (without its newline). `last`: the final
  /// line, which may be a call strace had started writing when the log was
  /// taken (no ')' yet).
  void line(std::string_view raw, std::uint32_t lineno, bool last = false) { joiner_.line(raw, lineno, last); }
  /// The same, with what parse_line_alone() made of `raw` (its event may
  /// be moved from). The result is that of line(raw, lineno, last).
  void line(std::string_view raw, std::uint32_t lineno, bool last, ParsedLine& parsed);
  /// Hands out the events that are final. `at_end`: the file is over, hand
  /// out everything.
  void drain(bool at_end);
  /// The header as far as the log told it (after drain(true): the final one).
  Header header() const;
  /// The log line of the exec the header's command is from (0: none yet).
  std::uint32_t command_line() const { return command_line_; }

  /// Lines that could not be parsed so far, and the first one's number.
  std::uint32_t unparsed() const { return unparsed_; }
  std::uint32_t first_unparsed() const { return first_unparsed_; }
  /// The warnings for `file`: its unparsed lines, and the unfinished calls
  /// handed out before their end was seen (LongWaits).
  void add_warnings(std::vector<Warning>& out, const std::string& file) const;

 private:
  // LineSink: the lines as strace wrote them, from joiner_.
  void logical_line(std::string_view raw, std::uint32_t lineno, bool last) override;
  void place(Event&& e) override { events_.push_back(std::move(e)); }
  void foreign_text(std::string_view text, std::int32_t tid, std::uint32_t lineno) override {
    unparsed_line(text, tid, lineno);
  }

  // One line's body (after its prefix), by kind; false when it is not that kind.
  bool dispatch(std::string_view body, Event& ev);
  // The start of every line: task, number and time into `ev`; true when
  // the line had no pid (neither written nor given by the options).
  bool begin_line(const LinePrefix& pre, std::uint32_t lineno, Event& ev);
  bool call_line(std::string_view body, Event& ev);
  // A call line parsed: queued, paired or completed.
  void place_call(Event& ev, CallEnd end, std::string_view start);
  bool resumed_line(std::string_view body, Event& ev);
  bool cut_call_line(std::string_view body, Event& ev);
  bool bare_continuation(std::string_view body);
  // The end of the unfinished call at `slot` is known: it finished under `tid`.
  void finish_call(std::size_t slot, std::int32_t tid, ArgList&& args, Result&& r, std::int64_t dur_ns);
  bool process_line(std::string_view body, Event& ev);
  // Appends `ev` and makes it the event that -k stack lines belong to.
  void append(Event&& ev);
  void unparsed_line(std::string_view raw, std::int32_t tid, std::uint32_t lineno);
  // After the call at `slot` completed: enrichment, and what it implies.
  void complete(std::size_t slot);
  void adopt_unprefixed(std::int32_t pid);
  // Fills in what only the end of the file may know (before `e` goes out).
  void finalize(Event& e);
  // The event at `slot`: in the queue, or kept while the sink keeps its place.
  Event& at(std::size_t slot);

  ImportOptions opt_;
  EventSink sink_;
  const StreamPlaces* places_ = nullptr;
  EventQueue events_;
  std::map<std::size_t, Event> kept_;  // unfinished calls handed out as places, by slot
  PendingCalls pending_;
  LineJoiner joiner_{*this};
  Clock clock_;
  Enricher enricher_;
  UnprefixedTask unprefixed_;
  LongWaits long_waits_;
  std::vector<std::string> command_;  // the first exec's argv, for the header
  std::uint32_t command_line_ = 0;     // ... and its line
  bool command_known_ = false;
  std::string scratch_, joined_;      // per-line buffers (colours, joined texts)
  std::size_t last_ = SIZE_MAX;       // the event -k stack lines belong to
  std::int32_t resume_tid_ = 0;       // the tid a resumed call finished under
  std::uint32_t unparsed_ = 0, first_unparsed_ = 0;
};

/// Calls fn(line, lineno, is_last) for each line of `text`, numbered from 1.
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

}  // namespace tracediff::strace::detail

// Reassembly: from the lines of a file back to what strace meant by them.
//
// A strace log is not one record per line. A call that blocks is written in
// two halves ("read(3,  <unfinished ...>" ... "<... read resumed>...") with
// other tasks' lines between; timestamps are times of day that wrap at
// midnight, or (-r) deltas from the line before; and without -o, strace
// shares stderr with the traced program and with its own "Process N
// attached" messages, which cut its lines in two. The pieces here undo
// that, each with the one kind of state it needs; the line prefix itself
// (pid, time) and ANSI colours are scanned by lexer.cc (parse.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/trace.h"
#include "strace/parse.h"

namespace tracediff::strace::detail {

/// The lines' timestamps on one time line, in ns.
class Clock {
 public:
  /// The time of a line whose prefix is `pre`; -1 when it has no stamp.
  /// A time of day more than half a day before the previous one passed
  /// midnight; -r deltas are summed from the first line.
  std::int64_t time_of(const LinePrefix& pre);
  /// How the first stamped line was stamped (None: no line was).
  StampKind kind() const { return kind_; }

 private:
  StampKind kind_ = StampKind::None;
  std::int64_t day_offset_ = 0, last_tod_ = -1, rel_acc_ = 0;
};

/// A call written "<unfinished ...>", waiting for its "<... resumed>" line.
struct PendingCall {
  std::size_t slot = 0;  ///< its index in the event queue, where the resumed end goes
  std::string name;      ///< the call's name, which the resumed line repeats
  std::string text;      ///< the arguments written before " <unfinished ...>"
  /// Its end implies an event that must come right after it (a clone's
  /// spawn, an execve's exec): it holds back the events after it even
  /// where a consumer could keep its place (StreamPlaces).
  bool holds = true;
};

/// The unfinished call of each task (a task runs one call at a time).
class PendingCalls {
 public:
  void start(std::int32_t tid, PendingCall call) { calls_[tid] = std::move(call); }
  /// Takes `tid`'s unfinished call when it is `name`; nullopt otherwise (the
  /// start is not in the log: attached mid-call, or a log cut at the top).
  std::optional<PendingCall> resume(std::int32_t tid, std::string_view name);
  /// `tid` is gone: its call never resumes.
  void forget(std::int32_t tid) { calls_.erase(tid); }
  /// "+++ superseded by execve in pid LEADER +++", written for the thread
  /// `thread` that exec'd: its execve resumes under `leader`.
  void supersede(std::int32_t thread, std::int32_t leader);
  /// The task written without a pid (tid 0) is `pid`: its call resumes
  /// under `pid`, unless `pid` has one of its own.
  void adopt_unprefixed(std::int32_t pid);
  /// The unfinished call whose event is at `slot`, if any (nullptr).
  const PendingCall* at_slot(std::size_t slot) const {
    for (const auto& kv : calls_)
      if (kv.second.slot == slot) return &kv.second;
    return nullptr;
  }
  /// The task whose unfinished call `call` (from at_slot) is.
  std::int32_t task_of(const PendingCall& call) const {
    for (const auto& kv : calls_)
      if (&kv.second == &call) return kv.first;
    return 0;
  }
  /// The lowest slot of any unfinished call, or `limit` when lower.
  std::size_t oldest_slot(std::size_t limit) const {
    for (const auto& kv : calls_) limit = std::min(limit, kv.second.slot);
    return limit;
  }
  /// The same, of the calls that hold back what follows them (holds).
  std::size_t oldest_holding_slot(std::size_t limit) const {
    for (const auto& kv : calls_)
      if (kv.second.holds) limit = std::min(limit, kv.second.slot);
    return limit;
  }
  /// The slots in [from, to) of unfinished calls, lowest first.
  void slots_in(std::size_t from, std::size_t to, std::vector<std::size_t>& out) const {
    out.clear();
    for (const auto& kv : calls_)
      if (kv.second.slot >= from && kv.second.slot < to) out.push_back(kv.second.slot);
    std::sort(out.begin(), out.end());
  }
  /// Gives up on the calls started before `slot`: calls on_drop(call) for
  /// each and forgets it (its resumed line becomes a call of its own).
  template <typename Fn>
  void drop_older_than(std::size_t slot, Fn on_drop) {
    for (auto it = calls_.begin(); it != calls_.end();) {
      if (it->second.slot < slot) {
        on_drop(it->second);
        it = calls_.erase(it);
      } else {
        ++it;
      }
    }
  }

 private:
  std::unordered_map<std::int32_t, PendingCall> calls_;
};

/// Where LineJoiner hands its lines (the importer).
class LineSink {
 public:
  /// One line as strace wrote it. `last`: the final line of the file, where
  /// a call may have been cut short by the end of the log.
  virtual void logical_line(std::string_view text, std::uint32_t lineno, bool last) = 0;
  /// An event that was cut out of a line, to follow that line's own events.
  virtual void place(Event&& e) = 0;
  /// Text that another writer (the program) put inside one of strace's lines.
  virtual void foreign_text(std::string_view text, std::int32_t tid, std::uint32_t lineno) = 0;

 protected:
  ~LineSink() = default;
};

/// Undoes two ways other writers cut strace's lines when they share its
/// stderr (strace without -o):
/// - "strace: Process N attached" lands in the middle of a call's line; the
///   start of the call continues on the next line;
/// - the program writes right after a call's arguments, "write(2, "oops\n",
///   5oops", and the call's ") = 5" follows on a later line.
/// Lines go in through line(); what strace wrote comes out to the sink.
class LineJoiner {
 public:
  explicit LineJoiner(LineSink& sink) : sink_(sink) {}

  /// The next line of the file: handed on, joined with what waits for it.
  void line(std::string_view raw, std::uint32_t lineno, bool last);
  /// The file is over: what still waits is handed on as it stands.
  void finish();
  /// Nothing waits: the next line goes to the sink as it is.
  bool idle() const { return carry_.empty() && held_.empty(); }

  /// For a line `raw` that did not parse: cuts a "strace: Process N
  /// attached/detached" message out of its middle. The message is placed
  /// after the next line, which the start of `raw` continues. False when
  /// `raw` holds no such message.
  bool cut_attach_message(std::string_view raw, std::uint32_t lineno);
  /// For a line that did not parse: a call cut by the program's output right
  /// after its last argument, a count. The call waits (up to
  /// kMaxInterruptLines lines) for its ") = N"; the output is foreign text.
  /// `full` is the line without its colours, `body` the part after the
  /// prefix (a view into `full`). False when the line is not such a call.
  bool hold_cut_call(std::string_view full, std::string_view body, std::int32_t tid, std::uint32_t lineno);

 private:
  void flush_held();

  // How long a cut call waits for its ") = N": the program's output between
  // is a few lines at most; a call that never continues must not hold the
  // log back for ever.
  static constexpr std::uint32_t kMaxInterruptLines = 64;

  LineSink& sink_;
  // The start of a line that an attach message cut, and the messages, which
  // go after the line once it is whole: the call (a clone) creates the task
  // the message is about.
  std::string carry_, carry_buf_;
  std::uint32_t carry_line_ = 0;
  std::vector<Event> carry_events_;
  // A call cut by the program's own output, waiting for its ") = N".
  std::string held_;
  std::uint32_t held_line_ = 0, held_age_ = 0;
};

}  // namespace tracediff::strace::detail

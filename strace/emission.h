// Emission: handing a file's events out in order, each as soon as nothing
// later in the log can change it, so that a long log never sits in memory
// whole. What can still change an event:
// - a call written "<unfinished ...>" gets its arguments and result from a
//   later line, and the spawn or exec it implies must follow it: it holds
//   back itself and every event after it (for at most kMaxHeld events);
//   a consumer that keeps places (StreamPlaces) gets a place for it instead
//   unless its end implies an event (a clone, an execve), and the event
//   once it is final;
// - the last event may still get -k stack lines;
// - a log whose first task has no pid prefix (strace without -o, until the
//   first fork) shows that task's pid only later: its events wait for it;
// - the header's command is the first exec's argv: events wait for it
//   (for at most kHoldForCommand events).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "model/trace.h"
#include "strace/reassembly.h"
#include "strace/strace.h"

namespace tracediff::strace::detail {

/// Events held back for the header's command (the first exec, normally on
/// the first line); past this many the header goes out without it.
inline constexpr std::size_t kHoldForCommand = 4096;

/// A call unfinished for this many events no longer holds the events after
/// it (strace.h: kMaxHeldEvents, which the stream's consumers size for).
inline constexpr std::size_t kMaxHeld = kMaxHeldEvents;

/// The events of a file not yet handed out, addressed by their index in the
/// whole file (a call left unfinished keeps its index while the events
/// before it leave), and the events placed right after one of them.
/// A vector with a moving head rather than a deque: a deque of large events
/// allocates a node per event.
class EventQueue {
 public:
  /// Index the next event will get.
  std::size_t size() const { return base_ + (v_.size() - head_); }
  /// Index of the oldest event still here.
  std::size_t base() const { return base_; }
  Event& operator[](std::size_t i) { return v_[head_ + (i - base_)]; }
  const Event& operator[](std::size_t i) const { return v_[head_ + (i - base_)]; }
  void push_back(Event e);
  /// Puts `e` right after event `slot` (a spawn after its clone): at once
  /// when that is the last event, else when `slot` is handed out.
  void place_after(std::size_t slot, Event e) {
    if (slot + 1 == size()) push_back(std::move(e));
    else placed_[slot].push_back(std::move(e));
  }
  /// The events still here, oldest first (not the placed ones).
  std::span<const Event> held() const { return {v_.data() + head_, v_.size() - head_}; }
  /// Index given to out() for an event placed after another.
  static constexpr std::size_t kPlaced = SIZE_MAX;
  /// Hands out, in order, every event before index `limit`, each followed
  /// by what was placed after it. `out(Event&, index)` may move from its
  /// argument; the index is kPlaced for a placed event.
  template <typename Fn>
  void hand_out(std::size_t limit, Fn out) {
    while (base_ < limit) {
      std::size_t idx = base_;
      out(v_[head_], idx);  // in place: no move unless the sink keeps it
      ++head_;
      ++base_;
      if (placed_.empty()) continue;
      auto it = placed_.find(idx);
      if (it == placed_.end()) continue;
      for (Event& e : it->second) {
        out(e, kPlaced);
        ++placed_out_;
      }
      placed_.erase(it);
    }
  }
  /// How many events have been handed out, placed ones included.
  std::size_t handed_out() const { return base_ + placed_out_; }

 private:
  std::vector<Event> v_;
  std::size_t head_ = 0;
  std::size_t base_ = 0;
  std::map<std::size_t, std::vector<Event>> placed_;  // go right after event [first]
  std::size_t placed_out_ = 0;
};

/// The task strace wrote without a pid prefix: without -o, strace omits the
/// prefix while it traces one task only. Its pid shows only indirectly: a
/// call that returns the caller's own id, or the first prefixed task that
/// it did not create. Until then its events carry tid 0.
class UnprefixedTask {
 public:
  /// Its pid; 0 while unknown (or when the log has no such task).
  std::int32_t pid() const { return pid_; }
  /// The log has lines of it and its pid is still unknown.
  bool unknown() const { return seen_ && !pid_; }
  /// A line without a pid prefix parsed.
  void seen() { seen_ = true; }
  /// It created `child` (a clone of tid 0).
  void created(std::int32_t child) { children_.push_back(child); }
  /// A line of task `tid`: true when that shows the pid (now pid()).
  bool learn_from_line(std::int32_t tid);
  /// A completed call `e`: true when it shows the pid (now pid()).
  bool learn_from_call(const Event& e);
  /// At the end of a log that never showed the pid: the best guess from the
  /// events still held, by the same two signs. Stays 0 when there is none.
  void guess(std::span<const Event> held);

 private:
  std::int32_t pid_ = 0;
  bool seen_ = false;
  std::vector<std::int32_t> children_;  // created while its pid was unknown
};

/// Calls given up on: unfinished for over kMaxHeld events, they no longer
/// hold back the events after them and are handed out unfinished; their
/// resumed line, when it comes, becomes a call of its own.
class LongWaits {
 public:
  /// Gives up on the calls that hold back more than kMaxHeld events: the
  /// events from the oldest not handed out (index `base`) or the oldest
  /// unfinished call, whichever is first, to the next one (index `size`).
  /// With places (StreamPlaces) the calls are handed out as places and the
  /// consumer holds what follows them: the count, and so the calls given up
  /// on, are the same either way. `line_of(slot)` is the line of the event
  /// at `slot`.
  template <typename LineOf>
  void release(std::size_t size, std::size_t base, PendingCalls& pending, LineOf line_of) {
    if (size - pending.oldest_slot(base) <= kMaxHeld) return;
    pending.drop_older_than(size - kMaxHeld / 2, [&](const PendingCall& call) {
      if (!count_++) first_line_ = line_of(call.slot);
    });
  }
  std::uint32_t count() const { return count_; }
  /// The line of the first call given up on.
  std::uint32_t first_line() const { return first_line_; }

 private:
  std::uint32_t count_ = 0, first_line_ = 0;
};

/// True for a successful call that returns the caller's own pid or tid.
bool returns_own_id(const Event& e);

}  // namespace tracediff::strace::detail

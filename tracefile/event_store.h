// EventStore: a trace's events held either as they are or packed, each
// packed event decoded when it is asked for.
//
// The differ keeps both sides' events for as long as its result lives, but
// looks at few of them after it has read them: the identity keys and value
// digests it aligns and compares are kept beside the events (diff/), and
// the events are read again only where two sides differ and where a report
// shows a row. Packed, an event is the line the trace file holds for it
// (docs/trace-format.md, the same encoder and parser, so nothing is lost),
// and the lines are compressed with zstd in blocks of kBlockEvents lines
// or kBlockBytes of text, whichever comes first (a few events that carry
// megabytes of data do not make a block that big to read one of them back):
// about 20 bytes an event instead of the 330 a decoded one costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "model/trace.h"

namespace tracediff::tracefile {

class EventStore {
 public:
  static constexpr std::size_t kBlockEvents = 1024;
  static constexpr std::size_t kBlockBytes = 1 << 20;

  /// A store that holds its events as they are (a report built by hand).
  EventStore();
  /// A store that packs each event as it is added.
  static EventStore packed();
  EventStore(EventStore&&) noexcept;
  EventStore& operator=(EventStore&&) noexcept;
  ~EventStore();

  bool is_packed() const { return packed_ != nullptr; }
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  void push_back(Event&& e);
  void push_back(const Event& e);
  /// Room for n events (a store that holds them as they are).
  void reserve(std::size_t n);

  /// Event i. Packed, it is decoded on the first ask and kept until
  /// release(): a reference stays valid until then. Reading is not
  /// thread-safe, even through const: one thread reads a store at a time.
  const Event& operator[](std::size_t i) const;
  /// Event i; std::out_of_range past the end.
  const Event& at(std::size_t i) const;

  /// Drops the events decoded so far (packed; nothing otherwise). Every
  /// reference operator[] gave is invalid after it.
  void release() const;
  /// How many events are held decoded now (all of them, when not packed).
  std::size_t decoded() const;
  /// How many times an event was decoded since the store was made (0 when
  /// not packed): what reading the events back cost.
  std::size_t decodes() const;
  /// The bytes the packed events take (0 when not packed).
  std::size_t packed_bytes() const;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Event;
    using difference_type = std::ptrdiff_t;
    using pointer = const Event*;
    using reference = const Event&;
    const_iterator(const EventStore* s, std::size_t i) : s_(s), i_(i) {}
    reference operator*() const { return (*s_)[i_]; }
    pointer operator->() const { return &(*s_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const EventStore* s_;
    std::size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  struct Packed;
  std::vector<Event> events_;       ///< not packed: the events
  std::unique_ptr<Packed> packed_;  ///< packed: the blocks and what is decoded
};

}  // namespace tracediff::tracefile

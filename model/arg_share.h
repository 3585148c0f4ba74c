// ArgSharer: one copy of each argument list that events repeat.
#pragma once

#include <cstdint>
#include <cstddef>
#include <vector>

#include "model/trace.h"

namespace tracediff {

/// Gives events that carry equal argument lists one shared copy. A server
/// that stats the same files in each of its children repeats the same
/// newfstatat arguments a million times: the differ keeps each distinct
/// list once, in `store` (Trace::shared_args), and an event's list becomes
/// a borrowed view of it (model/compact_vector.h), which copies itself
/// before any change. Two lists are the same when every field of every
/// argument, nested fields included, is equal (Arg::operator==).
///
/// Bounded: the index of lists seen is a table of `slots` entries (a power
/// of two), each the latest list whose hash falls there, so a stream of
/// unique lists costs that table and one pointer per list in `store`, and
/// no allocation beyond the store. Lists longer than kMaxShared arguments
/// (argv, getdents) are left as they are. Not thread-safe: one per trace
/// being read.
class ArgSharer {
 public:
  static constexpr std::size_t kMaxShared = 16;
  explicit ArgSharer(std::vector<ArgList>& store, std::size_t slots = 1 << 16);

  /// `args` becomes a borrowed view of an equal list in the store; a list
  /// not seen before moves into the store first.
  void share(ArgList& args);

  /// How many lists were shared with an earlier equal one.
  std::size_t hits() const { return hits_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::size_t at = SIZE_MAX;  // position in store_, SIZE_MAX: empty
  };
  std::vector<ArgList>& store_;
  std::vector<Slot> index_;
  std::size_t hits_ = 0;
};

/// A hash of every field of `args`, nested fields included: equal lists
/// (Arg::operator==) hash the same.
std::uint64_t hash_args(const ArgList& args);

}  // namespace tracediff

// Internals of diff/: what the steps of diff_traces() hand each other.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "diff/diff.h"

namespace tracediff::diff::detail {

/// One normalized trace with what the differ derives from it.
/// A path argument as recorded (Side::raw_paths).
struct RawPath {
  CompactString str, abs;
  bool empty() const { return str.empty(); }
};

struct Side {
  const Trace* trace = nullptr;
  ProcessTable table;
  /// Event indices of each task (tid), in trace order. Unparsed lines and
  /// spawn events of other tasks are left out.
  std::unordered_map<std::int32_t, std::vector<std::size_t>> task_events;
  /// Alignment key of every event (index = event index), as a 64-bit hash
  /// of "family\x1ftarget": a million distinct paths interned as strings
  /// cost more than the rest of the alignment, and with 2^64 values two
  /// keys of one trace collide with odds around 1e-8.
  std::vector<std::uint64_t> keys;
  /// Hash of the call family of every event (the first half of its key).
  std::vector<std::uint64_t> families;
  /// The first path argument of every event as recorded, before the
  /// normalize rules replaced generated parts and host names: what reports
  /// show. Empty when the event has no path. The strings share their
  /// blocks with the trace's own (CompactString), so a path normalizing
  /// left alone costs 16 bytes here, not a copy.
  std::vector<RawPath> raw_paths;
  /// raw_paths' view for event i: the absolute form when known, else the
  /// normalized target (event_target).
  std::string display_target(std::size_t i) const;
  /// The event as recorded for display: the normalized event with its
  /// first path argument put back.
  Event display_event(std::size_t i) const;
};

/// One entry of Side::raw_paths, from an event before it is normalized.
RawPath raw_path_of(const Event& e);
/// Fills Side::raw_paths from a trace before it is normalized.
void capture_raw_paths(const Trace& raw, Side& s);
/// Empties the raw_paths entries that normalizing left as they were (most
/// of them): display_target() and display_event() give the same without
/// them, and a million paths held twice cost more than the differ itself.
void prune_raw_paths(const Trace& normalized, Side& s);

/// Interns key strings so both sides compare keys as integers.
class KeyTable {
 public:
  std::uint32_t intern(const std::string& s);
  const std::string& str(std::uint32_t k) const { return strings_[k]; }

 private:
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::string> strings_;
};

/// The target of an event: its path (absolute when known), socket address
/// or fd referent; "" when it has none.
std::string event_target(const Event& e);
/// event_target() appended to `out`.
void append_target(const Event& e, std::string& out);

/// Fills Side::task_events, keys and families.
void index_side(Side& s);

/// Matches the two process trees (roots, then children by exec signature
/// and order, then threads by creation order) and appends one TaskPair per
/// matched or one-sided task, parents before children.
void match_tasks(const Side& good, const Side& bad, std::vector<TaskPair>& pairs);

/// Aligns one matched pair (fills pair.rows and pair.approximate).
void align_pair(const Side& good, const Side& bad, const DiffOptions& opt, TaskPair& pair);

/// Turns rows into divergences (all kinds but env), recognizes benign
/// lookups, and sets row.divergence. Divergences are appended unranked.
void classify(const Side& good, const Side& bad, std::vector<TaskPair>& pairs, DiffResult& r);

/// Compares the two headers.
std::vector<EnvChange> compare_headers(const Header& good, const Header& bad);

/// Scores every divergence, sorts by rank and renumbers the row links.
void rank(const Side& good, const Side& bad, DiffResult& r);

/// The base score of a header difference (rank.cc).
double env_weight(const std::string& category, const std::string& key);

}  // namespace tracediff::diff::detail

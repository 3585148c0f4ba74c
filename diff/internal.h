// Internals of diff/: what the steps of diff_sources() hand each other.
//
// A side is its trace as recorded (enriched with what the replay knows:
// absolute paths, fd referents) plus, per event, what the differ compares:
// an identity key (call family + canonical target) to align on, a digest of
// the values compared when identities match, and a few flags. The
// canonical forms come from normalize::Canon; the events are never
// rewritten, so everything shown is what was recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "diff/diff.h"
#include "model/compact_string.h"
#include "model/replay.h"
#include "normalize/canon.h"

namespace tracediff::diff::detail {

/// An event's index in its side's trace, where one is kept per event or
/// per step: a trace holds at most 2^31 - 1 events (load_side refuses
/// more; AlignedRow holds them in 32 bits too), and at a million events a
/// side every 4 bytes kept per event is 8 MB of the diff's peak.
using EventIndex = std::uint32_t;

/// What was read through one open file description of a regular file:
/// a digest of the bytes recorded and the reads that carried them, so the
/// bytes themselves are looked at only where two digests differ.
struct Content {
  std::uint64_t digest = 14695981039346656037ull;  ///< FNV-1a over the recorded bytes
  std::uint64_t bytes = 0;     ///< what the reads returned in all
  bool cut = false;            ///< some read's data was recorded only in part (strace -s)
  std::vector<std::size_t> reads;  ///< the read events, in order
};

/// Per-event flags (Side::flags): what the steps after reading ask of
/// every event, so that they need not decode it (the events are packed,
/// tracefile/event_store.h).
enum SideFlag : std::uint8_t {
  kErrorWrite = 1,    ///< a write to stderr or a terminal: where messages go
  kSyscall = 2,       ///< a system call
  kReturned = 4,      ///< a system call that returned (ResultState::Returned)
  kFailed = 8,        ///< ... with an error (Result::failed())
  kLookup = 16,       ///< a lookup of a name (is_lookup())
  kLookupErrno = 32,  ///< failed with an errno that says the name is not there (kErrLookup)
  kChainSkip = 64,    ///< a signal or an exec event: inside a lookup chain, passed over
  kEnd = 128,         ///< a task's exit or kill
};

/// A lookup asks whether a name is there: a returned lookup call with a
/// path (an open that creates is not one: its failure is the creation's).
bool is_lookup(const Event& e);

/// A lookup chain: failed lookups and the lookup that ended them.
/// Its events are SideChains::members[first, first + count): most chains
/// are one successful lookup, and a vector each cost more than the chain.
/// The name it searched for is that of the event `named` (Side::chain_name):
/// 16 bytes a chain, and a run of find has one for nearly every call.
struct Chain {
  std::uint32_t first = 0, count = 0;
  EventIndex named = 0;    ///< an event that tried the name searched for
  bool ok = false;         ///< it was found (the last event found it)
};

struct SideChains {
  std::vector<Chain> chains;
  std::vector<EventIndex> members;     ///< the chains' events, chain after chain
  std::vector<std::int32_t> chain_of;  ///< event index -> chain, -1 none
  /// The last event of chain c.
  std::size_t last(const Chain& c) const { return members[c.first + c.count - 1]; }
};


struct Side {
  const SideTrace* trace = nullptr;
  ProcessTable table;
  std::unordered_map<std::int32_t, std::string> task_names;  ///< tid -> "root/1:sh"
  /// Event indices of each task (tid), in trace order. Unparsed lines are
  /// left out.
  std::unordered_map<std::int32_t, std::vector<EventIndex>> task_events;
  /// Per event (index = event index): the identity key, a 64-bit hash of
  /// "family\x1fcanonical target" (a million distinct paths interned as
  /// strings would cost more than the rest of the alignment; two keys of
  /// one trace collide with odds around 1e-8); the
  /// digest of the compared values (0: nothing to compare); the hash of
  /// the target's last component (lookups are matched by it); flags.
  std::vector<std::uint64_t> keys, values, bases;
  /// Per event: its family, as an index into family_hashes (a trace has
  /// dozens of families and a million events: 4 bytes an event, not 8).
  std::vector<std::uint32_t> families;
  std::vector<std::uint64_t> family_hashes;
  std::vector<std::uint8_t> flags;
  /// Per event: its errno name as recorded, empty on success.
  std::vector<InternedString> errs;
  /// A non-blocking connect's outcome, reported later (getsockopt
  /// SO_ERROR, or the first read or write on the socket failing): event
  /// index of the connect -> errno name, "" for success.
  std::unordered_map<std::size_t, InternedString> deferred;
  /// What was read through each open of a regular file, by the index of
  /// its open event.
  std::unordered_map<std::size_t, Content> contents;
  /// The caller's ids at each failed call, as the replay knew them.
  std::unordered_map<std::size_t, KnownCreds> creds;
  /// The DNS messages events carried, decoded (values.h: dns_of).
  std::unordered_map<std::size_t, std::vector<std::string>> dns;
  /// The first exec call (execve, execveat), for environment(). -1: none.
  std::int64_t first_exec = -1;
  /// The lookup chains of each task (lookups.cc).
  SideChains chains;
  /// The canonical forms of this side's names (for comparing values).
  std::unique_ptr<normalize::Canon> canon;

  /// Event i, decoded when packed: valid until trace->events.release().
  const Event& event(std::size_t i) const { return trace->events[i]; }
  bool flag(std::size_t i, SideFlag f) const { return (flags[i] & f) != 0; }
  /// The hash of the name a chain of this side searched for (a basename).
  std::uint64_t chain_name(const Chain& c) const { return bases[c.named]; }
  /// The hash of event i's family: equal on both sides for one family.
  std::uint64_t family(std::size_t i) const { return family_hashes[families[i]]; }
  /// Whether event i has a target (a path, an address, an fd's referent).
  bool has_target(std::size_t i) const { return bases[i] != base_hash({}); }
  /// The hash `bases` holds for a target's last component.
  static std::uint64_t base_hash(std::string_view last) { return std::hash<std::string_view>()(last); }
  /// The target of event i as recorded: its path (absolute when known),
  /// socket address or fd referent; "" when it has none.
  std::string display_target(std::size_t i) const;
  /// The outcome of event i, a deferred one counted: its errno, "" when it
  /// succeeded (or did not return).
  std::string_view outcome(std::size_t i) const;
  /// The environment the trace started with ("NAME=value"): the header's
  /// (the recorder), else the first exec call's (strace -v prints
  /// execve's); nullopt when neither says.
  std::optional<std::vector<std::string>> environment() const;
  std::string task_name(std::int32_t tid) const;
};

/// Reads one source into `side`: the events go (enriched) into `trace`,
/// what is compared into `side`. Normalizes nothing in place. `each` (may
/// be empty) is called after each event is taken: it counts, and may throw
/// to stop the reading.
void load_side(EventSource& src, const normalize::NormalizeOptions& opt, SideTrace& trace, Side& side, SideInfo& info,
               const std::function<void()>& each = {});

/// The target of an event as recorded: its path (absolute when known),
/// socket address or fd referent; "" when it has none.
std::string event_target(const Event& e);

/// Finds the lookup chains of a side (fills s.chains): failed lookups of a
/// name and the lookup that found it, or not.
void build_chains(Side& s);

/// Interns key strings so both sides compare keys as integers.
class KeyTable {
 public:
  std::uint32_t intern(const std::string& s);
  const std::string& str(std::uint32_t k) const { return strings_[k]; }

 private:
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::string> strings_;
};

/// Matches the two process trees (roots, then children by exec signature
/// and order, then threads by creation order) and appends one TaskPair per
/// matched or one-sided task, parents before children.
void match_tasks(const Side& good, const Side& bad, std::vector<TaskPair>& pairs);

/// One step of an alignment: positions into the two task event lists, -1
/// on the side that has no call there.
/// One step of an alignment: positions in the two tasks' event lists, -1
/// on the side that has none. Held in 32 bits (a task has fewer events
/// than its trace, EventIndex), built from the 64-bit positions the
/// algorithms count in.
struct Step {
  std::int32_t g = -1, b = -1;
  Step() = default;
  Step(std::int64_t g_at, std::int64_t b_at) : g(static_cast<std::int32_t>(g_at)), b(static_cast<std::int32_t>(b_at)) {}
};

/// The alignment used when a pair is too large for an exact one (align.cc),
/// of a[lo_a, hi_a) and b[lo_b, hi_b), appended to `out`: equal keys pair;
/// at a difference, the next place where kResyncConfirm keys agree within
/// kResyncWindow calls on each side (fewest calls skipped, then fewest on
/// the good side) resumes the pairing; with none, one call of each side is
/// left unpaired and the search goes on from the next.
void greedy_align(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b, std::int64_t lo_a,
                  std::int64_t hi_a, std::int64_t lo_b, std::int64_t hi_b, std::vector<Step>& out);

/// Aligns one matched pair (fills pair.rows and pair.approximate).
void align_pair(const Side& good, const Side& bad, const DiffOptions& opt, TaskPair& pair);

/// Turns rows into divergences (all kinds but env), recognizes benign
/// lookups, and sets row.divergence. Divergences are appended unranked.
void classify(const Side& good, const Side& bad, std::vector<TaskPair>& pairs, DiffResult& r);

/// Compares the two headers. Redacted values compare by their digests when
/// both traces were redacted with the same key, else by their lengths; how
/// many could not be told apart that way is counted in `uncompared`.
std::vector<EnvChange> compare_headers(const Header& good, const Header& bad, std::size_t* uncompared = nullptr);

/// Scores every divergence, sorts by rank and renumbers the row links.
void rank(const Side& good, const Side& bad, DiffResult& r);

/// Folds consequences under their cause (fold.cc): sets follows,
/// consequences and consequence_summary, runs.folded, and orders the
/// divergences: standing significant ones first, then the folded ones,
/// then noise (each group in its order so far).
void fold(DiffResult& r);

/// Puts the divergences in `order` (old indices), renumbering ranks, the
/// rows' links, `follows` and the pairs' counts. Returns old -> new index.
std::vector<int> reorder(DiffResult& r, const std::vector<std::size_t>& order);

/// The base score of a header difference (rank.cc).
double env_weight(const std::string& category, const std::string& key);

}  // namespace tracediff::diff::detail

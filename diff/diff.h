// diff: from two traces (good, bad) to a ranked list of divergences.
//
// diff_sources() reads both sides keeping every event as recorded and
// computing beside it what normalization says two runs can compare (an
// identity key: call family and canonical target; a digest of the values
// that are evidence), matches their process trees, aligns each matched pair
// of tasks on the keys, compares the aligned calls' outcomes and values in
// context, and ranks what differs so the most likely culprit comes first.
// Everything shown is what was recorded. The result is self-contained:
// renderers (report/) read it and never re-run the alignment. Its events
// are kept packed (tracefile/event_store.h), about 20 bytes each, and
// decoded where a divergence or a report row shows one: what the differ
// holds of a million-event side is its keys and digests, not its events.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "normalize/normalize.h"
#include "model/source.h"
#include "model/trace.h"
#include "progress/progress.h"
#include "tracefile/event_store.h"

namespace tracediff::diff {

enum class DivKind { Result, Path, OnlyGood, OnlyBad, Exit, Env, Data };
/// "result", "path", "only-good", "only-bad", "exit", "env", "data".
const char* to_string(DivKind k);

/// One side of a divergence (absent on the side that has no event).
struct DivSide {
  std::string call;            ///< the call as shown (format_event without pid)
  std::string path;            ///< absolute path when resolvable, else as given
  std::string result;          ///< "3", "-1", "?"
  std::optional<std::string> err;  ///< errno name, nullopt on success
  std::size_t event = 0;       ///< index into DiffResult::{good,bad}.events
  bool has_event = false;      ///< env divergences have no event
  std::string target;          ///< what the call named, as recorded: its path, socket address or fd referent
  /// An event to show instead of the one at `event` (reports built by
  /// hand); empty: show DiffResult's event.
  Event shown;
};

struct Divergence {
  int rank = 0;                ///< 1 = most likely culprit
  DivKind kind = DivKind::Result;
  bool significant = true;     ///< false: noise (benign lookups, same-host jitter)
  bool benign = false;         ///< a failed lookup that later succeeded
  double score = 0;            ///< ranking score, higher first
  std::string process;         ///< stable task name ("root", "root/2:sh")
  std::string syscall;
  std::optional<DivSide> good, bad;
  std::string explanation;     ///< one sentence, with the values as recorded
  /// What differed: "errno" (result), "target" (path), the value's name
  /// for data ("owner uid", "mode", "content", "DNS", "SO_ERROR"), "exit".
  std::string field;
  /// What the trace holds on why the call failed (the owner and mode of
  /// each path component, the caller's ids, a resource limit), or the
  /// differing lines of a content divergence. Empty when none.
  std::vector<std::string> evidence;
  std::string why;             ///< one sentence from the evidence, "" when none
  bool content = false;        ///< a difference in what was read from a file
  std::vector<std::string> candidates;  ///< for lookups: every path tried
  int pair = -1;               ///< index into DiffResult::pairs, -1 for env
  std::size_t row = 0;         ///< first row in that pair's alignment
  std::size_t row_count = 0;
  /// A consequence folded under its cause (fold.cc): the rank of the
  /// divergence it follows from (what one side went on to do that the
  /// other could not, the error path, the exit); 0: it stands on its own.
  int follows = 0;
  /// For a cause: how many calls follow from it, and what they were
  /// ("the good side went on to open yaml/*.py"); 0 and "" otherwise.
  std::size_t consequences = 0;
  std::string consequence_summary;
  /// Why a significant-looking difference is noise when that was learned
  /// from several good runs ("varies between good runs"); "" otherwise.
  std::string reason;
  /// With several runs (runs.cc): in how many bad runs it was seen, and in
  /// how many good runs that place varied; `seen` says it as a phrase
  /// ("in 3 of 3 bad runs, 0 of 5 good"), "" with one good and one bad run.
  int bad_runs = 1, good_runs = 0;
  std::string seen;
  /// True for a significant divergence that is not folded under another.
  bool stands() const { return significant && follows == 0; }
};

/// One row of a side-by-side alignment: 16 bytes, since a 1M-event pair
/// has a million (a trace's events are counted in 32 bits: 2^31 events
/// would need hundreds of GiB in memory anyway).
struct AlignedRow {
  enum Op : std::uint8_t { Same, Changed, OnlyGood, OnlyBad } op = Same;
  std::int32_t good = -1;      ///< event index in the good trace, -1 none
  std::int32_t bad = -1;       ///< event index in the bad trace, -1 none
  std::int32_t divergence = -1;  ///< index into DiffResult::divergences, -1 none
};

/// A matched (or one-sided) pair of tasks.
struct TaskPair {
  std::string name;            ///< stable task name
  std::int32_t good_tid = 0;   ///< 0: absent on that side
  std::int32_t bad_tid = 0;
  std::string good_command, bad_command;  ///< last exec (argv joined) or ""
  ExitStatus good_exit, bad_exit;
  int parent = -1;             ///< index of the parent pair, -1 for roots
  bool approximate = false;    ///< alignment fell back to the cheap algorithm
  std::vector<AlignedRow> rows;
  std::size_t divergence_count = 0;  ///< significant ones
};

/// One header difference, for the report's environment section.
struct EnvChange {
  std::string category;        ///< "env", "uid", "gid", "groups", "cwd", "umask", "limit", "kernel", "os", "arch", "lsm"
  std::string key;             ///< variable or limit name, else the category
  std::optional<std::string> good, bad;  ///< nullopt: absent on that side
  bool significant = true;
  /// A side's value is a redaction marker (redact/redact.h): what differs
  /// is known from the lengths and digests, the values are not shown.
  bool redacted = false;
};

/// What a side was.
struct SideInfo {
  std::string file;
  std::string host;            ///< host name, or "" when unknown
  std::string os;              ///< "debian 12", "" when unknown
  std::string kernel;
  std::vector<std::string> command;
  ExitStatus exit;             ///< of the root process
  std::string source;          ///< "ptrace" or "strace"
};

/// How many runs a result rests on and what came of them.
struct RunStats {
  std::vector<std::string> good_files, bad_files;  ///< every run; the first of each is the one shown
  std::size_t learned_noise = 0;  ///< divergences found noise because the good runs vary there
  std::size_t folded = 0;         ///< significant divergences folded under their cause
};

/// One side's trace as the result keeps it: its events as recorded (with
/// the absolute paths and fd referents the replay knows), packed when the
/// differ read them (an event is decoded when it is asked for).
struct SideTrace {
  Header header;
  tracefile::EventStore events;
  std::vector<Warning> warnings;
};

struct DiffResult {
  SideInfo good_info, bad_info;
  RunStats runs;
  SideTrace good, bad;         ///< the traces as recorded; the rows index into them
  std::vector<TaskPair> pairs; ///< roots first, then children depth-first
  std::vector<Divergence> divergences;  ///< sorted by rank
  std::vector<EnvChange> env;
  std::vector<std::string> notes;  ///< e.g. "approximate alignment for task X", what a recording could not see
  /// True when any divergence is significant (diff's exit code 1).
  bool has_significant() const;
  /// Significant divergences not folded under another.
  std::size_t standing_count() const;
};

struct DiffOptions {
  normalize::NormalizeOptions normalize;
  /// Largest n*m for which a pair is aligned exactly; above it the differ
  /// falls back to a cheaper alignment and says so in notes.
  std::size_t exact_limit = 50'000'000;
  /// Several runs: compare runs of different commands instead of refusing.
  bool force = false;
  /// Told the events read and the pairs aligned (may be null: nobody looks).
  progress::Meter* progress = nullptr;
};

/// Diffs two raw traces. `good_file`/`bad_file` name them in SideInfo.
DiffResult diff_traces(const Trace& good, const Trace& bad, const DiffOptions& opt = {},
                       const std::string& good_file = "good", const std::string& bad_file = "bad");

/// Like diff_traces() above, normalizing the given traces in place instead
/// of copying them (a million-event trace costs its size once, not twice).
DiffResult diff_traces(Trace&& good, Trace&& bad, const DiffOptions& opt = {},
                       const std::string& good_file = "good", const std::string& bad_file = "bad");

/// Reads two sources (input::open_any gives one for any file) and diffs
/// them, normalizing each event as it is read, so that no raw trace is
/// ever whole in memory. The two are read at once, the bad one on a thread
/// of its own (sources must not share state); opt.progress counts the
/// events of both and is told from the calling thread only.
/// SideInfo::file is the source's name. Throws what the sources throw
/// (InputError for a file that cannot be read), the good side's error
/// when both fail.
DiffResult diff_sources(EventSource& good, EventSource& bad, const DiffOptions& opt = {});

/// Opens one run's source; called once for each time the run is read.
using SourceOpener = std::function<std::unique_ptr<EventSource>()>;

/// The runs of a several-run diff: good[0] and bad[0] are the pair shown.
struct RunSources {
  std::vector<SourceOpener> good, bad;
};

/// Diffs good[0] against bad[0], then learns from the other runs (runs.cc):
/// a place where good[0] and another good run differ is noise there
/// ("varies between good runs"); a divergence seen in every bad run ranks
/// above one seen in some; consequences are folded under their cause.
/// With one good and one bad run it is diff_sources(). Each other run is
/// read (with good[0] again) one at a time: memory is that of two diffs.
/// Throws InputError naming the file when a run's command differs from
/// the first of its kind (unless opt.force), and what the sources throw.
DiffResult diff_runs(const RunSources& runs, const DiffOptions& opt = {});

/// The versioned JSON contract (docs/diff-format.md), handed to `sink` a
/// piece at a time (the head, then each divergence, then the notes), so a
/// report of many divergences is never held whole; it ends with "\n".
void write_diff_json(const DiffResult& r, const std::function<void(std::string_view)>& sink);

/// The same, as one string.
std::string diff_to_json(const DiffResult& r);

}  // namespace tracediff::diff

// strace: strace logs imported into the trace model (model/trace.h).
//
// Contract: given what strace 4.x to 7.x wrote (any pid-prefix style,
// -t/-tt/-ttt/-r stamps, -T, unfinished/resumed pairs, -y/-yy, -X, -k, -n,
// -i, ANSI colours, a -ff set of LOG.<pid> files), the importer yields one
// event per call, signal and process line, in the log's order, with
// arguments typed (paths made absolute where the log shows the cwd or the
// dirfd) and the spawn and exec events that clone/fork/execve imply, from
// which the process table is built; the header says only what the log
// tells (source, time base, command). It never gives up on bad input: an
// argument it cannot read is kept as its text (ArgKind::Other) in a call
// that keeps the rest; a line that is not strace output becomes an
// Unparsed event with its line number, and each file with such lines gets
// one Warning naming the file and the first of them. Only a file that cannot be read, or an empty
// -ff set, throws (InputError). It prints nothing. The steps inside (reassembly, parsing,
// enrichment, emission, -ff sets, sniffing) are laid out in importer.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/errors.h"
#include "model/trace.h"

namespace tracediff::strace {

/// The most events import_strace_stream() hands out at once: a call left
/// unfinished holds back the events after it, for at most this many (a
/// daemon's thread can sit in epoll_wait for a whole log), and they go out
/// together when it resumes or is given up on. About 60 MB of events. With
/// places (StreamPlaces) the consumer holds them instead, as many.
inline constexpr std::size_t kMaxHeldEvents = std::size_t{1} << 17;

struct ImportOptions {
  /// Pid to use for lines without a pid prefix (a single-process log, or one
  /// file of a -ff set). 0: unknown.
  std::int32_t default_pid = 0;
  /// Called after each event is taken (may be empty): a caller counts
  /// them for a progress line.
  std::function<void()> each;
};

/// Imports one strace log from memory. `file` names it in warnings.
Trace import_strace_text(std::string_view text, const std::string& file,
                         const ImportOptions& opt = {});

/// Imports a strace log file (zstd-compressed logs are accepted). Throws
/// InputError if the file cannot be read.
Trace import_strace_file(const std::string& path, const ImportOptions& opt = {});

/// For a consumer of import_strace_stream() that can keep an event's place
/// and take the event later (a trace writer): a call left unfinished then
/// holds back nothing after it. A shell's wait4 stays unfinished while its
/// child runs; without places every event of the child waits behind it
/// (up to kMaxHeldEvents) and the consumer sits idle meanwhile. Calls whose
/// end implies an event that must follow them (clone, fork, execve) still
/// hold back what follows. Both are called on import_strace_stream()'s
/// thread, `keep(place)` in the order of events where the event would be,
/// and `fill(place, event)` once for each kept place, in no set order,
/// before import_strace_stream() returns. The events in order are what
/// on_event alone would have had.
struct StreamPlaces {
  std::function<void(std::size_t place)> keep;
  std::function<void(std::size_t place, Event&&)> fill;
};

/// Imports a strace log file without holding the whole trace in memory:
/// `on_header` is called once, before the first event, then `on_event` for
/// each event in order as soon as it is final (with `places`: see
/// StreamPlaces). Unparsed lines are counted in one Warning appended to
/// `warnings`. Returns the number of events. Throws InputError if the file
/// cannot be read. The header goes out before the first event, so its
/// command (the first exec's argv) is missing when the first exec comes
/// after kHoldForCommand events (a log of `strace -p`); `end` (may be
/// null) gets the header as the whole log shows it, for a consumer that
/// can still rewrite the one it wrote.
struct StreamEnd {
  Header header;                   ///< as the whole log shows it
  std::uint32_t command_line = 0;  ///< the log line of the exec the command is from; 0: none
};
std::size_t import_strace_stream(const std::string& path, const std::function<void(const Header&)>& on_header,
                                 const std::function<void(Event&&)>& on_event, std::vector<Warning>& warnings,
                                 const StreamPlaces* places = nullptr, StreamEnd* end = nullptr);

/// Imports a -ff file set (LOG.<pid> files) as one trace, events merged by
/// timestamp when present, else file by file. `paths` must be non-empty.
/// `each` (may be empty) is called after each event is taken.
Trace import_strace_set(const std::vector<std::string>& paths, const std::function<void()>& each = {});

/// True when `text` (the first few KiB of a file) looks like strace output.
bool looks_like_strace(std::string_view text);

}  // namespace tracediff::strace

// input: one place that opens "any input" a user can name where a trace is
// expected: a tracediff trace file (plain or .zst), a strace log (plain or
// .zst), a strace -ff set (LOG.<pid> files named by their common prefix),
// or "-" for stdin. Each format is tried in turn by what the file holds,
// never by its name (bloaty's TryOpen*File). Depends on tracefile/ and
// strace/; nothing below it knows that both formats exist.
//
// Errors are thrown as InputError naming the file (and line): a missing
// file, an empty or binary one, one that is neither format.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/source.h"
#include "progress/progress.h"
#include "model/trace.h"
#include "redact/redact.h"
#include "tracefile/tracefile.h"

namespace tracediff::input {

/// What a file holds, judged from its first bytes (after decompression).
enum class FileKind { Trace, StraceLog, Empty, Binary, Unknown };
FileKind sniff(const std::string& path);

/// Reads a trace file, or imports a strace log or -ff set, by content.
/// `meter` (may be null) is told the events read ("reading PATH"), and
/// finished once they are all in.
Trace load_any(const std::string& path, progress::Meter* meter = nullptr);

/// Imports the LOG.<pid> files of a strace -ff set as one trace
/// (strace::import_strace_set), `meter` (may be null) told the events read.
Trace load_set(const std::vector<std::string>& paths, progress::Meter* meter = nullptr);

/// Throws what reading `path` would throw before its first event, where
/// that is known without waiting for input: a missing file (that is no -ff
/// set's prefix either), one that cannot be read, an empty or binary one,
/// one that is neither a trace nor a strace log. "-", a pipe or a terminal
/// passes unread: its first bytes may still be on their way. For a command
/// that reads several sources at once (`tracediff diff`), so that a typo in
/// one file name is said at once, not after another source, a pipe from a
/// recording still running, has ended.
void check_source(const std::string& path);

/// The same as a stream (model/source.h): a trace file or a strace log is
/// read event by event and never held whole; a -ff set or stdin is loaded
/// first (its events must be merged or buffered anyway). Opening checks
/// nothing yet: errors come from read().
std::unique_ptr<EventSource> open_any(const std::string& path);

/// Imports a strace log file into a trace file at `out`, streaming, with the
/// JSON encoding and writing done on a second thread, each header and event
/// redacted by `redactor` first (a strace -v log holds the environment).
/// Returns the number of events; unparsed lines are counted in one Warning
/// appended to `warnings`. Throws InputError for an unreadable log or an
/// existing `out` without opt.force. `meter` (may be null) is told the
/// events read.
std::size_t import_strace_to_file(const std::string& log, const std::string& out, tracefile::TraceWriter::Options opt,
                                  std::vector<Warning>& warnings, const redact::Redactor& redactor,
                                  progress::Meter* meter = nullptr);

/// Copies any input (open_any) to a trace file at `out`, each header and
/// event redacted by `redactor`: `tracediff redact`. Returns the number of
/// events. Throws what open_any's source and TraceWriter throw, and
/// InputError when `out` is the input itself. `meter` (may be null) is
/// told the events copied.
std::size_t redact_to_file(const std::string& in, const std::string& out, tracefile::TraceWriter::Options opt,
                           std::vector<Warning>& warnings, const redact::Redactor& redactor,
                           progress::Meter* meter = nullptr);

}  // namespace tracediff::input

// tracefile: reading and writing tracediff's own trace files
// (docs/trace-format.md), and the line reader every text format uses (and
// its batches parsed on worker threads, batches.h).
//
// A trace file is JSON Lines: one header object, then one event object per
// line. A file whose name ends in ".zst" is written zstd-compressed; on
// reading, compression is detected by its magic bytes, never by the name.
// Readers stream (a callback per event) so a million-event trace need not
// be held whole; a truncated last line is a Warning, never a lost trace.
// Errors are thrown: InputError naming file and line for bad input,
// OutputExists for a file that must not be replaced, fmt::system_error for
// I/O failures. This library knows nothing of strace logs (strace/) nor of
// which format a given file is in (input/).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/errors.h"
#include "model/trace.h"

namespace tracediff::tracefile {

/// Encodes one event as a single JSON line (no trailing newline).
std::string event_to_json(const Event& e);
/// Encodes the header as a single JSON line (no trailing newline).
std::string header_to_json(const Header& h);

/// Writes a trace incrementally: header first, then events as they come.
/// Compresses with zstd when the path ends in ".zst". Output is buffered and
/// reaches the file on flush(), when the buffer fills, and on close().
class TraceWriter {
 public:
  struct Options {
    bool force = false;      ///< overwrite an existing file
    unsigned mode = 0600;    ///< permission bits of a new file
    /// Bytes kept free after the header so that update_header() can
    /// rewrite it in place once more is known (a recorder's counts of what
    /// it could not see). Plain: spaces before the header line's newline;
    /// zstd: the header in a frame of its own followed by a skippable frame.
    /// Ignored (0) when the output is not a regular file.
    std::size_t header_room = 0;
  };
  /// Creates `path` ("-" is stdout). Throws InputError if it exists and
  /// !force, fmt::system_error on I/O failure.
  TraceWriter(const std::string& path, const Header& h, Options opt);
  TraceWriter(const std::string& path, const Header& h);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void write(const Event& e);
  /// Keeps the next event's place for an event that is not final yet (a
  /// call still unfinished, strace::StreamPlaces): what is written after it
  /// waits in memory until fill_place() gives that event, and the file
  /// holds the events in the order of their places. `place` names it (any
  /// number not kept now).
  void keep_place(std::size_t place);
  /// The event for a place kept before. Throws std::logic_error for a place
  /// not kept.
  void fill_place(std::size_t place, const Event& e);
  /// Rewrites the header in place, keeping every event written: `h`
  /// replaces the header the writer was made with (its `created` is kept
  /// when h's is empty). Returns false, changing nothing, when the writer
  /// has no header room (not asked for, not a regular file) or the new
  /// header does not fit in it. Throws fmt::system_error on I/O failure.
  bool update_header(const Header& h);
  /// Whether update_header() can rewrite the header at all: room was asked
  /// for and the output is a regular file (what fits is another matter).
  bool can_update_header() const;
  /// Pushes buffered data to the kernel (and a complete zstd block).
  void flush();
  /// Flushes and finishes the file; further writes are errors, as is a
  /// place kept and not filled (std::logic_error).
  void close();
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

/// Throws what TraceWriter(path, ..., opt) would throw if `path` could not
/// be created now (it exists and !opt.force, its directory is missing or not
/// writable, it is not writable), without creating anything. For callers
/// that must refuse before doing work they cannot undo (attaching to a
/// process), then create the writer later. "-" always passes. Advisory: the
/// creation itself can still fail (the file appears meanwhile).
void check_can_create(const std::string& path, TraceWriter::Options opt);

/// Throws OutputExists for `path`, which exists (a stat tells a directory
/// from a file). For writers of other files the user names (reports).
[[noreturn]] void refuse_existing_output(const std::string& path);

/// Writes a whole trace to `path`. `each` (may be empty) is called after
/// each event is written, as read_trace()'s: a caller counts them.
void write_trace(const std::string& path, const Trace& t, TraceWriter::Options opt,
                 const std::function<void()>& each = {});

/// True when `head` (the first few KiB of a file, decompressed) is the
/// start of a tracediff trace file: its header line.
bool looks_like_trace(std::string_view head);

/// Reads a tracediff trace file. A truncated last line becomes a Warning and
/// everything before it is kept. Throws InputError (one line, naming the
/// file and line) for a file that is not a trace, a binary file, an unknown
/// major version, or a malformed line before the last. `each` (may be
/// empty) is called after each event is taken: a caller counts them.
Trace read_trace(const std::string& path, const std::function<void()>& each = {});

/// Streaming form of read_trace(): `on_header` is called once with the
/// header, then `on_event` for each event in file order, so a caller can
/// shrink each event before the next is read. Both are called on the
/// caller's thread; the lines are parsed on worker threads meanwhile, a
/// few thousand events ahead at most. A truncated last line adds a
/// Warning to `warnings`; errors are thrown as by read_trace(). Returns the
/// number of events.
std::size_t read_trace_events(const std::string& path, const std::function<void(Header&)>& on_header,
                              const std::function<void(Event&&)>& on_event, std::vector<Warning>& warnings);

/// Reads a whole (possibly zstd-compressed) file into memory. Throws
/// InputError naming the file.
std::string read_file_decompressed(const std::string& path);

/// Streams a possibly zstd-compressed file line by line without holding it
/// all in memory. `fn(line, lineno, is_last_and_unterminated)` is called for
/// each line (without its '\n').
class LineReader {
 public:
  explicit LineReader(const std::string& path);
  ~LineReader();
  /// Returns false at end of file. `unterminated` is true for a final line
  /// with no '\n' (a writer killed mid-line).
  bool next(std::string_view& line, bool& unterminated);
  std::uint32_t lineno() const { return lineno_; }
  /// At end of input: true when the file was zstd and ended inside a frame
  /// (the writer was interrupted), so text may be missing after the last line.
  bool truncated() const;
  /// Expected total bytes of text (the file size, or for zstd an estimate
  /// from the ratio so far that errs high); 0 when unknown (a pipe). For
  /// reserving memory.
  std::uint64_t size_hint() const;
  const std::string& path() const { return path_; }

 private:
  bool fill();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::uint32_t lineno_ = 0;
};

}  // namespace tracediff::tracefile

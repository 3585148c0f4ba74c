// Internal to tracefile/: a file's lines parsed into events on worker
// threads and handed back in file order.
//
// Reading a trace is mostly parsing JSON, one line at a time and each line
// on its own, so it splits across cores: the caller's thread cuts the file
// into batches of lines (a few thousand, about 1 MiB) and hands each to a
// worker, which parses it into events; the caller takes the batches back in
// the order of the file and does with each event what it would have done
// (keeps it, or enriches it for the differ) while the workers parse the
// next ones. A few batches are out at a time, so memory stays that of a
// few thousand events whatever the file's size.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model/trace.h"
#include "tracefile/tracefile.h"

namespace tracediff::tracefile::detail {

/// Bytes readable after a batch's last line (simdjson reads up to 64 past
/// the end of what it parses, so lines are parsed where they lie).
inline constexpr std::size_t kBatchPadding = 64;

/// A line of only spaces, tabs and carriage returns: skipped by readers.
bool blank_line(std::string_view s);

/// Some consecutive non-blank lines of a file, and what parsing made of them.
struct LineBatch {
  std::string text;                   ///< the lines, each followed by '\n' (the last maybe not), then padding
  std::vector<std::size_t> ends;      ///< per line: offset of its end in text
  std::vector<std::uint32_t> linenos; ///< per line: its number in the file
  bool last_unterminated = false;     ///< the last line is the file's, with no '\n'
  /// The events of the lines parsed, in order: one per line up to
  /// `failed` (all of them when it is npos).
  std::vector<Event> events;
  std::size_t failed = npos;          ///< the line that did not parse, npos none
  std::string error;                  ///< why it did not
  std::exception_ptr fatal;           ///< anything else a worker met (out of memory)
  bool parsed = false;                ///< a worker is done with it (under BatchReader's lock)

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t size() const { return ends.size(); }
  std::string_view line(std::size_t i) const {
    std::size_t begin = i == 0 ? 0 : ends[i - 1] + 1;
    return std::string_view(text.data() + begin, ends[i] - begin);
  }
  void clear();
};

/// Parses one line into `out`; returns false with `error` set when the
/// line is not an event. Called on worker threads, one line at a time; the
/// line's bytes are followed by at least kBatchPadding readable bytes.
using ParseLine = std::function<bool(std::string_view line, Event& out, std::string& error)>;

/// The rest of `in` (after what the caller read itself, a header), parsed
/// by `workers` threads. Blank lines are skipped. Not thread-safe: one
/// caller, who alone touches `in` (only within next()).
class BatchReader {
 public:
  BatchReader(LineReader& in, ParseLine parse, unsigned workers);
  ~BatchReader();
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;

  /// The next batch in file order, parsed; nullptr after the last. Valid
  /// until the next call (its events may be moved from). Rethrows, in its
  /// place in the file, what reading the file threw.
  LineBatch* next();

  /// Workers for this machine: one per core, at least one, at most four.
  static unsigned default_workers();

 private:
  void fill();
  void work();

  LineReader& in_;
  ParseLine parse_;
  bool eof_ = false;
  std::exception_ptr read_error_;     ///< thrown by `in`, delivered after the batches before it
  std::unique_ptr<LineBatch> current_;
  std::vector<std::unique_ptr<LineBatch>> free_;

  std::mutex mu_;
  std::condition_variable work_, done_;
  std::deque<std::unique_ptr<LineBatch>> order_;  ///< batches out, in file order (guarded by mu_)
  std::deque<LineBatch*> pending_;    ///< not yet taken by a worker (guarded by mu_)
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tracediff::tracefile::detail

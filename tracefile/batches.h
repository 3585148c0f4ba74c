// Batches of a text file's lines parsed on worker threads and handed back
// in file order: the trace reader (json_read.cc) and the strace importer
// (strace/importer.cc) both read this way.
//
// Reading a trace or a strace log is mostly parsing, one line at a time and
// each line on its own, so it splits across cores: the caller's thread cuts
// the file into batches of lines (a few thousand, about 1 MiB) and hands
// each to a worker, which parses each line into an Item; the caller takes
// the batches back in the order of the file and does with each item what
// it would have done (keeps it, enriches it for the differ, joins an
// unfinished call with its end) while the workers parse the next ones. A
// few batches are out at a time, so memory stays that of a few thousand
// lines whatever the file's size.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "model/trace.h"
#include "tracefile/tracefile.h"

namespace tracediff::tracefile {

/// Bytes readable after a batch's last line (simdjson reads up to 64 past
/// the end of what it parses, so lines are parsed where they lie).
inline constexpr std::size_t kBatchPadding = 64;

/// A line of only spaces, tabs and carriage returns: skipped by readers
/// that skip blank lines.
bool blank_line(std::string_view s);

/// Some consecutive lines of a file, and what parsing made of them.
template <typename Item>
struct LineBatch {
  std::string text;                   ///< the lines, each followed by '\n' (the last maybe not), then padding
  std::vector<std::size_t> ends;      ///< per line: offset of its end in text
  std::vector<std::uint32_t> linenos; ///< per line: its number in the file
  bool last_unterminated = false;     ///< the last line is the file's, with no '\n'
  /// What the lines parsed into, in order: one per line up to `failed`
  /// (all of them when it is npos).
  std::vector<Item> items;
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
  void clear() {
    text.clear();
    ends.clear();
    linenos.clear();
    last_unterminated = false;
    items.clear();
    failed = npos;
    error.clear();
    fatal = nullptr;
    parsed = false;
  }
};

/// Workers for this machine: one per core, at least one, at most four.
unsigned default_batch_workers();

/// Where a batch ends: after this many lines or bytes, whichever comes
/// first. Large enough that the lock is taken once per thousand lines or
/// more; how large beyond that pays depends on the consumer (docs/
/// performance.md, tenth pass): the strace importer, which holds a batch's
/// last line back and hands its events on to a writer thread, wants them
/// big; the trace reader, whose consumer packs each event as it comes,
/// runs faster with batches that stay in a core's cache.
struct BatchSize {
  std::size_t lines = 4096;
  std::size_t bytes = std::size_t{1} << 20;
};

/// The rest of `in` (after what the caller read itself, a header), parsed
/// by `workers` threads. Not thread-safe: one caller, who alone touches
/// `in` (only within next()).
template <typename Item>
class BatchReader {
 public:
  /// Parses one line into `out`; returns false with `error` set when the
  /// line is not an item. Called on worker threads, one line at a time; the
  /// line's bytes are followed by at least kBatchPadding readable bytes.
  using ParseLine = std::function<bool(std::string_view line, Item& out, std::string& error)>;
  enum class Blank : std::uint8_t { Skip, Keep };

  BatchReader(LineReader& in, ParseLine parse, unsigned workers, Blank blank = Blank::Skip, BatchSize size = {})
      : in_(in), parse_(std::move(parse)), skip_blank_(blank == Blank::Skip), size_(size) {
    workers = std::max(workers, 1u);
    threads_.reserve(workers);
    for (unsigned i = 0; i < workers; ++i) {
      try {
        threads_.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        // The process limit (RLIMIT_NPROC, a cgroup's pids.max) refused a
        // thread: a host where that happens is one somebody is debugging.
        // Fewer workers, or none: next() then parses on the caller's thread.
        break;
      }
    }
  }
  ~BatchReader() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    work_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;

  /// The next batch in file order, parsed; nullptr after the last. Valid
  /// until the next call (its items may be moved from). Rethrows, in its
  /// place in the file, what reading the file threw.
  LineBatch<Item>* next() {
    // The batches still out stay queued for the workers while the caller
    // uses the one handed back, so one fill per call (after the last one
    // handed back is free again to be filled) keeps the workers busy.
    if (current_) free_.push_back(std::move(current_));
    fill();
    std::unique_lock lk(mu_);
    if (order_.empty()) {
      lk.unlock();
      if (read_error_) std::rethrow_exception(std::exchange(read_error_, nullptr));
      return nullptr;
    }
    if (threads_.empty() && !order_.front()->parsed) {
      // No worker: the batch parses here (it is the first one pending).
      LineBatch<Item>* b = pending_.front();
      pending_.pop_front();
      lk.unlock();
      parse_batch(*b);
      lk.lock();
      b->parsed = true;
    }
    done_.wait(lk, [&] { return order_.front()->parsed; });
    current_ = std::move(order_.front());
    order_.pop_front();
    return current_.get();
  }

 private:
  // Reads lines into new batches until enough are out for every worker to
  // have one queued behind the one it parses.
  void fill() {
    const std::size_t out_max = 2 * threads_.size() + 2;
    for (;;) {
      {
        std::lock_guard lk(mu_);
        if (eof_ || order_.size() >= out_max) return;
      }
      std::unique_ptr<LineBatch<Item>> b;
      if (free_.empty()) {
        b = std::make_unique<LineBatch<Item>>();
      } else {
        b = std::move(free_.back());
        free_.pop_back();
        b->clear();
      }
      try {
        std::string_view line;
        bool unterminated = false;
        while (b->size() < size_.lines && b->text.size() < size_.bytes) {
          if (!in_.next(line, unterminated)) {
            eof_ = true;
            break;
          }
          if (skip_blank_ && blank_line(line)) continue;
          b->text.append(line);
          b->ends.push_back(b->text.size());
          b->text.push_back('\n');
          b->linenos.push_back(in_.lineno());
          b->last_unterminated = unterminated;
        }
      } catch (...) {
        // Handed on after the lines read before it.
        read_error_ = std::current_exception();
        eof_ = true;
      }
      if (b->size() == 0) {
        free_.push_back(std::move(b));
        return;
      }
      b->text.append(kBatchPadding, '\0');
      {
        std::lock_guard lk(mu_);
        pending_.push_back(b.get());
        order_.push_back(std::move(b));
      }
      work_.notify_one();
    }
  }

  void parse_batch(LineBatch<Item>& b) {
    try {
      b.items.resize(b.size());
      for (std::size_t i = 0; i < b.size(); ++i) {
        if (!parse_(b.line(i), b.items[i], b.error)) {
          b.items.resize(i);
          b.failed = i;
          break;
        }
      }
    } catch (...) {
      b.fatal = std::current_exception();
    }
  }

  void work() {
    for (;;) {
      LineBatch<Item>* b;
      {
        std::unique_lock lk(mu_);
        work_.wait(lk, [&] { return stop_ || !pending_.empty(); });
        if (stop_) return;
        b = pending_.front();
        pending_.pop_front();
      }
      parse_batch(*b);
      {
        std::lock_guard lk(mu_);
        b->parsed = true;
      }
      done_.notify_one();
    }
  }

  LineReader& in_;
  ParseLine parse_;
  bool skip_blank_;
  BatchSize size_;
  bool eof_ = false;
  std::exception_ptr read_error_;     ///< thrown by `in`, delivered after the batches before it
  std::unique_ptr<LineBatch<Item>> current_;
  std::vector<std::unique_ptr<LineBatch<Item>>> free_;

  std::mutex mu_;
  std::condition_variable work_, done_;
  std::deque<std::unique_ptr<LineBatch<Item>>> order_;  ///< batches out, in file order (guarded by mu_)
  std::deque<LineBatch<Item>*> pending_;  ///< not yet taken by a worker (guarded by mu_)
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

extern template class BatchReader<Event>;

}  // namespace tracediff::tracefile

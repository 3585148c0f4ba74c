// BatchReader: cutting a file into batches of lines, parsing them on
// worker threads, handing them back in order (tracefile/batches.h).
#include "tracefile/batches.h"

#include <algorithm>

namespace tracediff::tracefile::detail {
namespace {

// A batch ends after this many lines or bytes, whichever comes first: small
// enough that a few out at a time cost little memory, large enough that the
// lock is taken once per thousands of events.
constexpr std::size_t kBatchLines = 4096;
constexpr std::size_t kBatchBytes = 1 << 20;

}  // namespace

bool blank_line(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

void LineBatch::clear() {
  text.clear();
  ends.clear();
  linenos.clear();
  last_unterminated = false;
  events.clear();
  failed = npos;
  error.clear();
  fatal = nullptr;
  parsed = false;
}

unsigned BatchReader::default_workers() {
  unsigned n = std::thread::hardware_concurrency();
  return std::clamp(n, 1u, 4u);
}

BatchReader::BatchReader(LineReader& in, ParseLine parse, unsigned workers) : in_(in), parse_(std::move(parse)) {
  workers = std::max(workers, 1u);
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

BatchReader::~BatchReader() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

// Reads lines into new batches until enough are out for every worker to
// have one queued behind the one it parses.
void BatchReader::fill() {
  const std::size_t out_max = 2 * threads_.size() + 2;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (eof_ || order_.size() >= out_max) return;
    }
    std::unique_ptr<LineBatch> b;
    if (free_.empty()) {
      b = std::make_unique<LineBatch>();
    } else {
      b = std::move(free_.back());
      free_.pop_back();
      b->clear();
    }
    try {
      std::string_view line;
      bool unterminated = false;
      while (b->size() < kBatchLines && b->text.size() < kBatchBytes) {
        if (!in_.next(line, unterminated)) {
          eof_ = true;
          break;
        }
        if (blank_line(line)) continue;
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

// The batches still out stay queued for the workers while the caller uses
// the one handed back, so one fill per call (after the last one handed back
// is free again to be filled) keeps the workers busy.
LineBatch* BatchReader::next() {
  if (current_) free_.push_back(std::move(current_));
  fill();
  std::unique_lock lk(mu_);
  if (order_.empty()) {
    lk.unlock();
    if (read_error_) std::rethrow_exception(std::exchange(read_error_, nullptr));
    return nullptr;
  }
  done_.wait(lk, [&] { return order_.front()->parsed; });
  current_ = std::move(order_.front());
  order_.pop_front();
  return current_.get();
}

void BatchReader::work() {
  for (;;) {
    LineBatch* b;
    {
      std::unique_lock lk(mu_);
      work_.wait(lk, [&] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      b = pending_.front();
      pending_.pop_front();
    }
    try {
      b->events.reserve(b->size());
      for (std::size_t i = 0; i < b->size(); ++i) {
        Event& e = b->events.emplace_back();
        if (!parse_(b->line(i), e, b->error)) {
          b->events.pop_back();
          b->failed = i;
          break;
        }
      }
    } catch (...) {
      b->fatal = std::current_exception();
    }
    {
      std::lock_guard lk(mu_);
      b->parsed = true;
    }
    done_.notify_one();
  }
}

}  // namespace tracediff::tracefile::detail

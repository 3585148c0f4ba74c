// Importing a strace log straight into a trace file, with the JSON encoding
// and writing on a second thread (see input.h).
#include <fmt/format.h>

#include <condition_variable>
#include <filesystem>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "input/counting.h"
#include "input/input.h"
#include "model/errors.h"
#include "strace/strace.h"
#include "tracefile/tracefile.h"

namespace tracediff::input {
namespace {

// Redacts, encodes and writes events on a second thread while the importer
// parses the next ones: on two cores an import takes about the time of the
// slower half (docs/performance.md), so whatever can follow the parse runs
// here. Events travel in batches and at most kMaxQueued batches wait, so
// memory stays bounded; the places of unfinished calls (StreamPlaces)
// travel with them, and the trace writer holds what follows a place.
class BackgroundWriter {
 public:
  BackgroundWriter(std::string path, tracefile::TraceWriter::Options opt, const redact::Redactor& redactor)
      : path_(std::move(path)), opt_(opt), redactor_(redactor) {
    batch_.events.reserve(kBatch);
  }
  ~BackgroundWriter() { stop(); }
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // `room`: bytes kept after the header for update_header() (Options).
  void header(const Header& h, std::size_t room) {
    tracefile::TraceWriter::Options o = opt_;
    o.header_room = room;
    writer_ = std::make_unique<tracefile::TraceWriter>(path_, h, o);
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      // The process limit refused the thread: events are written as they come.
      inline_ = true;
    }
  }
  void add(Event&& e) {
    if (inline_) return write(e);
    batch_.events.push_back(std::move(e));
    if (batch_.events.size() >= kBatch) push();
  }
  // strace::StreamPlaces: a place kept in the order of events, and the
  // event for it later; they travel in the batches with the events.
  void keep(std::size_t place) {
    if (inline_) return writer_->keep_place(place);
    batch_.marks.push_back(Mark{batch_.events.size(), place, false});
  }
  void fill(std::size_t place, Event&& e) {
    if (inline_) return fill_now(place, e);
    batch_.marks.push_back(Mark{batch_.events.size(), place, true});
    add(std::move(e));
  }
  // Writes what is left and closes the file; `late` (may be null) first
  // replaces the header, when it fits in the room kept for it.
  enum class Late { Written, TooLong, NotRewritable };
  Late finish(const Header* late) {
    push();
    stop();
    if (error_) std::rethrow_exception(error_);
    if (!writer_) return Late::Written;
    Late r = Late::Written;
    if (late && !writer_->update_header(*late)) r = writer_->can_update_header() ? Late::TooLong : Late::NotRewritable;
    writer_->close();
    return r;
  }

 private:
  // Events per hand-over: enough to make the locking negligible, few enough
  // to keep the queue small (a batch is about 1 MB of events).
  static constexpr std::size_t kBatch = 2048;
  // Room for what the importer releases at once (an unfinished clone or
  // execve holds back the events after it; before places, so did a shell's
  // wait4 while its child ran). With room for only a few batches the parser
  // then waited while the writer worked through them, and the two threads
  // took turns instead of running side by side (docs/performance.md, "Room
  // in the writer's queue").
  static constexpr std::size_t kMaxQueued = strace::kMaxHeldEvents / kBatch;

  // Before the event at index `at` of its batch (at its index, for a
  // fill): a place kept, or that event the one for a place.
  struct Mark {
    std::size_t at = 0, place = 0;
    bool fill = false;
  };
  struct Batch {
    std::vector<Event> events;
    std::vector<Mark> marks;
  };

  void write(Event& e) {
    redactor_.event(e);
    writer_->write(e);
  }
  void fill_now(std::size_t place, Event& e) {
    redactor_.event(e);
    writer_->fill_place(place, e);
  }
  // At one index the marks are the places kept there, then at most one
  // fill (keep() and fill() push them in that order).
  void write_batch(Batch& b) {
    std::size_t m = 0;
    for (std::size_t i = 0;; ++i) {
      for (; m < b.marks.size() && b.marks[m].at == i && !b.marks[m].fill; ++m) writer_->keep_place(b.marks[m].place);
      if (i == b.events.size()) return;
      if (m < b.marks.size() && b.marks[m].at == i) fill_now(b.marks[m++].place, b.events[i]);
      else write(b.events[i]);
    }
  }
  void push() {
    if (batch_.events.empty() && batch_.marks.empty()) return;
    std::unique_lock<std::mutex> lk(m_);
    space_.wait(lk, [&] { return queue_.size() < kMaxQueued || error_; });
    if (error_) {
      lk.unlock();
      stop();
      std::rethrow_exception(error_);
    }
    queue_.push_back(std::move(batch_));
    batch_.events.clear();
    batch_.marks.clear();
    ready_.notify_one();
    lk.unlock();
    // Moved from, the vector has no room: grown from nothing it moved
    // each event about once more on its way to 2,048.
    batch_.events.reserve(kBatch);
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      done_ = true;
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void run() {
    for (;;) {
      Batch b;
      {
        std::unique_lock<std::mutex> lk(m_);
        ready_.wait(lk, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) return;
        b = std::move(queue_.front());
        queue_.pop_front();
      }
      space_.notify_one();
      try {
        write_batch(b);
      } catch (...) {
        std::lock_guard<std::mutex> lk(m_);
        error_ = std::current_exception();
        space_.notify_all();
        return;
      }
    }
  }

  std::string path_;
  tracefile::TraceWriter::Options opt_;
  const redact::Redactor& redactor_;  // used by the writer thread only, once it runs
  std::unique_ptr<tracefile::TraceWriter> writer_;
  Batch batch_;
  std::mutex m_;
  std::condition_variable ready_, space_;
  std::deque<Batch> queue_;
  bool done_ = false;
  bool inline_ = false;  // no writer thread: add() writes
  std::exception_ptr error_;
  std::thread thread_;
};

// Room after a header written without its command: the command fits
// unless its arguments are long (strace prints 32 bytes of each by default).
constexpr std::size_t kLateCommandRoom = 1024;

}  // namespace

std::size_t import_strace_to_file(const std::string& log, const std::string& out, tracefile::TraceWriter::Options opt,
                                  std::vector<Warning>& warnings, const redact::Redactor& redactor,
                                  progress::Meter* meter) {
  BackgroundWriter w(out, opt, redactor);
  detail::Counting counted(meter, "importing " + log);
  // A call left unfinished (a shell's wait4 while its child runs) keeps
  // its place in the file and holds back nothing: the writer thread does
  // not sit idle while the importer works through what follows it.
  // Each event counts once: where it is written, or where its place is kept.
  strace::StreamPlaces places;
  places.keep = [&](std::size_t place) {
    w.keep(place);
    counted.count();
  };
  places.fill = [&](std::size_t place, Event&& e) { w.fill(place, std::move(e)); };
  // The header goes out before the first exec when that comes late (a log
  // of `strace -p`): then, and only then, room is kept after it for the
  // command, written in once the log has shown it.
  bool without_command = false;
  strace::StreamEnd last;
  std::size_t n = strace::import_strace_stream(
      log,
      [&](const Header& h) {
        Header r = h;
        redactor.header(r);
        without_command = r.command.empty();
        w.header(r, without_command ? kLateCommandRoom : 0);
      },
      [&](Event&& e) {
        w.add(std::move(e));
        counted.count();
      },
      warnings, &places, &last);
  std::optional<Header> late;
  if (without_command && !last.header.command.empty()) {
    late = last.header;
    redactor.header(*late);
  }
  BackgroundWriter::Late done = w.finish(late ? &*late : nullptr);
  if (done != BackgroundWriter::Late::Written)
    warnings.push_back(Warning{
        log, last.command_line,
        fmt::format("the command ({}) came after the header was written, {}: the trace's header has no command",
                    late->command.front(),
                    done == BackgroundWriter::Late::TooLong ? "and does not fit in the room kept for it"
                                                            : "to a stream that cannot be rewritten")});
  return n;
}

std::size_t redact_to_file(const std::string& in, const std::string& out, tracefile::TraceWriter::Options opt,
                           std::vector<Warning>& warnings, const redact::Redactor& redactor,
                           progress::Meter* meter) {
  std::error_code ec;
  if (in != "-" && out != "-" && std::filesystem::equivalent(in, out, ec))
    throw InputError(fmt::format("{}: is the input; write the redacted trace to another file", out));
  std::unique_ptr<EventSource> src = open_any(in);
  std::unique_ptr<tracefile::TraceWriter> w;
  std::size_t n = 0;
  detail::Counting counted(meter, "redacting " + in);
  src->read(
      [&](Header& h) {
        redactor.header(h);
        w = std::make_unique<tracefile::TraceWriter>(out, h, opt);
      },
      [&](Event&& e) {
        redactor.event(e);
        w->write(e);
        ++n;
        counted.count();
      },
      warnings);
  if (w) w->close();
  return n;
}

}  // namespace tracediff::input

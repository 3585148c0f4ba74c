// The trace reader's worker threads (tracefile/batches.h): whatever the
// number of workers, events come back in file order, blank lines are
// skipped with the line numbers kept, and a bad line stops the reading at
// that line, with every event before it delivered and none after.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <set>
#include <thread>

#include "tests/trace/test_util.h"
#include "tracefile/batches.h"
#include "tracefile/tracefile.h"

namespace tracediff {
namespace {

using testing::TempDir;
using BatchReader = tracefile::BatchReader<Event>;
using LineBatch = tracefile::LineBatch<Event>;

// Lines "N" parse into an event with tid N; "bad" does not parse. Each
// line is read one byte past its end: the padding must be there.
bool parse_number(std::string_view line, Event& e, std::string& error) {
  volatile char past = line.data()[line.size() + tracefile::kBatchPadding - 1];
  (void)past;
  int n = 0;
  auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
  if (ec != std::errc() || p != line.data() + line.size()) {
    error = fmt::format("not a number: '{}'", line);
    return false;
  }
  e.tid = n;
  return true;
}

// Any item type: a line parses into a copy of itself.
bool copy_line(std::string_view line, std::string& out, std::string&) {
  out.assign(line);
  return true;
}

struct Read {
  std::vector<std::int32_t> tids;
  std::vector<std::uint32_t> linenos;
  std::size_t batches = 0;
  std::string error;
  std::uint32_t error_line = 0;
  bool last_unterminated = false;
};

Read read_all(const std::string& path, unsigned workers) {
  tracefile::LineReader in(path);
  BatchReader r(in, parse_number, workers);
  Read out;
  while (LineBatch* b = r.next()) {
    ++out.batches;
    EXPECT_EQ(b->items.size(), b->failed == LineBatch::npos ? b->size() : b->failed);
    for (std::size_t i = 0; i < b->items.size(); ++i) {
      out.tids.push_back(b->items[i].tid);
      out.linenos.push_back(b->linenos[i]);
    }
    out.last_unterminated = b->last_unterminated;
    if (b->failed != LineBatch::npos) {
      out.error = b->error;
      out.error_line = b->linenos[b->failed];
      break;
    }
  }
  return out;
}

TEST(BatchReader, KeepsFileOrderWithAnyNumberOfWorkers) {
  TempDir d;
  std::string s;
  const int n = 50'000;  // a dozen batches
  for (int i = 1; i <= n; ++i) s += fmt::format("{}\n", i);
  d.write("n.txt", s);
  for (unsigned w : {1u, 2u, 3u, 8u}) {
    Read r = read_all(d.file("n.txt"), w);
    ASSERT_EQ(r.tids.size(), static_cast<std::size_t>(n)) << w << " workers";
    EXPECT_GT(r.batches, 4u);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(r.tids[i], i + 1) << w << " workers, event " << i;
      ASSERT_EQ(r.linenos[i], static_cast<std::uint32_t>(i + 1));
    }
    EXPECT_TRUE(r.error.empty());
  }
}

TEST(BatchReader, SkipsBlankLinesAndKeepsTheirNumbers) {
  TempDir d;
  std::string s;
  for (int i = 1; i <= 20'000; ++i) s += i % 3 == 0 ? " \t\r\n" : fmt::format("{}\n", i);
  d.write("blank.txt", s);
  Read r = read_all(d.file("blank.txt"), 2);
  ASSERT_FALSE(r.tids.empty());
  for (std::size_t i = 0; i < r.tids.size(); ++i) {
    ASSERT_NE(r.linenos[i] % 3, 0u);
    ASSERT_EQ(static_cast<std::uint32_t>(r.tids[i]), r.linenos[i]);
  }
  EXPECT_EQ(r.tids.size(), 20'000u - 20'000u / 3);
}

// The strace importer keeps blank lines (they count for its joiner), and
// its items are not events: any type parses, each line exactly once.
TEST(BatchReader, KeepsBlankLinesWhenAskedWithAnyItemType) {
  TempDir d;
  std::string s;
  for (int i = 1; i <= 20'000; ++i) s += i % 3 == 0 ? " \t\r\n" : fmt::format("{}\n", i);
  d.write("blank.txt", s);
  for (unsigned w : {1u, 3u}) {
    tracefile::LineReader in(d.file("blank.txt"));
    tracefile::BatchReader<std::string> r(
        in,
        copy_line,
        w, tracefile::BatchReader<std::string>::Blank::Keep);
    std::uint32_t expect = 1;
    while (tracefile::LineBatch<std::string>* b = r.next()) {
      ASSERT_EQ(b->items.size(), b->size());
      for (std::size_t i = 0; i < b->size(); ++i, ++expect) {
        ASSERT_EQ(b->linenos[i], expect) << w << " workers";
        ASSERT_EQ(b->items[i], expect % 3 == 0 ? " \t\r" : fmt::format("{}", expect));
      }
    }
    EXPECT_EQ(expect, 20'001u) << w << " workers";
  }
}

// A batch ends at its size's lines or bytes, whichever comes first, and
// every line still comes once, in order: the trace reader's small batches
// and the importer's large ones read the same lines.
TEST(BatchReader, EndsEachBatchAtItsSize) {
  TempDir d;
  std::string s;
  for (int i = 1; i <= 10'000; ++i) s += i % 100 == 0 ? std::string(300, 'x') + "\n" : fmt::format("{}\n", i);
  d.write("sizes.txt", s);
  for (tracefile::BatchSize size : {tracefile::BatchSize{}, tracefile::BatchSize{1024, 1u << 18},
                                    tracefile::BatchSize{64, 4096}, tracefile::BatchSize{1000, 1024}}) {
    tracefile::LineReader in(d.file("sizes.txt"));
    tracefile::BatchReader<std::string> r(
        in,
        copy_line,
        2, tracefile::BatchReader<std::string>::Blank::Skip, size);
    std::uint32_t expect = 1;
    std::size_t batches = 0;
    while (tracefile::LineBatch<std::string>* b = r.next()) {
      ++batches;
      ASSERT_LE(b->size(), size.lines);
      // The line that reached the byte limit is the batch's last.
      std::size_t before_last = b->size() > 1 ? b->ends[b->size() - 2] + 1 : 0;
      ASSERT_LT(before_last, size.bytes) << size.lines << " lines";
      for (std::size_t i = 0; i < b->size(); ++i, ++expect) ASSERT_EQ(b->linenos[i], expect);
    }
    EXPECT_EQ(expect, 10'001u);
    // By lines: 10,000 / lines batches at least; by bytes: 1,024 bytes hold
    // a few lines only.
    EXPECT_GE(batches, (10'000 + size.lines - 1) / size.lines) << size.lines;
    if (size.bytes == 1024) {
      EXPECT_GT(batches, 10'000u / 200);
    }
  }
}

TEST(BatchReader, StopsAtTheBadLineWithEverythingBeforeIt) {
  TempDir d;
  std::string s;
  const int bad = 30'001;  // deep in a later batch
  for (int i = 1; i <= 60'000; ++i) s += i == bad ? "bad\n" : fmt::format("{}\n", i);
  d.write("bad.txt", s);
  for (unsigned w : {1u, 2u, 4u}) {
    Read r = read_all(d.file("bad.txt"), w);
    EXPECT_EQ(r.error_line, static_cast<std::uint32_t>(bad)) << w << " workers";
    EXPECT_EQ(r.error, "not a number: 'bad'");
    ASSERT_EQ(r.tids.size(), static_cast<std::size_t>(bad - 1));
    EXPECT_EQ(r.tids.back(), bad - 1);
  }
}

TEST(BatchReader, MarksAnUnterminatedLastLine) {
  TempDir d;
  d.write("cut.txt", "1\n2\n3");
  Read r = read_all(d.file("cut.txt"), 2);
  EXPECT_EQ(r.tids, (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_TRUE(r.last_unterminated);
  d.write("whole.txt", "1\n2\n3\n");
  EXPECT_FALSE(read_all(d.file("whole.txt"), 2).last_unterminated);
}

TEST(BatchReader, AnEmptyRestGivesNoBatch) {
  TempDir d;
  d.write("empty.txt", "\n\n  \n");
  Read r = read_all(d.file("empty.txt"), 3);
  EXPECT_EQ(r.batches, 0u);
  EXPECT_TRUE(r.tids.empty());
}

TEST(BatchReader, LeavingEarlyStopsTheWorkers) {
  TempDir d;
  std::string s;
  for (int i = 1; i <= 100'000; ++i) s += fmt::format("{}\n", i);
  d.write("n.txt", s);
  tracefile::LineReader in(d.file("n.txt"));
  {
    BatchReader r(in, parse_number, 4);
    LineBatch* b = r.next();
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->items.front().tid, 1);
  }  // destroyed with batches still out: joins its workers (ASan and the test's timeout watch)
}

// The trace reader on a trace of many batches: the same events in the
// same order as written, the bad line named, the cut last line a warning.
Trace numbered_trace(int n) {
  Trace t;
  t.header.source = "ptrace";
  t.header.created = "2026-12-02T00:00:00Z";
  for (int i = 0; i < n; ++i) {
    Event e;
    e.tid = e.pid = 100 + i % 7;
    e.name = i % 2 ? "openat" : "read";
    e.args = {Arg{.kind = ArgKind::Path, .str = fmt::format("/usr/lib/f{}", i)}};
    e.result.state = ResultState::Returned;
    e.result.value = i;
    t.events.push_back(std::move(e));
  }
  return t;
}

TEST(TraceIoBatches, ManyBatchesReadBackInOrder) {
  TempDir d;
  Trace t = numbered_trace(40'000);
  tracefile::write_trace(d.file("t.trace"), t, {});
  Trace back = tracefile::read_trace(d.file("t.trace"));
  ASSERT_EQ(back.events.size(), t.events.size());
  for (std::size_t i = 0; i < t.events.size(); ++i) ASSERT_EQ(back.events[i], t.events[i]) << "event " << i;
  EXPECT_TRUE(back.warnings.empty());
}

TEST(TraceIoBatches, ABadLineFarInNamesItsLineAfterDeliveringTheEventsBefore) {
  TempDir d;
  tracefile::write_trace(d.file("t.trace"), numbered_trace(40'000), {});
  std::string s = testing::slurp(d.file("t.trace"));
  // After the header (line 1) and 25,000 events: the bad line is 25,002.
  std::size_t at = 0;
  for (int k = 0; k < 25'001; ++k) at = s.find('\n', at) + 1;
  s.insert(at, "{\"type\": oops}\n");
  d.write("bad.trace", s);
  std::size_t seen = 0;
  std::vector<Warning> w;
  try {
    tracefile::read_trace_events(
        d.file("bad.trace"), [](Header&) {},
        [&](Event&& e) {
          EXPECT_EQ(e.result.value, static_cast<std::int64_t>(seen));
          ++seen;
        },
        w);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.trace:25002: bad event"), std::string::npos) << e.what();
  }
  EXPECT_EQ(seen, 25'000u);
}

TEST(TraceIoBatches, ACutLastLineOfABigTraceIsAWarning) {
  TempDir d;
  tracefile::write_trace(d.file("t.trace"), numbered_trace(20'000), {});
  std::string s = testing::slurp(d.file("t.trace"));
  s.resize(s.size() - 10);
  d.write("cut.trace", s);
  Trace back = tracefile::read_trace(d.file("cut.trace"));
  EXPECT_EQ(back.events.size(), 19'999u);
  ASSERT_EQ(back.warnings.size(), 1u);
  EXPECT_EQ(back.warnings[0].line, 20'001u);
  EXPECT_NE(back.warnings[0].message.find("kept the 19999 events"), std::string::npos) << back.warnings[0].message;
}

}  // namespace
}  // namespace tracediff

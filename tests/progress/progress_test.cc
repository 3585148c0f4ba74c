// The progress line: only on a terminal, only after a second, erased when
// the stage ends.
#include "progress/progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <string>

namespace tracediff::progress {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Everything written to a pipe's write end, read back (non-blocking).
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

struct Fixture {
  int p[2];
  Clock::time_point t{};
  Fixture() {
    EXPECT_EQ(::pipe2(p, O_NONBLOCK), 0);
  }
  ~Fixture() {
    ::close(p[0]);
    ::close(p[1]);
  }
  LineOptions options(bool terminal) {
    LineOptions o;
    o.fd = p[1];
    o.terminal = terminal;
    o.now = [this] { return t; };
    return o;
  }
  // Calls update() until the clock has moved `d` in 1 ms steps.
  void run(Line& l, Clock::duration d, std::uint64_t& n) {
    for (auto end = t + d; t < end; t += 1ms) l.update("reading x", ++n, 0, "events");
  }
};

TEST(ProgressLine, NothingWhenNotATerminal) {
  Fixture f;
  Line l(f.options(false));
  std::uint64_t n = 0;
  f.run(l, 5s, n);
  l.finish();
  EXPECT_EQ(drain(f.p[0]), "");
}

TEST(ProgressLine, NothingForAStageShorterThanASecond) {
  Fixture f;
  Line l(f.options(true));
  std::uint64_t n = 0;
  f.run(l, 900ms, n);
  EXPECT_FALSE(l.shown());
  l.finish();
  EXPECT_EQ(drain(f.p[0]), "");
}

TEST(ProgressLine, ShownAfterASecondAndErasedAtTheEnd) {
  Fixture f;
  Line l(f.options(true));
  std::uint64_t n = 0;
  f.run(l, 1500ms, n);
  EXPECT_TRUE(l.shown());
  std::string shown = drain(f.p[0]);
  EXPECT_EQ(shown.rfind("\rreading x: ", 0), 0u) << shown;
  EXPECT_NE(shown.find(" events\x1b[K"), std::string::npos) << shown;
  EXPECT_EQ(shown.find('\n'), std::string::npos);  // never scrolls the screen
  l.finish();
  EXPECT_FALSE(l.shown());
  EXPECT_EQ(drain(f.p[0]), "\r\x1b[K");
}

TEST(ProgressLine, RedrawsAtMostTenTimesASecond) {
  Fixture f;
  Line l(f.options(true));
  std::uint64_t n = 0;
  f.run(l, 3s, n);
  std::string shown = drain(f.p[0]);
  std::size_t redraws = 0;
  for (char c : shown) redraws += c == '\r';
  EXPECT_GE(redraws, 10u);
  EXPECT_LE(redraws, 21u);
}

TEST(ProgressLine, ShowsTheTotalWhenKnown) {
  Fixture f;
  Line l(f.options(true));
  for (int i = 0; i < 3; ++i) {
    l.update("aligning", static_cast<std::uint64_t>(i), 500, "pairs");
    f.t += 700ms;
  }
  EXPECT_NE(drain(f.p[0]).find("aligning: 2 of 500 pairs"), std::string::npos);
}

TEST(ProgressLine, DrawnOnARealTerminal) {
  // cli/ passes isatty(2) as `terminal`, as here: on a pseudo-terminal the
  // line is drawn and erased, and what the terminal shows is that line.
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) GTEST_SKIP() << "no pty here";
  ASSERT_EQ(::fcntl(master, F_SETFL, O_NONBLOCK), 0);
  Fixture f;
  LineOptions o = f.options(::isatty(slave) == 1);
  o.fd = slave;
  EXPECT_TRUE(o.terminal);
  EXPECT_FALSE(::isatty(f.p[1])) << "a pipe is not a terminal: NothingWhenNotATerminal covers it";
  {
    Line l(o);
    std::uint64_t n = 0;
    f.run(l, 1500ms, n);
    EXPECT_TRUE(l.shown());
    l.finish();
  }
  std::string shown = drain(master);
  EXPECT_EQ(shown.rfind("\rreading x: ", 0), 0u) << shown;
  EXPECT_NE(shown.find(" events\x1b[K"), std::string::npos) << shown;
  EXPECT_TRUE(shown.ends_with("\r\x1b[K")) << shown;
  ::close(master);
  ::close(slave);
}

TEST(WithCommas, GroupsThousands) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1000), "1,000");
  EXPECT_EQ(with_commas(1234567), "1,234,567");
}

}  // namespace
}  // namespace tracediff::progress

// progress: what a long stage tells the user while it runs.
//
// A stage that may run for seconds (reading a million events, aligning
// hundreds of task pairs) reports its counts to a Meter; it never knows
// whether anyone looks. Line is the Meter cli/ gives it when stderr is a
// terminal: after the stage has run for a second it keeps one line on that
// terminal up to date ("reading bad.trace: 412,000 events"), at most ten
// times a second, and erases it when the stage ends, so nothing of it stays
// on the screen or reaches a file or a pipe (cli/ passes a null Meter, or
// `terminal = false`, for those). Library code takes a `Meter*` that may
// be null.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace tracediff::progress {

/// Where a stage reports how far it got. Not thread-safe: one stage, one
/// thread.
class Meter {
 public:
  virtual ~Meter() = default;
  /// `what` has done `done` of `total` units (`total` 0: unknown).
  /// Cheap enough to call once per event.
  virtual void update(const std::string& what, std::uint64_t done, std::uint64_t total, const char* unit) = 0;
  /// The stage ended: whatever was shown is taken away.
  virtual void finish() = 0;
};

struct LineOptions {
  int fd = 2;                  ///< where the line goes (stderr)
  bool terminal = false;       ///< false: never write anything (a file, a pipe)
  /// How long a stage runs before the line appears: a stage shorter than
  /// this leaves the screen as it was.
  std::chrono::milliseconds delay{1000};
  /// The shortest interval between two redraws: ten a second reads as
  /// live and costs nothing.
  std::chrono::milliseconds interval{100};
  /// The clock (tests give a fake one).
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
};

/// The progress line on a terminal. Writes "\r<text>\x1b[K" to redraw and
/// "\r\x1b[K" to erase; writes nothing at all unless `terminal`.
class Line : public Meter {
 public:
  explicit Line(LineOptions opt = {});
  ~Line() override;
  void update(const std::string& what, std::uint64_t done, std::uint64_t total, const char* unit) override;
  void finish() override;
  /// True while a line is on the screen.
  bool shown() const { return shown_; }

 private:
  void write(const std::string& s);

  LineOptions opt_;
  std::chrono::steady_clock::time_point start_, last_, checked_;
  bool started_ = false, shown_ = false;
  std::uint64_t calls_ = 0, stride_ = 1;
};

/// "1,234,567": counts read at a glance.
std::string with_commas(std::uint64_t n);

}  // namespace tracediff::progress

// Hand-built DiffResults for the report tests: the renderers are tested
// against the differ's contract (diff/diff.h), not against its output, so
// each case says exactly what a report must show.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "diff/diff.h"

namespace tracediff::testing {

/// Builds a DiffResult row by row: each row appends its events to the
/// good/bad traces and an AlignedRow to the current pair.
class ResultBuilder {
 public:
  ResultBuilder();
  diff::DiffResult& result() { return r_; }

  /// Starts a pair; good_tid/bad_tid 0 mean absent on that side.
  int pair(const std::string& name, std::int32_t good_tid, std::int32_t bad_tid, const std::string& command,
           ExitStatus good_exit, ExitStatus bad_exit, int parent = -1);
  /// Rows of the current pair. Each returns the row index.
  std::size_t same(const Event& e);
  std::size_t same(const Event& g, const Event& b);
  std::size_t changed(const Event& g, const Event& b);
  std::size_t only_good(const Event& g);
  std::size_t only_bad(const Event& b);
  /// n rows of unremarkable calls (read/close/fstat in turn).
  void filler(std::size_t n);

  /// A divergence on `row` of the current pair (its events are taken from
  /// the row); returns its index. Ranks follow the order of addition.
  int diverge(std::size_t row, diff::DivKind kind, const std::string& explanation, bool significant = true,
              bool benign = false);
  /// A divergence with no rows (environment).
  int diverge_env(const std::string& explanation, const std::string& good, const std::string& bad);

  void env(const std::string& category, const std::string& key, std::optional<std::string> good,
           std::optional<std::string> bad, bool significant = true);

 private:
  diff::DiffResult r_;
  int cur_ = -1;
  std::size_t filler_n_ = 0;
};

// Small constructors for events.
Arg path_arg(const std::string& p);
Arg flags_arg(const std::string& f);
Arg fd_arg(int fd, const std::string& ref = "");
Arg int_arg(std::int64_t v);
Arg str_arg(const std::string& s);
Result ok(std::int64_t v, const std::string& ref = "");
Result fail(const std::string& err);
Event sys(const std::string& name, std::vector<Arg> args, Result res);
Event exited(int code);
Event killed(int sig);
ExitStatus exit_code(int code);
ExitStatus exit_signal(int sig);

/// Every named case (golden directories name one in their case.txt).
const std::map<std::string, std::function<diff::DiffResult()>>& fixtures();

/// A pair of `events`-event traces (one task each), identical but for a
/// divergence every `every` rows; for the size test and the benchmark.
diff::DiffResult big_result(std::size_t events, std::size_t every);

}  // namespace tracediff::testing

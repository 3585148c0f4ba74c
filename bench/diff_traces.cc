// A driver for the diff stage alone: loads two traces (or strace logs),
// diffs them, prints the JSON contract (or a count with --summary). Used by
// bench/diff.sh and the end-to-end tests while `tracediff diff` lives on
// another branch. Exit status like diff(1): 0 same, 1 different, 2 trouble.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "alloc/alloc.h"
#include "diff/diff.h"
#include "input/input.h"
#include "tracefile/tracefile.h"

int main(int argc, char** argv) {
  using namespace tracediff;
  bool summary = false, phases = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--summary")) summary = true;
    else if (!std::strcmp(argv[i], "--phases")) summary = phases = true;
    else files.push_back(argv[i]);
  }
  if (files.size() != 2) {
    fmt::print(stderr, "usage: diff_traces [--summary] GOOD BAD\n");
    return 2;
  }
  alloc::release_memory_eagerly();  // as `tracediff diff` does
  try {
    using Clock = std::chrono::steady_clock;
    auto secs = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
    // CPU time next to wall time: on a shared machine wall time says more
    // about the neighbours than about the code.
    auto cpu = [](std::clock_t a, std::clock_t b) { return static_cast<double>(b - a) / CLOCKS_PER_SEC; };
    // Never freed: the process ends with _Exit right after printing, since
    // handing millions of small blocks back to malloc one by one costs a
    // second for nothing (GNU diff does not free its lines either).
    diff::DiffResult* result = nullptr;
    if (phases) {
      // The stages apart: load, normalize, then diff with every rule off
      // (the rules are idempotent, so the result is the same).
      auto t0 = Clock::now();
      std::clock_t c0 = std::clock();
      Trace g = input::load_any(files[0]);
      Trace b = input::load_any(files[1]);
      auto t1 = Clock::now();
      std::clock_t c1 = std::clock();
      diff::DiffOptions opt;
      normalize::normalize_in_place(g, opt.normalize);
      normalize::normalize_in_place(b, opt.normalize);
      auto t2 = Clock::now();
      std::clock_t c2 = std::clock();
      for (const auto& [name, desc] : normalize::list_rules()) opt.normalize.disabled.insert(name);
      result = new diff::DiffResult(diff::diff_traces(std::move(g), std::move(b), opt, files[0], files[1]));
      auto t3 = Clock::now();
      std::clock_t c3 = std::clock();
      fmt::print("phases (wall/cpu s): load {:.2f}/{:.2f}, normalize {:.2f}/{:.2f}, diff {:.2f}/{:.2f}\n",
                 secs(t0, t1), cpu(c0, c1), secs(t1, t2), cpu(c1, c2), secs(t2, t3), cpu(c2, c3));
    } else {
      std::unique_ptr<EventSource> g = input::open_any(files[0]), b = input::open_any(files[1]);
      result = new diff::DiffResult(diff::diff_sources(*g, *b));
    }
    const diff::DiffResult& r = *result;
    std::size_t ng = r.good.events.size(), nb = r.bad.events.size();
    if (summary) {
      std::size_t sig = 0;
      for (const diff::Divergence& d : r.divergences) sig += d.significant;
      fmt::print("events {} {} pairs {} divergences {} significant {}\n", ng, nb, r.pairs.size(),
                 r.divergences.size(), sig);
      fmt::print("packed {} + {} bytes, events decoded again {} + {}\n", r.good.events.packed_bytes(),
                 r.bad.events.packed_bytes(), r.good.events.decodes(), r.bad.events.decodes());
      for (const std::string& n : r.notes) fmt::print("note: {}\n", n);
    } else {
      diff::write_diff_json(r, [](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); });
    }
    std::fflush(stdout);
    std::_Exit(r.has_significant() ? 1 : 0);
  } catch (const std::exception& e) {
    fmt::print(stderr, "diff_traces: {}\n", e.what());
    return 2;
  }
}

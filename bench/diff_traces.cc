// A driver for the diff stage alone: loads two traces (or strace logs),
// diffs them, prints the JSON contract (or a count with --summary). Used by
// bench/diff.sh and the end-to-end tests while `tracediff diff` lives on
// another branch. Exit status like diff(1): 0 same, 1 different, 2 trouble.
#include <fmt/format.h>

#include <cstring>
#include <exception>

#include "diff/diff.h"
#include "trace/io.h"

int main(int argc, char** argv) {
  using namespace tracediff;
  bool summary = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--summary")) summary = true;
    else files.push_back(argv[i]);
  }
  if (files.size() != 2) {
    fmt::print(stderr, "usage: diff_traces [--summary] GOOD BAD\n");
    return 2;
  }
  try {
    Trace g = load_any(files[0]);
    Trace b = load_any(files[1]);
    std::size_t ng = g.events.size(), nb = b.events.size();
    DiffResult r = diff_traces(std::move(g), std::move(b), DiffOptions{}, files[0], files[1]);
    if (summary) {
      std::size_t sig = 0;
      for (const Divergence& d : r.divergences) sig += d.significant;
      fmt::print("events {} {} pairs {} divergences {} significant {}\n", ng, nb, r.pairs.size(),
                 r.divergences.size(), sig);
      for (const std::string& n : r.notes) fmt::print("note: {}\n", n);
    } else {
      fmt::print("{}", diff_to_json(r));
    }
    return r.has_significant() ? 1 : 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "diff_traces: {}\n", e.what());
    return 2;
  }
}

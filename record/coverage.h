// What the recorder knows it could not see, counted as it records, and
// written into the header's options (model/coverage.h names the keys).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/trace.h"

namespace tracediff::record::detail {

/// Processes (by pid) of one kind: how many, and the first few pids.
struct PidSet {
  std::vector<pid_t> pids;  ///< the first coverage::kMaxPids, in order seen
  std::size_t count = 0;
  /// Adds `pid` once; true when it was not there (the first kMaxPids are
  /// remembered exactly, later ones only counted, so a pid beyond them seen
  /// twice is counted twice: the count errs high, never low).
  bool add(pid_t pid);
};

struct Coverage {
  PidSet seccomp_installed;   ///< installed their own filter while recorded
  PidSet seccomp_at_attach;   ///< already filtered when attached (-p)
  bool recorder_filtered = false;  ///< tracediff itself ran under a filter
  PidSet io_uring;            ///< set up or used an io_uring
  std::size_t io_uring_enters = 0;
  std::size_t unreadable = 0;     ///< arguments that could not be read
  std::size_t entry_missed = 0;   ///< calls in progress when tracing began
  std::size_t not_followed = 0;   ///< tasks created but not traced (--no-follow)
  bool changed = false;           ///< since the header was last written

  /// Sets (or, at zero, leaves out) each coverage key in `h.options`.
  void write_to(Header& h) const;
};

/// True for a call that, when it succeeds, puts the calling task under a
/// seccomp filter (or strict mode) of its own: seccomp(SET_MODE_FILTER or
/// SET_MODE_STRICT) and prctl(PR_SET_SECCOMP).
bool installs_seccomp(int nr, const std::uint64_t args[6]);

/// Arguments of kind Unreadable in `args`, struct fields and array items
/// included.
std::size_t count_unreadable(const ArgList& args);

/// Process `pid` holds an io_uring fd ("anon_inode:[io_uring]" in
/// /proc/PID/fd): it set one up before the recorder attached.
bool holds_io_uring(pid_t pid);

}  // namespace tracediff::record::detail

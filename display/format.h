// Rendering events back in strace's familiar form, for `show` and reports.
#pragma once

#include <string>

#include "model/trace.h"

namespace tracediff::display {

struct FormatOptions {
  /// Longest string/data shown before "..." (strace's -s). 0: no limit.
  std::size_t max_string = 32;
  bool show_pid = true;        ///< prefix "[pid N] "
  bool show_time = false;      ///< prefix the timestamp
  bool show_abs_paths = false; ///< show a path's absolute form when it differs
  bool show_refs = true;       ///< annotate fds: 3</etc/passwd> (like -y)
};

/// One argument as strace would print it ("\"/etc/passwd\"", "O_RDONLY").
std::string format_arg(const Arg& a, const FormatOptions& opt = {});
/// The result part, without " = ": "3</etc/passwd>", "-1 ENOENT (No such file or directory)", "?".
std::string format_result(const Result& r, const FormatOptions& opt = {});
/// One event as a line (no newline): `openat(AT_FDCWD, "/etc/x", O_RDONLY) = 3`,
/// `--- SIGCHLD {...} ---`, `+++ exited with 0 +++`.
std::string format_event(const Event& e, const FormatOptions& opt = {});
/// C-style quoting of bytes as strace does: "a\nb\0\377".
std::string quote_bytes(std::string_view bytes, std::size_t max, bool truncated);

}  // namespace tracediff::display

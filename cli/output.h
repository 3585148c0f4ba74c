// Writing to stdout from commands: a closed pipe stops output quietly.
#pragma once

#include <cerrno>
#include <cstdio>
#include <string_view>
#include <system_error>
#include <vector>

#include "model/trace.h"
#include "progress/progress.h"
#include "tracefile/tracefile.h"

namespace tracediff::cli {

/// Writes to stdout; throws std::system_error(EPIPE) when the reader has
/// gone, which main() turns into a quiet exit.
inline void out(std::string_view s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size())
    throw std::system_error(errno ? errno : EIO, std::generic_category(), "write to standard output");
}

inline void out_flush() {
  if (std::fflush(stdout) != 0)
    throw std::system_error(errno ? errno : EIO, std::generic_category(), "write to standard output");
}

/// The progress line for a command: on stderr when stderr is a terminal,
/// else one that writes nothing (a file, a pipe, a CI log). It appears
/// once a stage has run for a second, or for TRACEDIFF_PROGRESS_DELAY
/// seconds when that is set (as git's GIT_PROGRESS_DELAY; 0: at once).
progress::Line progress_line();

/// The environment variable progress_line() reads.
inline constexpr const char* kProgressDelayEnv = "TRACEDIFF_PROGRESS_DELAY";

/// True when `path` is "-" and stdout a terminal: a stage writing there
/// shows no progress line, which would land between its lines.
bool onto_terminal(const std::string& path);

/// tracefile::write_trace(), telling `meter` the events written
/// ("writing PATH"; nothing when onto_terminal(path)) and finishing it.
void write_trace(const std::string& path, const Trace& t, tracefile::TraceWriter::Options opt, progress::Meter& meter);

/// Prints each trace warning to stderr as "tracediff: FILE:LINE: message".
void print_warnings(const std::vector<Warning>& w);

}  // namespace tracediff::cli

// Shared by the fuzz targets: fuzz input as a file, and the check that what
// the writer emits is read back the same.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "input/input.h"
#include "tracefile/tracefile.h"

namespace tracediff::fuzz {

/// An anonymous in-memory file holding `data`, named by a /proc path so
/// that the path-based readers see exactly what a user's file would give.
class MemFile {
 public:
  explicit MemFile(std::string_view data) {
    fd_ = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd_ < 0) std::abort();
    for (std::size_t off = 0; off < data.size();) {
      ssize_t w = ::write(fd_, data.data() + off, data.size() - off);
      if (w <= 0) std::abort();
      off += static_cast<std::size_t>(w);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

/// The JSON Lines text of a trace, as TraceWriter would write it.
inline std::string to_jsonl(const Trace& t) {
  std::string s = tracefile::header_to_json(t.header);
  s.push_back('\n');
  for (const Event& e : t.events) {
    s += tracefile::event_to_json(e);
    s.push_back('\n');
  }
  return s;
}

/// Aborts (a finding) unless writing `t` and reading it back gives a trace
/// that writes the same text: the writer and reader agree on every field.
inline void check_round_trip(const Trace& t) {
  std::string j1 = to_jsonl(t);
  MemFile f(j1);
  Trace back;
  try {
    back = tracefile::read_trace(f.path());
  } catch (const InputError& e) {
    std::fprintf(stderr, "written trace is unreadable: %s\n", e.what());
    std::abort();
  }
  if (back.events.size() != t.events.size() || !back.warnings.empty()) {
    std::fprintf(stderr, "round trip: %zu events written, %zu read, %zu warnings\n", t.events.size(),
                 back.events.size(), back.warnings.size());
    std::abort();
  }
  std::string j2 = to_jsonl(back);
  if (j1 != j2) {
    std::size_t i = 0;
    while (i < j1.size() && i < j2.size() && j1[i] == j2[i]) ++i;
    std::size_t from = i > 80 ? i - 80 : 0;
    std::fprintf(stderr, "round trip differs at byte %zu:\n wrote: %s\n  read: %s\n", i,
                 j1.substr(from, 160).c_str(), j2.substr(from, 160).c_str());
    std::abort();
  }
}

}  // namespace tracediff::fuzz

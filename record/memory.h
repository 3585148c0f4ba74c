// Reading a tracee's memory: process_vm_readv, falling back to
// PTRACE_PEEKDATA where it is refused (e.g. pages without read permission
// that ptrace may still read, or kernels built without it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tracediff::record::detail {

/// An address in a tracee: never dereferenced here, only passed to readers.
struct RemoteAddr {
  std::uint64_t value = 0;
  bool null() const { return value == 0; }
};

/// Appends up to `len` bytes at `addr` to `out`. Returns false (appending
/// nothing) when no byte could be read.
bool read_memory(pid_t tid, RemoteAddr addr, std::size_t len, std::string& out);

/// Reads a NUL-terminated string of at most `max` bytes. Sets `truncated`
/// when no NUL was met within `max`. Returns false when unreadable.
bool read_cstring(pid_t tid, RemoteAddr addr, std::size_t max, std::string& out, bool& truncated);

/// Reads several NUL-terminated strings at once (argv, envp): one
/// process_vm_readv for the first bytes of all of them, then one read per
/// string only for those longer than that. `ok[i]` is false for a string
/// that could not be read at all.
void read_cstrings(pid_t tid, const std::vector<std::uint64_t>& addrs, std::size_t max,
                   std::vector<std::string>& out, std::vector<bool>& ok, std::vector<bool>& truncated);

/// Reads one machine word-sized value of type T.
template <typename T>
bool read_value(pid_t tid, RemoteAddr addr, T& v) {
  std::string buf;
  if (!read_memory(tid, addr, sizeof(T), buf) || buf.size() != sizeof(T)) return false;
  __builtin_memcpy(&v, buf.data(), sizeof(T));
  return true;
}

}  // namespace tracediff::record::detail

// Reading a traced task's memory, through a MemorySource: the decoders ask
// for bytes at a tracee address and do not care where they come from.
// TraceeMemory reads the live task (process_vm_readv, falling back to
// PTRACE_PEEKDATA where it is refused: pages without read permission that
// ptrace may still read, or kernels built without it); the eBPF recorder
// answers from the buffers its kernel program captured at the call.
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

/// Where a decoder's reads of tracee memory are answered from.
class MemorySource {
 public:
  virtual ~MemorySource() = default;
  /// Copies up to `len` bytes at `addr` into `dst` and returns how many were
  /// copied; fewer than `len` when the readable (or captured) range ends
  /// first, 0 when not even the first byte can be read.
  virtual std::size_t read(std::uint64_t addr, char* dst, std::size_t len) const = 0;
  /// Reads several NUL-terminated strings (argv, envp); see read_cstrings().
  /// The default reads them one by one.
  virtual void read_cstrings(const std::vector<std::uint64_t>& addrs, std::size_t max, std::vector<std::string>& out,
                             std::vector<bool>& ok, std::vector<bool>& truncated) const;
};

/// The memory of live task `tid`, read while it is stopped under ptrace.
class TraceeMemory final : public MemorySource {
 public:
  explicit TraceeMemory(pid_t tid) : tid_(tid) {}
  std::size_t read(std::uint64_t addr, char* dst, std::size_t len) const override;
  /// One process_vm_readv for the first bytes of all strings, then one read
  /// per string only for those longer than that.
  void read_cstrings(const std::vector<std::uint64_t>& addrs, std::size_t max, std::vector<std::string>& out,
                     std::vector<bool>& ok, std::vector<bool>& truncated) const override;

 private:
  pid_t tid_;
};

/// Appends up to `len` bytes at `addr` to `out`. Returns false (appending
/// nothing) when no byte could be read.
bool read_memory(const MemorySource& mem, RemoteAddr addr, std::size_t len, std::string& out);

/// Reads a NUL-terminated string of at most `max` bytes. Sets `truncated`
/// when no NUL was met within `max`. Returns false when unreadable.
bool read_cstring(const MemorySource& mem, RemoteAddr addr, std::size_t max, std::string& out, bool& truncated);

/// Reads several NUL-terminated strings at once (argv, envp). `ok[i]` is
/// false for a string that could not be read at all.
inline void read_cstrings(const MemorySource& mem, const std::vector<std::uint64_t>& addrs, std::size_t max,
                          std::vector<std::string>& out, std::vector<bool>& ok, std::vector<bool>& truncated) {
  mem.read_cstrings(addrs, max, out, ok, truncated);
}

/// Reads one value of type T (a struct, an int) whole; false when fewer
/// than sizeof(T) bytes could be read.
template <typename T>
bool read_value(const MemorySource& mem, RemoteAddr addr, T& v) {
  std::string buf;
  if (!read_memory(mem, addr, sizeof(T), buf) || buf.size() != sizeof(T)) return false;
  __builtin_memcpy(&v, buf.data(), sizeof(T));
  return true;
}

}  // namespace tracediff::record::detail

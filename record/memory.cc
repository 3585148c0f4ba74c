#include "record/memory.h"

#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tracediff::detail {
namespace {

constexpr std::uint64_t kPage = 4096;

// process_vm_readv stops at the first unmapped page; reading page by page
// keeps the bytes before it. Falls back to PEEKDATA word by word.
// TRACEDIFF_NO_VM_READV=1 forces the PEEKDATA path, so tests can cover it.
const bool kUseVmReadv = getenv("TRACEDIFF_NO_VM_READV") == nullptr;

std::size_t vm_read(pid_t tid, std::uint64_t addr, char* dst, std::size_t len) {
  if (kUseVmReadv) {
    iovec local{dst, len};
    iovec remote{reinterpret_cast<void*>(addr), len};
    ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n < 0 && errno != ENOSYS && errno != EPERM && errno != EFAULT) return 0;
  }
  std::size_t got = 0;
  while (got < len) {
    std::uint64_t a = addr + got;
    std::uint64_t aligned = a & ~7ULL;
    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, tid, reinterpret_cast<void*>(aligned), nullptr);
    if (errno) break;
    std::size_t off = a - aligned;
    std::size_t take = std::min<std::size_t>(8 - off, len - got);
    std::memcpy(dst + got, reinterpret_cast<const char*>(&w) + off, take);
    got += take;
  }
  return got;
}

}  // namespace

bool read_memory(pid_t tid, RemoteAddr addr, std::size_t len, std::string& out) {
  if (addr.null()) return false;
  if (len == 0) return true;
  std::size_t base = out.size();
  out.resize(base + len);
  std::size_t n = vm_read(tid, addr.value, out.data() + base, len);
  out.resize(base + n);
  return n > 0;
}

bool read_cstring(pid_t tid, RemoteAddr addr, std::size_t max, std::string& out, bool& truncated) {
  truncated = false;
  if (addr.null()) return false;
  std::uint64_t a = addr.value;
  std::size_t start = out.size();
  char chunk[kPage];
  // Most strings (paths, argv entries) are short: a first read of 256 bytes
  // costs far less than copying the rest of the page every time; longer
  // strings continue page by page.
  std::size_t first = 256;
  while (out.size() - start < max) {
    // Never cross a page boundary in one read: the next page may be unmapped.
    std::size_t want = kPage - (a & (kPage - 1));
    want = std::min({want, max - (out.size() - start), first});
    first = kPage;
    std::size_t n = vm_read(tid, a, chunk, want);
    if (n == 0) return out.size() > start;
    if (const void* z = std::memchr(chunk, 0, n)) {
      out.append(chunk, static_cast<const char*>(z) - chunk);
      return true;
    }
    out.append(chunk, n);
    a += n;
    if (n < want) return true;
  }
  truncated = true;
  return true;
}

}  // namespace tracediff::detail

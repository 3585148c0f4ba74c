#include "record/memory.h"

#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tracediff::record::detail {
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

std::size_t TraceeMemory::read(std::uint64_t addr, char* dst, std::size_t len) const {
  return vm_read(tid_, addr, dst, len);
}

void MemorySource::read_cstrings(const std::vector<std::uint64_t>& addrs, std::size_t max,
                                 std::vector<std::string>& out, std::vector<bool>& ok,
                                 std::vector<bool>& truncated) const {
  const std::size_t n = addrs.size();
  out.assign(n, std::string());
  ok.assign(n, false);
  truncated.assign(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    bool t = false;
    ok[i] = read_cstring(*this, RemoteAddr{addrs[i]}, max, out[i], t);
    truncated[i] = t;
  }
}

bool read_memory(const MemorySource& mem, RemoteAddr addr, std::size_t len, std::string& out) {
  if (addr.null()) return false;
  if (len == 0) return true;
  std::size_t base = out.size();
  out.resize(base + len);
  std::size_t n = mem.read(addr.value, out.data() + base, len);
  out.resize(base + n);
  return n > 0;
}

bool read_cstring(const MemorySource& mem, RemoteAddr addr, std::size_t max, std::string& out, bool& truncated) {
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
    std::size_t n = mem.read(a, chunk, want);
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

void TraceeMemory::read_cstrings(const std::vector<std::uint64_t>& addrs, std::size_t max,
                                 std::vector<std::string>& out, std::vector<bool>& ok,
                                 std::vector<bool>& truncated) const {
  const pid_t tid = tid_;
  const std::size_t n = addrs.size();
  out.assign(n, std::string());
  ok.assign(n, false);
  truncated.assign(n, false);
  constexpr std::size_t kFirst = 256;  // as in read_cstring
  constexpr std::size_t kMaxIov = 1024;  // IOV_MAX
  std::vector<char> buf;
  std::vector<std::size_t> len(n, 0);
  std::size_t done = 0;  // strings whose first chunk was read in bulk
  if (kUseVmReadv) {
    for (std::size_t base = 0; base < n; base += kMaxIov) {
      std::size_t cnt = std::min(kMaxIov, n - base);
      std::vector<iovec> local(cnt), remote(cnt);
      std::size_t total = 0;
      for (std::size_t i = 0; i < cnt; ++i) {
        std::uint64_t a = addrs[base + i];
        // Stay inside the string's page: the next one may be unmapped.
        len[base + i] = a ? std::min<std::uint64_t>({kFirst, kPage - (a & (kPage - 1)), max}) : 0;
        total += len[base + i];
      }
      buf.resize(total);
      std::size_t off = 0;
      for (std::size_t i = 0; i < cnt; ++i) {
        local[i] = iovec{buf.data() + off, len[base + i]};
        remote[i] = iovec{reinterpret_cast<void*>(addrs[base + i]), len[base + i]};
        off += len[base + i];
      }
      ssize_t got = process_vm_readv(tid, local.data(), cnt, remote.data(), cnt, 0);
      if (got < 0) got = 0;
      // Reads stop at the first fault: the strings before it are complete.
      off = 0;
      std::size_t i = 0;
      for (; i < cnt && off + len[base + i] <= static_cast<std::size_t>(got); ++i) {
        const char* p = buf.data() + off;
        std::size_t l = len[base + i];
        if (const void* z = std::memchr(p, 0, l)) {
          out[base + i].assign(p, static_cast<const char*>(z) - p);
          ok[base + i] = true;
        } else {
          // Longer than the first chunk: go on from where it stopped.
          out[base + i].assign(p, l);
          bool t = false;
          if (out[base + i].size() < max)
            read_cstring(*this, RemoteAddr{addrs[base + i] + l}, max - l, out[base + i], t);
          truncated[base + i] = t || out[base + i].size() >= max;
          ok[base + i] = true;
        }
        off += l;
      }
      done = base + i;
      if (i < cnt) break;
    }
  }
  for (std::size_t i = done; i < n; ++i) {
    bool t = false;
    ok[i] = read_cstring(*this, RemoteAddr{addrs[i]}, max, out[i], t);
    truncated[i] = t;
  }
}

}  // namespace tracediff::record::detail

#include "record/ebpf/captured_memory.h"

#include <algorithm>
#include <cstring>

namespace tracediff::record::detail::ebpf {

void CapturedMemory::clear() {
  blocks_.clear();
  owned_.clear();
  faults_ = misses_ = 0;
}

void CapturedMemory::parse(const char* p, std::size_t size, unsigned n) {
  std::size_t off = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (off + sizeof(td_block) > size) break;
    td_block b;
    std::memcpy(&b, p + off, sizeof b);
    off += sizeof b;
    if (off + b.len > size) break;
    blocks_.push_back(Block{b.addr, std::string_view(p + off, b.len), b.flags});
    off += (b.len + 7u) & ~7u;
  }
}

void CapturedMemory::add_owned(std::uint64_t addr, std::string bytes) {
  owned_.push_back(std::move(bytes));
  blocks_.push_back(Block{addr, owned_.back(), 0});
}

std::size_t CapturedMemory::truncated() const {
  return static_cast<std::size_t>(
      std::count_if(blocks_.begin(), blocks_.end(), [](const Block& b) { return b.flags & TD_B_TRUNC; }));
}

std::size_t CapturedMemory::read(std::uint64_t addr, char* dst, std::size_t len) const {
  if (len == 0) return 0;
  for (const Block& b : blocks_) {
    if (addr < b.addr) continue;
    if (b.flags & TD_B_FAULT) {
      if (addr == b.addr) {
        ++faults_;
        return 0;
      }
      continue;
    }
    std::uint64_t end = b.addr + b.data.size();
    if (addr >= end) continue;
    std::size_t n = std::min<std::uint64_t>(len, end - addr);
    std::memcpy(dst, b.data.data() + (addr - b.addr), n);
    return n;
  }
  ++misses_;
  return 0;
}

}  // namespace tracediff::record::detail::ebpf

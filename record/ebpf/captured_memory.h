// The memory a traced call's arguments pointed to, as the kernel program
// captured it (wire.h blocks), served to the shared decoders as a
// MemorySource. Reads outside every block are counted: an address the
// kernel could not read (a fault) or one the capture table does not cover.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "record/ebpf/wire.h"
#include "record/memory.h"

namespace tracediff::record::detail::ebpf {

class CapturedMemory final : public MemorySource {
 public:
  struct Block {
    std::uint64_t addr = 0;
    std::string_view data;  ///< into the record, or into owned_
    std::uint16_t flags = 0;
  };

  /// Parses `n` blocks from `p` (the bytes after a record's fixed part);
  /// stops at the first that does not fit in `size` bytes.
  void parse(const char* p, std::size_t size, unsigned n);
  /// Adds a block whose bytes this object keeps (built by the recorder).
  void add_owned(std::uint64_t addr, std::string bytes);
  void clear();

  std::size_t read(std::uint64_t addr, char* dst, std::size_t len) const override;

  const std::vector<Block>& blocks() const { return blocks_; }
  /// Reads that found a block the kernel could not read.
  std::size_t faults() const { return faults_; }
  /// Reads of addresses no block covers (beyond the capture table).
  std::size_t misses() const { return misses_; }
  /// Blocks cut at a capture bound.
  std::size_t truncated() const;

 private:
  std::vector<Block> blocks_;
  std::deque<std::string> owned_;  // a deque: adding one never moves the others
  mutable std::size_t faults_ = 0, misses_ = 0;
};

}  // namespace tracediff::record::detail::ebpf

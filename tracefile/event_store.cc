// EventStore: the packed form is the trace file's own lines, zstd-compressed
// a block at a time; a block's text is decompressed when one of its events
// is asked for, and the last few texts are kept, as events near one another
// are asked for together (a task's rows, a divergence and its context).
#include "tracefile/event_store.h"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "tracefile/bytes.h"

namespace tracediff::tracefile {

namespace {
// simdjson reads up to this far past a line's end.
constexpr std::size_t kPadding = 64;
// Fast and still about eight to one on trace lines (docs/performance.md).
constexpr int kLevel = 1;
}  // namespace

struct EventStore::Packed {
  std::vector<std::string> blocks;      ///< compressed, one per full block
  std::vector<std::uint32_t> raw_size;  ///< each block's text size
  std::vector<std::uint32_t> at;        ///< per event: where its line starts in its block's text
  std::vector<std::size_t> first{0};    ///< per block (the open one last): its first event
  detail::Bytes open;                   ///< the block being filled, as text
  detail::Bytes scratch;                ///< where a block is compressed
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx{ZSTD_createCCtx(), ZSTD_freeCCtx};
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx{ZSTD_createDCtx(), ZSTD_freeDCtx};
  std::unordered_map<std::size_t, std::unique_ptr<Event>> decoded;
  struct Text {
    std::size_t block = std::numeric_limits<std::size_t>::max();
    std::string text;  ///< the block's lines, then kPadding bytes
  };
  std::array<Text, 4> texts;
  std::size_t next_text = 0;
  std::size_t decodes = 0;

  std::size_t size() const { return at.size(); }
  std::size_t block_of(std::size_t i) const {
    return static_cast<std::size_t>(std::upper_bound(first.begin(), first.end(), i) - first.begin()) - 1;
  }

  void add(const Event& e) {
    if (at.size() - first.back() == kBlockEvents || open.size() >= kBlockBytes) seal();
    if (!open.empty()) open.put('\n');
    if (open.size() > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("EventStore: a block of events over 4 GiB");
    at.push_back(static_cast<std::uint32_t>(open.size()));
    detail::encode_event(open, e);
    forget(blocks.size());  // the open block's text changed
  }

  // The open block is full: compress it. The two buffers are kept for the
  // next block (fresh ones cost a page fault every 4 KiB).
  void seal() {
    std::size_t bound = ZSTD_compressBound(open.size());
    scratch.clear();
    std::size_t n = ZSTD_compressCCtx(cctx.get(), scratch.grow(bound), bound, open.data(), open.size(), kLevel);
    if (ZSTD_isError(n)) throw std::runtime_error(fmt::format("EventStore: {}", ZSTD_getErrorName(n)));
    blocks.emplace_back(scratch.data(), n);
    raw_size.push_back(static_cast<std::uint32_t>(open.size()));
    first.push_back(at.size());
    open.clear();
  }

  void forget(std::size_t block) {
    for (Text& t : texts)
      if (t.block == block) t.block = std::numeric_limits<std::size_t>::max();
  }

  const std::string& text_of(std::size_t block) {
    for (Text& t : texts)
      if (t.block == block) return t.text;
    Text& t = texts[next_text++ % texts.size()];
    t.block = std::numeric_limits<std::size_t>::max();
    if (block == blocks.size()) {
      t.text.assign(open.view());
    } else {
      t.text.resize(raw_size[block]);
      const std::string& z = blocks[block];
      std::size_t n = ZSTD_decompressDCtx(dctx.get(), t.text.data(), t.text.size(), z.data(), z.size());
      if (ZSTD_isError(n) || n != t.text.size())
        throw std::logic_error(fmt::format("EventStore: block {} does not decompress", block));
    }
    t.text.append(kPadding, '\0');
    t.block = block;
    return t.text;
  }

  const Event& get(std::size_t i) {
    auto it = decoded.find(i);
    if (it != decoded.end()) return *it->second;
    std::size_t b = block_of(i);
    const std::string& text = text_of(b);
    std::size_t from = at[i];
    std::size_t end = b + 1 < first.size() ? first[b + 1] : at.size();  // the block's last event + 1
    std::size_t to = i + 1 < end ? at[i + 1] - 1 : text.size() - kPadding;
    auto e = std::make_unique<Event>();
    std::string error;
    if (!detail::parse_event(std::string_view(text.data() + from, to - from), *e, error))
      throw std::logic_error(fmt::format("EventStore: event {} does not decode: {}", i, error));
    ++decodes;
    return *decoded.emplace(i, std::move(e)).first->second;
  }

  std::size_t bytes() const {
    std::size_t n = open.size() + at.capacity() * sizeof(std::uint32_t) + first.capacity() * sizeof(std::size_t);
    for (const std::string& z : blocks) n += z.capacity();
    return n;
  }
};

EventStore::EventStore() = default;
EventStore::EventStore(EventStore&&) noexcept = default;
EventStore& EventStore::operator=(EventStore&&) noexcept = default;
EventStore::~EventStore() = default;

EventStore EventStore::packed() {
  EventStore s;
  s.packed_ = std::make_unique<Packed>();
  return s;
}

std::size_t EventStore::size() const { return packed_ ? packed_->size() : events_.size(); }

void EventStore::push_back(Event&& e) {
  if (packed_) packed_->add(e);
  else events_.push_back(std::move(e));
}

void EventStore::push_back(const Event& e) {
  if (packed_) packed_->add(e);
  else events_.push_back(e);
}

void EventStore::reserve(std::size_t n) {
  if (!packed_) events_.reserve(n);
}

const Event& EventStore::operator[](std::size_t i) const { return packed_ ? packed_->get(i) : events_[i]; }

const Event& EventStore::at(std::size_t i) const {
  if (i >= size()) throw std::out_of_range(fmt::format("EventStore: event {} of {}", i, size()));
  return (*this)[i];
}

void EventStore::release() const {
  if (packed_) packed_->decoded.clear();
}

std::size_t EventStore::decoded() const { return packed_ ? packed_->decoded.size() : events_.size(); }

std::size_t EventStore::decodes() const { return packed_ ? packed_->decodes : 0; }

std::size_t EventStore::packed_bytes() const { return packed_ ? packed_->bytes() : 0; }

}  // namespace tracediff::tracefile

// Internal to tracefile/: a byte buffer that grows without zero-filling,
// shared by the line reader (read() fills it) and the JSON writer (events
// are encoded into it before write()). std::string::resize would memset
// every byte just before it is overwritten, and its push_back and append
// keep more bookkeeping than an encoder that appends a few bytes at a time
// needs (docs/performance.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace tracediff::tracefile::detail {

class Bytes {
 public:
  char* data() { return p_.get(); }
  const char* data() const { return p_.get(); }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::string_view view() const { return n_ ? std::string_view(p_.get(), n_) : std::string_view(); }
  /// Room for `extra` more bytes after size(); commit() what was written.
  char* grow(std::size_t extra) {
    if (cap_ - n_ < extra) regrow(extra);
    return p_.get() + n_;
  }
  void commit(std::size_t k) { n_ += k; }
  /// Ends the buffer at `end`, a pointer into the room grow() gave.
  void commit_to(const char* end) { n_ = static_cast<std::size_t>(end - p_.get()); }
  void put(char c) {
    *grow(1) = c;
    ++n_;
  }
  void append(const char* s, std::size_t k) {
    if (k == 0) return;  // s may be null then
    std::memcpy(grow(k), s, k);
    n_ += k;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  /// Drops the first k bytes.
  void consume(std::size_t k) {
    if (k < n_) std::memmove(p_.get(), p_.get() + k, n_ - k);
    n_ -= std::min(k, n_);
  }
  void clear() { n_ = 0; }

 private:
  void regrow(std::size_t extra) {
    std::size_t cap = std::max(n_ + extra, cap_ * 2);
    auto q = std::make_unique_for_overwrite<char[]>(cap);
    if (n_) std::memcpy(q.get(), p_.get(), n_);
    p_ = std::move(q);
    cap_ = cap;
  }

  std::unique_ptr<char[]> p_;
  std::size_t n_ = 0, cap_ = 0;
};

}  // namespace tracediff::tracefile::detail

namespace tracediff {
struct Event;
}

namespace tracediff::tracefile::detail {

/// Appends the JSON line of `e` (no newline) to `out`: what
/// event_to_json() returns, without a string in between (json_write.cc).
void encode_event(Bytes& out, const Event& e);

/// Decodes one event line (json_read.cc). The bytes after `line` must be
/// readable up to simdjson's padding (64 bytes): the parser reads ahead.
/// False, with `error` set, for a line that is not an event.
bool parse_event(std::string_view line, Event& e, std::string& error);

}  // namespace tracediff::tracefile::detail

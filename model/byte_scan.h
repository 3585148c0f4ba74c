// Looking for bytes eight at a time: whether any byte of a string is one
// of a few, without a branch per byte. The JSON writer's plain-text and
// ASCII checks and the redactor's search for ':' and '=' are this one loop
// over different tests; most strings (paths, names, flags) hold none of
// what they look for, so the whole string is read a word at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tracediff::bytescan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;   ///< 0x01 in every byte
inline constexpr std::uint64_t kHighs = 0x8080808080808080ULL;  ///< each byte's high bit

/// Marks in `w` the bytes equal to `c`: the high bit of such a byte is set
/// (the classic "has a zero byte" test on w ^ c). A borrow can only mark
/// bytes after one that is truly marked, so "any byte marked" is exact.
constexpr std::uint64_t equal_to(std::uint64_t w, unsigned char c) {
  std::uint64_t x = w ^ (kOnes * c);
  return (x - kOnes) & ~x;
}

/// Marks in `w` the bytes below `n` (n <= 0x80), exact for "any" as above.
constexpr std::uint64_t below(std::uint64_t w, unsigned char n) { return (w - kOnes * n) & ~w; }

/// True when some 8-byte word `w` of `s` has `marks(w) & kHighs` set, or
/// some byte `c` of the last s.size() % 8 has `test(c)`. `marks` and `test`
/// must say the same of a byte.
template <typename Marks, typename Test>
bool any_byte(std::string_view s, Marks marks, Test test) {
  const char* p = s.data();
  std::size_t n = s.size(), i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (marks(w) & kHighs) return true;
  }
  for (; i < n; ++i)
    if (test(static_cast<unsigned char>(p[i]))) return true;
  return false;
}

}  // namespace tracediff::bytescan

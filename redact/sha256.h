// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), written here because the
// static package links no crypto library (scripts/package.sh) and a
// redaction digest needs nothing more. Checked against the FIPS and RFC 4231
// known answers (tests/redact/redact_test.cc).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tracediff::redact::detail {

using Digest = std::array<std::uint8_t, 32>;

/// SHA-256 of `data`, incrementally (update any number of times, then final).
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  /// The digest; the object is spent after.
  Digest final();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t length_ = 0;  ///< bytes hashed so far
};

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view message);
/// Lower-case hex of the first `bytes` bytes of `d`.
std::string hex(const Digest& d, std::size_t bytes = 32);

}  // namespace tracediff::redact::detail

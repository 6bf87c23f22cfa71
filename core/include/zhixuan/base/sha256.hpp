// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104): the keyed hash that pseudonymizes user ids
// before training (`zhixuan anonymize`) and the base of secure aggregation's HKDF
// (federated/secagg_crypto.hpp). Small and portable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace zhixuan {

using Sha256Digest = std::array<uint8_t, 32>;

// Streaming SHA-256: Update any number of times, then Finish once.
class Sha256 {
 public:
  Sha256();
  void Update(const uint8_t* data, size_t size);
  void Update(std::string_view text) { Update(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }
  Sha256Digest Finish();
  static Sha256Digest Hash(const uint8_t* data, size_t size);

 private:
  void Block(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

Sha256Digest Sha256Of(std::string_view data);
Sha256Digest HmacSha256(const uint8_t* key, size_t key_size, const uint8_t* data, size_t size);
Sha256Digest HmacSha256(std::string_view key, std::string_view message);
// Lower-case hexadecimal.
std::string ToHex(const uint8_t* bytes, size_t size);
inline std::string ToHex(const Sha256Digest& digest) { return ToHex(digest.data(), digest.size()); }

}  // namespace zhixuan

// Symmetric primitives of secure aggregation, the same code on the device (wasm) and the server:
// HKDF-SHA-256 (RFC 5869, over base/sha256.hpp's SHA-256 and HMAC) and the ChaCha20 stream
// (RFC 8439, 96-bit nonce, 32-bit block counter). Masks are expanded from a pairwise or self seed
// with ChaCha20 keyed by HKDF; no key or nonce is ever drawn here: keys come from the host's
// cryptographic source (crypto.getRandomValues / WebCrypto ECDH) and nonces are fixed per purpose
// because every key is used for one stream only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/base/sha256.hpp"

namespace zhixuan {

// HKDF-SHA-256: extract(salt, ikm) then expand(info) to `length` bytes (<= 255 * 32).
std::vector<uint8_t> HkdfSha256(const std::vector<uint8_t>& ikm, const std::vector<uint8_t>& salt,
                                const std::vector<uint8_t>& info, size_t length);

// The ChaCha20 keystream (RFC 8439 section 2.3/2.4), block by block from `counter`.
class ChaCha20 {
 public:
  ChaCha20(const std::array<uint8_t, 32>& key, const std::array<uint8_t, 12>& nonce, uint32_t counter = 0);
  // The next 64-byte block of keystream (little-endian words).
  void NextBlock(uint8_t out[64]);
  void NextBlockWords(uint32_t out[16]);
  // The next four blocks at once (out[16 b + i]: word i of block b), the same stream as four
  // NextBlockWords calls. Written lane-wise so the compiler vectorizes it (SSE natively, SIMD128
  // in wasm): the mask streams are most of a device's and the server's secure-aggregation time.
  static constexpr int kWideBlocks = 4;
  void NextBlocksWords(uint32_t out[16 * kWideBlocks]);
  // acc[i] += (or -=) the next four blocks' words, i < 64, mod 2^32: the mask is added as it is
  // generated, straight from the vector registers.
  void AddBlocksWords(uint32_t* acc, bool subtract);
  // XORs the keystream into data (encryption == decryption), continuing from the current block.
  void Xor(uint8_t* data, size_t size);

 private:
  std::array<uint32_t, 16> state_;
};

// A cryptographically strong byte stream for the device's noise draws: ChaCha20 keyed by a
// 32-byte seed the host drew from its cryptographic source (never a statistical generator).
class CryptoRandom {
 public:
  explicit CryptoRandom(const std::array<uint8_t, 32>& seed);
  uint32_t NextU32();
  uint64_t NextU64();
  // Uniform in [0, bound) (bound >= 1) by rejection, no modulo bias.
  uint64_t Uniform(uint64_t bound);

 private:
  // Refilled four blocks at a time: the noise sampler draws a dozen words a coordinate, and the
  // keystream was most of its time.
  static constexpr int kWords = 16 * ChaCha20::kWideBlocks;
  ChaCha20 stream_;
  uint32_t words_[kWords];
  int next_ = kWords;
};

}  // namespace zhixuan

#include "zhixuan/federated/secagg_crypto.hpp"

#include <cstring>

namespace zhixuan {
namespace {

constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
inline uint32_t LoadLe32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }

inline void QuarterRound(uint32_t* s, int a, int b, int c, int d) {
  s[a] += s[b]; s[d] ^= s[a]; s[d] = Rotl(s[d], 16);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = Rotl(s[b], 12);
  s[a] += s[b]; s[d] ^= s[a]; s[d] = Rotl(s[d], 8);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = Rotl(s[b], 7);
}

}  // namespace

Sha256::Sha256() : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void Sha256::Block(const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) w[i] = (uint32_t(p[4 * i]) << 24) | (p[4 * i + 1] << 16) | (p[4 * i + 2] << 8) | p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    const uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int i = 0; i < 64; ++i) {
    const uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h_[0] += a; h_[1] += b; h_[2] += c; h_[3] += d; h_[4] += e; h_[5] += f; h_[6] += g; h_[7] += h;
}

void Sha256::Update(const uint8_t* data, size_t size) {
  length_ += size;
  while (size > 0) {
    const size_t take = std::min(size, 64 - buffered_);
    std::memcpy(buffer_.data() + buffered_, data, take);
    buffered_ += take;
    data += take;
    size -= take;
    if (buffered_ == 64) {
      Block(buffer_.data());
      buffered_ = 0;
    }
  }
}

Sha256Digest Sha256::Finish() {
  const uint64_t bits = length_ * 8;
  const uint8_t pad = 0x80;
  Update(&pad, 1);
  const uint8_t zero = 0;
  while (buffered_ != 56) Update(&zero, 1);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  Update(len, 8);
  Sha256Digest out{};
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(h_[i] >> (24 - 8 * j));
  return out;
}

Sha256Digest Sha256::Hash(const uint8_t* data, size_t size) {
  Sha256 sha;
  sha.Update(data, size);
  return sha.Finish();
}

Sha256Digest HmacSha256(const uint8_t* key, size_t key_size, const uint8_t* data, size_t size) {
  uint8_t block[64] = {0};
  if (key_size > 64) {
    const Sha256Digest k = Sha256::Hash(key, key_size);
    std::memcpy(block, k.data(), k.size());
  } else if (key_size > 0) {
    std::memcpy(block, key, key_size);
  }
  uint8_t pad[64];
  for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x36;
  Sha256 inner;
  inner.Update(pad, 64);
  inner.Update(data, size);
  const Sha256Digest inner_digest = inner.Finish();
  for (int i = 0; i < 64; ++i) pad[i] = block[i] ^ 0x5c;
  Sha256 outer;
  outer.Update(pad, 64);
  outer.Update(inner_digest.data(), inner_digest.size());
  return outer.Finish();
}

std::vector<uint8_t> HkdfSha256(const std::vector<uint8_t>& ikm, const std::vector<uint8_t>& salt,
                                const std::vector<uint8_t>& info, size_t length) {
  if (length > 255 * 32) length = 255 * 32;
  const Sha256Digest prk = HmacSha256(salt.data(), salt.size(), ikm.data(), ikm.size());
  std::vector<uint8_t> out;
  out.reserve(length);
  std::vector<uint8_t> t;
  for (uint8_t counter = 1; out.size() < length; ++counter) {
    std::vector<uint8_t> message(t);
    message.insert(message.end(), info.begin(), info.end());
    message.push_back(counter);
    const Sha256Digest block = HmacSha256(prk.data(), prk.size(), message.data(), message.size());
    t.assign(block.begin(), block.end());
    for (uint8_t b : block) {
      if (out.size() == length) break;
      out.push_back(b);
    }
  }
  return out;
}

ChaCha20::ChaCha20(const std::array<uint8_t, 32>& key, const std::array<uint8_t, 12>& nonce, uint32_t counter) {
  state_[0] = 0x61707865;
  state_[1] = 0x3320646e;
  state_[2] = 0x79622d32;
  state_[3] = 0x6b206574;
  for (int i = 0; i < 8; ++i) state_[4 + i] = LoadLe32(key.data() + 4 * i);
  state_[12] = counter;
  for (int i = 0; i < 3; ++i) state_[13 + i] = LoadLe32(nonce.data() + 4 * i);
}

void ChaCha20::NextBlockWords(uint32_t out[16]) {
  uint32_t x[16];
  std::memcpy(x, state_.data(), sizeof x);
  for (int i = 0; i < 10; ++i) {
    QuarterRound(x, 0, 4, 8, 12);
    QuarterRound(x, 1, 5, 9, 13);
    QuarterRound(x, 2, 6, 10, 14);
    QuarterRound(x, 3, 7, 11, 15);
    QuarterRound(x, 0, 5, 10, 15);
    QuarterRound(x, 1, 6, 11, 12);
    QuarterRound(x, 2, 7, 8, 13);
    QuarterRound(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) out[i] = x[i] + state_[i];
  ++state_[12];  // a stream is never longer than 2^32 blocks (256 GiB): masks are far shorter
}

void ChaCha20::NextBlock(uint8_t out[64]) {
  uint32_t words[16];
  NextBlockWords(words);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(words[i] >> (8 * j));
}

void ChaCha20::Xor(uint8_t* data, size_t size) {
  uint8_t block[64];
  for (size_t off = 0; off < size; off += 64) {
    NextBlock(block);
    const size_t n = std::min<size_t>(64, size - off);
    for (size_t i = 0; i < n; ++i) data[off + i] ^= block[i];
  }
}

CryptoRandom::CryptoRandom(const std::array<uint8_t, 32>& seed)
    : stream_(seed, std::array<uint8_t, 12>{'z', 'x', '-', 'n', 'o', 'i', 's', 'e', 0, 0, 0, 0}) {}

uint32_t CryptoRandom::NextU32() {
  if (next_ == 16) {
    stream_.NextBlockWords(words_);
    next_ = 0;
  }
  return words_[next_++];
}

uint64_t CryptoRandom::NextU64() { return (static_cast<uint64_t>(NextU32()) << 32) | NextU32(); }

uint64_t CryptoRandom::Uniform(uint64_t bound) {
  if (bound <= 1) return 0;
  if (bound <= (uint64_t{1} << 32)) {
    // Lemire's multiply-shift: exact (the biased low products are rejected), and a division
    // only on the rare candidate rejection (the sampler's inner loop draws millions of these).
    const uint64_t b = bound;
    uint64_t m = static_cast<uint64_t>(NextU32()) * b;
    uint64_t low = m & 0xffffffffu;
    if (low < b) {
      const uint64_t threshold = ((uint64_t{1} << 32) - b) % b;
      while (low < threshold) {
        m = static_cast<uint64_t>(NextU32()) * b;
        low = m & 0xffffffffu;
      }
    }
    return m >> 32;
  }
  const uint64_t limit = (-bound) % bound;
  for (;;) {
    const uint64_t r = NextU64();
    if (r >= limit) return r % bound;
  }
}

unsigned __int128 CryptoRandom::Uniform128(unsigned __int128 bound) {
  if (bound <= 1) return 0;
  if ((bound >> 64) == 0) return Uniform(static_cast<uint64_t>(bound));
  const unsigned __int128 limit = (-bound) % bound;
  for (;;) {
    const unsigned __int128 r = (static_cast<unsigned __int128>(NextU64()) << 64) | NextU64();
    if (r >= limit) return r % bound;
  }
}

}  // namespace zhixuan

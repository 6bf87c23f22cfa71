#include "zhixuan/federated/secagg_crypto.hpp"

#include <cstring>

namespace zhixuan {
namespace {

inline uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
inline uint32_t LoadLe32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }

inline void QuarterRound(uint32_t* s, int a, int b, int c, int d) {
  s[a] += s[b]; s[d] ^= s[a]; s[d] = Rotl(s[d], 16);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = Rotl(s[b], 12);
  s[a] += s[b]; s[d] ^= s[a]; s[d] = Rotl(s[d], 8);
  s[c] += s[d]; s[b] ^= s[c]; s[b] = Rotl(s[b], 7);
}

}  // namespace

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

namespace {

// GCC/Clang vector extensions: SIMD128 in wasm with -msimd128, SSE natively, scalar elsewhere.
typedef uint32_t U32x4 __attribute__((vector_size(16)));
typedef uint8_t U8x16 __attribute__((vector_size(16)));

template <int n>
__attribute__((always_inline)) inline U32x4 RotlV(U32x4 v) {
#if defined(__wasm_simd128__) || defined(__SSSE3__)
  // Whole-byte rotations are one byte shuffle (i8x16.shuffle, pshufb) instead of shift, shift, or.
  if (n == 16) {
    const U8x16 b = (U8x16)v;
    return (U32x4)__builtin_shufflevector(b, b, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  }
  if (n == 8) {
    const U8x16 b = (U8x16)v;
    return (U32x4)__builtin_shufflevector(b, b, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
  }
#endif
  return (v << n) | (v >> (32 - n));
}

// Forced inline: a quarter round left as a call (wasm-opt and LTO left it one) keeps the 16 state
// vectors in linear memory instead of locals, and the four lanes were slower than one.
__attribute__((always_inline)) inline void QuarterV(U32x4& a, U32x4& b, U32x4& c, U32x4& d) {
  a += b; d ^= a; d = RotlV<16>(d);
  c += d; b ^= c; b = RotlV<12>(b);
  a += b; d ^= a; d = RotlV<8>(d);
  c += d; b ^= c; b = RotlV<7>(b);
}

// Four consecutive blocks from `state`, one block per lane, then transposed so that out[4 b + g]
// holds words 4g..4g+3 of block b: the 64 words in stream order, as four-word vectors.
__attribute__((always_inline)) inline void FourBlocks(const std::array<uint32_t, 16>& state, U32x4 out[16]) {
  U32x4 x[16];
  for (int i = 0; i < 16; ++i) x[i] = U32x4{state[i], state[i], state[i], state[i]};
  x[12] += U32x4{0, 1, 2, 3};
  U32x4 start[16];
  for (int i = 0; i < 16; ++i) start[i] = x[i];
  for (int round = 0; round < 10; ++round) {
    QuarterV(x[0], x[4], x[8], x[12]);
    QuarterV(x[1], x[5], x[9], x[13]);
    QuarterV(x[2], x[6], x[10], x[14]);
    QuarterV(x[3], x[7], x[11], x[15]);
    QuarterV(x[0], x[5], x[10], x[15]);
    QuarterV(x[1], x[6], x[11], x[12]);
    QuarterV(x[2], x[7], x[8], x[13]);
    QuarterV(x[3], x[4], x[9], x[14]);
  }
  for (int g = 0; g < 4; ++g) {
    const U32x4 a = x[4 * g] + start[4 * g], b = x[4 * g + 1] + start[4 * g + 1];
    const U32x4 c = x[4 * g + 2] + start[4 * g + 2], d = x[4 * g + 3] + start[4 * g + 3];
    const U32x4 ab_lo = __builtin_shufflevector(a, b, 0, 4, 1, 5), ab_hi = __builtin_shufflevector(a, b, 2, 6, 3, 7);
    const U32x4 cd_lo = __builtin_shufflevector(c, d, 0, 4, 1, 5), cd_hi = __builtin_shufflevector(c, d, 2, 6, 3, 7);
    out[g] = __builtin_shufflevector(ab_lo, cd_lo, 0, 1, 4, 5);
    out[4 + g] = __builtin_shufflevector(ab_lo, cd_lo, 2, 3, 6, 7);
    out[8 + g] = __builtin_shufflevector(ab_hi, cd_hi, 0, 1, 4, 5);
    out[12 + g] = __builtin_shufflevector(ab_hi, cd_hi, 2, 3, 6, 7);
  }
}

}  // namespace

void ChaCha20::NextBlocksWords(uint32_t out[16 * kWideBlocks]) {
  static_assert(kWideBlocks == 4, "one lane per block");
  U32x4 v[16];
  FourBlocks(state_, v);
  std::memcpy(out, v, sizeof v);
  state_[12] += kWideBlocks;
}

void ChaCha20::AddBlocksWords(uint32_t* acc, bool subtract) {
  U32x4 v[16];
  FourBlocks(state_, v);
  state_[12] += kWideBlocks;
  for (int i = 0; i < 16; ++i) {
    U32x4 a;
    std::memcpy(&a, acc + 4 * i, sizeof a);
    a = subtract ? a - v[i] : a + v[i];
    std::memcpy(acc + 4 * i, &a, sizeof a);
  }
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
  if (next_ == kWords) {
    stream_.NextBlocksWords(words_);
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
  // The same multiply-shift on 64 bits (the noise sampler's Bernoulli draws have bounds near
  // 2^40: two 64-bit divisions a draw were most of its time).
  unsigned __int128 m = static_cast<unsigned __int128>(NextU64()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = (-bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(NextU64()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

}  // namespace zhixuan

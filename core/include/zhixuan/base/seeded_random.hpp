// Seeded random numbers for training, tuning and validation cuts: the same sequence from the
// same seed on every platform, so `zhixuan train --tune --seed S` cuts the same validation users,
// draws the same candidates and starts from the same factors natively and in wasm.
//
// std::shuffle, std::uniform_int_distribution and std::normal_distribution are
// implementation-defined (libstdc++ and emscripten's libc++ draw differently from the same
// engine), so everything here is written out in integer and IEEE arithmetic, with no libm call:
//   - Next(): xoshiro256** (Blackman and Vigna, 2018), its state filled by splitmix64 from the seed;
//   - Uniform(): [0, 1) from the top 53 bits;
//   - Below(n): [0, n) without bias (draws below 2^64 mod n are redrawn, then mod n);
//   - Shuffle(): Fisher-Yates from the end, j = Below(i + 1) for i = n - 1 .. 1;
//   - Normal(): the sum of four uniforms rescaled to mean 0 and variance 1 (Irwin-Hall, tails cut
//     at +-2 sqrt(3)): a bell shape good enough to start factors and step hyperparameters.
// Not for anything secret: privacy code draws from cryptographic sources.
#pragma once

#include <cstdint>
#include <utility>

namespace zhixuan {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) {
    for (uint64_t& word : s_) {  // splitmix64
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // n > 0.
  uint64_t Below(uint64_t n) {
    const uint64_t reject_under = (0 - n) % n;  // 2^64 mod n: what remains is whole blocks of n
    uint64_t r;
    do r = Next();
    while (r < reject_under);
    return r % n;
  }

  double Normal() {
    constexpr double kSqrt3 = 1.7320508075688772;  // variance of a sum of 4 uniforms is 1/3
    double sum = -2.0;
    for (int k = 0; k < 4; ++k) sum += Uniform();  // one statement per draw: a fixed order
    return sum * kSqrt3;
  }

  template <typename RandomIt>
  void Shuffle(RandomIt first, RandomIt last) {
    for (auto i = last - first - 1; i > 0; --i)
      std::swap(first[i], first[static_cast<decltype(i)>(Below(static_cast<uint64_t>(i) + 1))]);
  }

  // The raw state, so a stream can continue across a save and a restore (the slot bandits').
  const uint64_t* state() const { return s_; }
  void set_state(const uint64_t s[4]) {
    for (int i = 0; i < 4; ++i) s_[i] = s[i];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace zhixuan

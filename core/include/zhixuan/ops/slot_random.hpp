// The bandits' random numbers: the seeded xoshiro256** generator and the few distributions
// Thompson sampling needs (uniform, normal, gamma, beta), written out so native and wasm draw
// the same sequence from the same seed (std:: distributions differ between standard libraries).
#pragma once

#include <cmath>
#include <cstdint>

#include "zhixuan/base/seeded_random.hpp"

namespace zhixuan {

class SlotRandom {
 public:
  explicit SlotRandom(uint64_t seed = 0x9e3779b97f4a7c15ULL) : bits_(seed) {}

  void Seed(uint64_t seed) { bits_ = SeededRandom(seed); }

  uint64_t Next() { return bits_.Next(); }

  // [0, 1) with 53 random bits.
  double Uniform() { return bits_.Uniform(); }

  double Normal() {  // Box-Muller; the second value is dropped (simplicity over speed)
    const double u1 = (static_cast<double>(Next() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Gamma(shape, 1): Marsaglia and Tsang (2000); shape < 1 through the boost U^(1/shape).
  double Gamma(double shape) {
    if (shape < 1.0) return Gamma(shape + 1.0) * std::pow(1.0 - Uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = Normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = 1.0 - Uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

  double Beta(double a, double b) {
    const double x = Gamma(a), y = Gamma(b);
    return x / (x + y);
  }

  // The raw state, so a bandit's stream continues across a save and a restore.
  const uint64_t* state() const { return bits_.state(); }
  void set_state(const uint64_t s[4]) { bits_.set_state(s); }

 private:
  SeededRandom bits_;  // xoshiro256** seeded by splitmix64 (base/seeded_random.hpp)
};

}  // namespace zhixuan

// The exact discrete Gaussian sampler of Canonne, Kamath and Steinke (NeurIPS 2020, "The Discrete
// Gaussian for Differential Privacy", Algorithms 1-3): integer arithmetic only (no floating point,
// so none of the floating-point attacks of Mironov 2012), driven by a CryptoRandom stream keyed by
// 32 bytes from the host's cryptographic source. The variance is an integer sigma^2 (grid units):
// secure aggregation rounds each device's share of the noise variance up, never down.
//
// Cheap in wasm without giving up exactness: random bits come from a reservoir, none discarded;
// a uniform draw takes as many as its bound's bit length and rejects what falls beyond the bound
// (no modulo, no multiply-shift); Bernoulli(n/d) compares random binary digits with those of n/d
// (2 bits on average, no division); Bernoulli(gamma / K) is drawn as Bernoulli(1 / K) AND
// Bernoulli(gamma) (independent, so the product is exact and d K never overflows), and the
// arithmetic stays in 64 bits whenever 2 sigma^2 t^2 and the candidate's (|y| t - sigma^2)^2 fit;
// only the rare rest takes the 128-bit path (library calls in wasm).
//
// For the noise shares of secure aggregation (sigma^2 up to kTableMaxVariance) a table sampler is
// used instead: inversion of the cumulative distribution of |x|, built in integer fixed-point
// arithmetic, within a documented statistical distance of the exact distribution (below).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "zhixuan/federated/secagg_crypto.hpp"

namespace zhixuan {

// sigma^2 up to 2^48 (sigma up to 2^24 grid units); larger would overflow the exact arithmetic.
constexpr uint64_t kMaxDiscreteGaussianVariance = uint64_t{1} << 48;

// Uniform bits from a CryptoRandom, none discarded: a draw of n bits consumes exactly n.
class RandomBits {
 public:
  explicit RandomBits(CryptoRandom& source) : source_(source) {}
  uint64_t Take(int n);  // 1..64 bits
  bool Bit();
  // Uniform in [0, bound), bound >= 1: bit-length draws, rejected beyond the bound.
  uint64_t Below(uint64_t bound);
  unsigned __int128 Below(unsigned __int128 bound);

 private:
  CryptoRandom& source_;
  uint64_t reservoir_ = 0;
  int left_ = 0;
};

// Discrete Gaussian N_Z(0, sigma^2): P(x) proportional to exp(-x^2 / (2 sigma^2)) (CKS Algorithm 3),
// for sigma_squared in 1..kMaxDiscreteGaussianVariance (the caller checks).
class DiscreteGaussianSampler {
 public:
  DiscreteGaussianSampler(uint64_t sigma_squared, CryptoRandom& random);
  int64_t Next();
  // Discrete Laplace of scale t = floor(sigma) + 1: P(x) proportional to exp(-|x| / t) (CKS Algorithm 2).
  int64_t NextLaplace();
  // Bernoulli(exp(-numerator / denominator)) exactly, denominator >= 1 (CKS Algorithm 1 and gamma > 1).
  bool BernoulliExp(unsigned __int128 numerator, unsigned __int128 denominator);

 private:
  template <typename U> bool Bernoulli(U numerator, U denominator);
  template <typename U> bool BernoulliExpAtMostOne(U numerator, U denominator);
  RandomBits bits_;
  uint64_t sigma_squared_;
  uint64_t t_;
  unsigned __int128 denominator_;  // 2 sigma^2 t^2
  bool denominator_fits_64_;
};

// The discrete Gaussian by inversion of a table, for sigma^2 <= kTableMaxVariance: about 30 ns a
// draw in wasm against about 270 ns for the exact sampler at sigma^2 = 328 966. The table holds
// the cumulative weights of |x| = 0, 1, 2, ... (w_0 = 1, w_x = 2 q^(x^2), q = exp(-1 / (2 sigma^2)))
// in 112-bit fixed point; a draw is r uniform below the total (integer rejection, no rounding;
// its top 64 bits first, the rest only when they leave the answer open), the first x whose
// cumulative weight exceeds r (a guide table of 2^13 buckets starts the search), then a random
// sign when x > 0. Everything is integer arithmetic, so native and wasm draw the
// same numbers from the same seed.
// Precision: exp(-a) is a Taylor sum in 127-bit fixed point (error below 2^-120); q^(x^2) is
// the running product of q^(2j+1) = q^(2j-1) q^2, so its error grows as (x+1)^2 2^-119; the
// table stops where the weight truncates to 0 (x about 12.5 sigma, the rest weighs below 2^-100).
// With x <= 12.5 sigma <= 2^14.7 at sigma^2 <= 2^22, each weight is within 2^-89 of the exact
// one (relative to w_0 = 1 <= the total), and a draw is within statistical distance 2^-72 of
// N_Z(0, sigma^2); the 327 680 draws of a 5k x 64 update within 2^-53. A mechanism that is
// (epsilon, delta)-DP with exact draws is (epsilon, delta + (1 + e^epsilon) 2^-53)-DP with these.
constexpr uint64_t kTableMaxVariance = uint64_t{1} << 22;

class DiscreteGaussianTable {
 public:
  // sigma_squared in 1..kTableMaxVariance (the caller checks).
  DiscreteGaussianTable(uint64_t sigma_squared, CryptoRandom& random);
  int64_t Next();
  // The table's probability of |x| = value (tests: compared with the exact pmf).
  double ProbabilityOfMagnitude(uint64_t value) const;
  size_t size() const { return cumulative_.size(); }
  // What a draw of r (below the total) gives: the first x with cumulative_[x] > r (tests).
  uint32_t MagnitudeFor(unsigned __int128 r) const;
  unsigned __int128 CumulativeWeight(uint64_t x) const { return cumulative_[x]; }

 private:
  template <typename Low> uint32_t Search(uint64_t high, Low low) const;
  RandomBits bits_;
  std::vector<unsigned __int128> cumulative_;  // cumulative_[x]: weight of |X| <= x, 2^-112 units
  std::vector<uint64_t> high_;                 // cumulative_[x] >> low_bits_
  std::vector<uint32_t> guide_;                // guide_[b]: the first x with high_[x] >= b << guide_shift_
  int low_bits_ = 0;
  int guide_shift_ = 0;
  uint64_t top_ = 0;                           // (total - 1) >> low_bits_
};

// The per-coordinate noise of a secure-aggregation update: the table for sigma^2 up to
// kTableMaxVariance, the exact sampler above it.
class NoiseSampler {
 public:
  NoiseSampler(uint64_t sigma_squared, CryptoRandom& random);
  int64_t Next() { return table_ ? table_->Next() : exact_->Next(); }

 private:
  std::optional<DiscreteGaussianTable> table_;
  std::optional<DiscreteGaussianSampler> exact_;
};

}  // namespace zhixuan

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
#pragma once

#include <cstdint>

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

}  // namespace zhixuan

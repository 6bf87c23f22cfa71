#include "zhixuan/federated/secagg_dgauss.hpp"

#include <cmath>

namespace zhixuan {
namespace {

using u128 = unsigned __int128;

bool Bernoulli(u128 numerator, u128 denominator, CryptoRandom& random) {
  return random.Uniform128(denominator) < numerator;
}

// gamma = n/d in [0, 1]: K = 1, 2, ... while Bernoulli(gamma / K); the result is K odd.
bool BernoulliExpAtMostOne(u128 n, u128 d, CryptoRandom& random) {
  uint64_t k = 1;
  for (;;) {
    // d k must not overflow 128 bits: d < 2^96 with k < 2^32 cannot (the cheap test; a 128-bit
    // division is a library call in wasm); K beyond 2^32 has probability below 1/(2^32)!.
    if (k >= (uint64_t{1} << 32)) break;
    if ((d >> 96) != 0 && d > (~u128{0}) / k) break;
    if (!Bernoulli(n, d * k, random)) break;
    ++k;
  }
  return (k & 1) == 1;
}

uint64_t IntegerSqrt(uint64_t v) {
  uint64_t r = static_cast<uint64_t>(std::sqrt(static_cast<double>(v)));
  while (r * r > v) --r;
  while ((r + 1) * (r + 1) <= v) ++r;
  return r;
}

}  // namespace

bool BernoulliExp(u128 numerator, u128 denominator, CryptoRandom& random) {
  // exp(-gamma) = exp(-1)^floor(gamma) * exp(-frac(gamma)); stop at the first failure.
  while (numerator > denominator) {
    if (!BernoulliExpAtMostOne(1, 1, random)) return false;
    numerator -= denominator;
  }
  return BernoulliExpAtMostOne(numerator, denominator, random);
}

int64_t SampleDiscreteLaplace(uint64_t t, CryptoRandom& random) {
  for (;;) {
    const uint64_t u = random.Uniform(t);
    if (!BernoulliExp(u, t, random)) continue;
    uint64_t v = 0;
    while (BernoulliExp(1, 1, random)) ++v;
    const uint64_t x = u + t * v;
    const bool negative = random.Uniform(2) == 1;
    if (negative && x == 0) continue;
    return negative ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  }
}

int64_t SampleDiscreteGaussian(uint64_t sigma_squared, CryptoRandom& random) {
  const uint64_t t = IntegerSqrt(sigma_squared) + 1;
  for (;;) {
    const int64_t y = SampleDiscreteLaplace(t, random);
    const u128 magnitude = static_cast<u128>(y < 0 ? -y : y) * t;
    if (magnitude >> 62) continue;  // gamma beyond 2^60: acceptance probability 0 to any precision
    const u128 diff = magnitude > sigma_squared ? magnitude - sigma_squared : sigma_squared - magnitude;
    // gamma = (|y| - sigma^2/t)^2 / (2 sigma^2) = (|y| t - sigma^2)^2 / (2 sigma^2 t^2)
    if (BernoulliExp(diff * diff, static_cast<u128>(2) * sigma_squared * t * t, random)) return y;
  }
}

}  // namespace zhixuan

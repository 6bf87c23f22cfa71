// The exact discrete Gaussian sampler of Canonne, Kamath and Steinke (NeurIPS 2020, "The Discrete
// Gaussian for Differential Privacy", Algorithms 1-3): integer arithmetic only (no floating point,
// so none of the floating-point attacks of Mironov 2012), driven by a CryptoRandom stream keyed by
// 32 bytes from the host's cryptographic source. The variance is an integer sigma^2 (grid units):
// secure aggregation rounds each device's share of the noise variance up, never down.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "zhixuan/base/status.hpp"
#include "zhixuan/federated/secagg_crypto.hpp"

namespace zhixuan {

// sigma^2 up to 2^48 (sigma up to 2^24 grid units); larger would overflow the exact arithmetic.
constexpr uint64_t kMaxDiscreteGaussianVariance = uint64_t{1} << 48;

// Bernoulli(exp(-numerator/denominator)), exactly (CKS Algorithm 1 and its extension to gamma > 1).
bool BernoulliExp(unsigned __int128 numerator, unsigned __int128 denominator, CryptoRandom& random);

// Discrete Laplace with scale t >= 1: P(x) proportional to exp(-|x|/t) (CKS Algorithm 2).
int64_t SampleDiscreteLaplace(uint64_t t, CryptoRandom& random);

// Discrete Gaussian N_Z(0, sigma^2): P(x) proportional to exp(-x^2 / (2 sigma^2)) (CKS Algorithm 3).
// sigma_squared must be 1..kMaxDiscreteGaussianVariance (the caller checks).
int64_t SampleDiscreteGaussian(uint64_t sigma_squared, CryptoRandom& random);

}  // namespace zhixuan

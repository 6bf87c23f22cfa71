// Shamir secret sharing (Shamir 1979) of a 32-byte secret over the prime field GF(p), p = 2^61 - 1:
// the secret is cut into five 7-byte chunks, each the constant term of its own random polynomial
// of degree t - 1; share x holds the five polynomials' values at x. Any t shares give the secret
// (Lagrange at 0); t - 1 shares are uniformly distributed whatever the secret. Secure
// aggregation shares each device's self-mask seed and mask-key secret this way.
//
// A share, little-endian:
//   off  size  field
//   0    4     x (u32, 1..2^31 - 1): the holder's index in the round
//   4    1     chunk count m (5 for a 32-byte secret)
//   5    8m    the polynomials' values at x (u64 each, < p)
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr uint64_t kShamirPrime = (uint64_t{1} << 61) - 1;
constexpr size_t kShamirSecretBytes = 32;
constexpr size_t kShamirChunks = 5;                     // ceil(32 / 7)
constexpr size_t kShamirShareBytes = 5 + 8 * kShamirChunks;  // 45

using ShamirSecret = std::array<uint8_t, kShamirSecretBytes>;

// Shares of `secret` for holders xs (distinct, 1..2^31 - 1), threshold t (1 <= t <= xs.size()).
// Coefficients come from a ChaCha20 stream keyed by `randomness` (32 bytes the host drew from its
// cryptographic source). One share per x, in the order of xs.
StatusOr<std::vector<std::vector<uint8_t>>> ShamirSplit(const ShamirSecret& secret, const std::vector<uint32_t>& xs,
                                                         uint32_t threshold, const std::array<uint8_t, 32>& randomness);

// The secret from at least `threshold` shares with distinct x. Shares beyond the threshold must lie
// on the same polynomials (a corrupted or foreign share is an InvalidArgument).
StatusOr<ShamirSecret> ShamirCombine(const std::vector<std::vector<uint8_t>>& shares, uint32_t threshold);

// The x of a share (InvalidArgument when the bytes are not a share).
StatusOr<uint32_t> ShamirShareIndex(const std::vector<uint8_t>& share);

}  // namespace zhixuan

// The arithmetic of a secure-aggregation round (Bonawitz et al., CCS 2017) carrying the
// distributed discrete Gaussian (Kairouz, Liu and Steinke, ICML 2021). A device's clipped delta
// x (length D) becomes an integer vector in Z_(2^k):
//   1. clip to L2 norm C, scale by s = 2^scale_bits / C (grid units; C s = 2^scale_bits);
//   2. pad with zeros to a whole number of blocks of B = 2^block_log2 and rotate each block with
//      a public-seed randomized Walsh-Hadamard transform (H D_signs / sqrt(B), orthonormal);
//   3. clamp every coordinate to [-L, L], L = ceil(c C s / sqrt(B)), c = sqrt(2 ln(2 padded / 1e-6))
//      (a rotated vector exceeds it with probability < 1e-6; clamping only shrinks the norm);
//   4. randomized rounding to integers, redrawn until the L2 norm is <= Delta with
//      Delta^2 = (C s)^2 + padded/4 + C s + sqrt(padded)/2 (KLS's conditional rounding, beta = e^-1/2);
//   5. add discrete Gaussian noise of variance sigma_dev^2 per coordinate;
//   6. reduce mod 2^k.
// The bound that keeps the sum from wrapping: with at most n devices, every rounded coordinate
// |r| <= L, so the data part of a coordinate of the sum is within n L (a hard bound), and the sum of
// the n noise shares (each sub-Gaussian with parameter sigma_dev, CKS 2020) exceeds
// 20 sqrt(n) sigma_dev with probability < 2 e^-200 per coordinate. k is the smallest width with
// 2^(k-1) > n L + 20 sqrt(n) sigma_dev; at most 32.
//
// Masks: masked = q + PRG(b_u) + sum_{v != u} sign(u, v) PRG(s_uv) mod 2^k, sign +1 when u < v,
// where PRG(secret) is the ChaCha20 keystream (one u32 per coordinate, low k bits) keyed by
// HKDF-SHA-256(ikm = secret, salt = "zhixuan secagg v1", info = kind | round | u | v).
//
// A masked input on the wire, little-endian:
//   off  size  field
//   0    4     magic "ZXSM"
//   4    1     format version (1)
//   5    1     k (bits per coordinate, 1..32)
//   6    2     0
//   8    8     round id (u64)
//   16   4     sender index (u32)
//   20   4     coordinate count (u32, = padded)
//   24   ...   ceil(count k / 8) bytes: the coordinates as a little-endian bit stream
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

using SecAggKey = std::array<uint8_t, 32>;

// What the server declares for a secure round (public).
struct SecAggParams {
  uint64_t round_id = 0;
  uint32_t length = 0;          // D: real values per update (row_count * dim)
  uint32_t block_log2 = 14;     // rotation block B = 2^block_log2 (clamped down to the padded length)
  double clip = 1.0;            // C
  uint32_t scale_bits = 12;     // C s = 2^scale_bits
  uint64_t noise_variance = 0;  // sigma_dev^2 per device and coordinate, grid units (0: no noise)
  uint32_t cohort = 0;          // n: at most this many masked inputs are summed
  uint32_t threshold = 0;       // t: fewest survivors the server may unmask
  SecAggKey rotation_seed{};    // public, drawn by the server
};

// Everything derived from the params (both sides compute it the same way).
struct SecAggLayout {
  uint32_t block = 0;            // B
  uint32_t padded = 0;           // blocks * B
  double scale = 0;              // s
  int64_t linf = 0;              // L
  double l2_bound = 0;           // Delta (grid units)
  uint32_t bits = 0;             // k
  double effective_noise_multiplier = 0;  // sqrt(t sigma_dev^2) / Delta: what the device's ledger charges
  size_t masked_bytes = 0;       // size of a masked input on the wire
};

StatusOr<SecAggLayout> SecAggLayoutFor(const SecAggParams& params);

// sigma_dev^2 so that any t survivors' noise sums to at least (z C s)^2 (rounded up; at least 4
// when z > 0, which keeps KLS's tau term below 1e-13 for a thousand devices).
uint64_t SecAggNoiseVariance(double noise_multiplier, uint32_t scale_bits, uint32_t threshold);

// Steps 1-6 above: values (length D, finite) -> padded coordinates in [0, 2^k). The rounding and
// the noise draw from a ChaCha20 stream keyed by `noise_seed` (host's cryptographic source).
StatusOr<std::vector<uint32_t>> SecAggQuantize(const std::vector<float>& values, const SecAggParams& params,
                                               const SecAggKey& noise_seed);

enum class MaskKind : uint8_t { kSelf = 1, kPair = 2 };
// The ChaCha20 key of one mask stream (HKDF as above); for a pair, u and v in either order.
SecAggKey MaskStreamKey(const SecAggKey& secret, MaskKind kind, uint64_t round_id, uint32_t u, uint32_t v);
// acc[i] += (or -=) the stream's i-th u32 (mod 2^32; reduce to k bits at the end).
void AddMaskStream(std::vector<uint32_t>& acc, const SecAggKey& stream_key, bool subtract);
// Several streams in one pass over acc (the device's self mask and all its pairs).
struct MaskStream {
  SecAggKey key{};
  bool subtract = false;
};
void AddMaskStreams(std::vector<uint32_t>& acc, const std::vector<MaskStream>& streams);

std::vector<uint8_t> PackMaskedInput(uint64_t round_id, uint32_t sender, uint32_t bits, const std::vector<uint32_t>& coords);
// Strict: magic, version, round, k and count must be the round's, length exact (kMalformedPayload).
StatusOr<std::vector<uint32_t>> UnpackMaskedInput(const uint8_t* bytes, size_t size, const SecAggParams& params,
                                                  const SecAggLayout& layout, uint32_t* sender);

struct PairSecret {
  uint32_t peer = 0;     // the other device's index
  SecAggKey secret{};    // the ECDH shared secret (raw 32 bytes)
};

// The device's whole masked input in one call: quantize + self mask + pairwise masks, packed.
StatusOr<std::vector<uint8_t>> SecAggMaskedInput(const std::vector<float>& values, const SecAggParams& params,
                                                 uint32_t sender, const SecAggKey& noise_seed, const SecAggKey& self_seed,
                                                 const std::vector<PairSecret>& pairs);

// Removing the mask of a pair (survivor, dropped) whose secret the server rebuilt.
struct PairCorrection {
  uint32_t survivor = 0;
  uint32_t dropped = 0;
  SecAggKey secret{};
};

struct UnmaskedSum {
  std::vector<uint32_t> modular;  // the sum of the survivors' quantized, noised vectors, mod 2^k (padded)
  std::vector<double> values;     // decoded: centered, rotated back, unscaled; length D
};

// The server's unmasking, streamed: each masked input and each mask is added into one running sum
// as it comes (no device's full vector is kept), so memory is one padded vector whatever the cohort.
class SecAggUnmasker {
 public:
  SecAggUnmasker() = default;  // empty; Create gives a usable one
  static StatusOr<SecAggUnmasker> Create(const SecAggParams& params);
  // A survivor's masked input with its rebuilt self seed: the input joins the sum, its self mask leaves.
  Status AddMasked(const uint8_t* bytes, size_t size, const SecAggKey& self_seed);
  // The mask of a pair (survivor, dropped): the survivor must have been added, the dropped device not.
  Status AddCorrection(const PairCorrection& correction);
  // Checks that no correction names a device added later as a survivor and that at least t inputs
  // were summed, then decodes.
  StatusOr<UnmaskedSum> Finish();
  size_t survivors() const { return senders_.size(); }

 private:
  SecAggUnmasker(const SecAggParams& params, const SecAggLayout& layout) : params_(params), layout_(layout), sum_(layout.padded, 0) {}
  bool IsSender(uint32_t index) const;
  SecAggParams params_;
  SecAggLayout layout_;
  std::vector<uint32_t> sum_;
  std::vector<uint32_t> senders_;           // sorted
  std::vector<uint32_t> corrected_dropped_;
};

// The same at once (tests): sum the survivors' masked inputs, remove each survivor's self mask
// (from its rebuilt seed) and each (survivor, dropped) pair mask, decode.
StatusOr<UnmaskedSum> SecAggUnmask(const SecAggParams& params, const std::vector<std::vector<uint8_t>>& masked_inputs,
                                   const std::vector<SecAggKey>& self_seeds, const std::vector<PairCorrection>& corrections);

// Centered integers of a mod-2^k sum, rotated back and divided by s (length D).
StatusOr<std::vector<double>> SecAggDecode(const std::vector<uint32_t>& modular, const SecAggParams& params);

// The public rotation alone (tests and the attack harness): forward and inverse on a padded vector.
void SecAggRotate(std::vector<double>& padded, const SecAggParams& params, const SecAggLayout& layout, bool inverse);

}  // namespace zhixuan

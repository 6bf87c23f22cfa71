#include "zhixuan/federated/secagg_shamir.hpp"

#include <set>
#include <string>

#include "zhixuan/federated/secagg_crypto.hpp"

namespace zhixuan {
namespace {

using u128 = unsigned __int128;

uint64_t AddMod(uint64_t a, uint64_t b) {
  uint64_t s = a + b;  // both < 2^61: no overflow
  return s >= kShamirPrime ? s - kShamirPrime : s;
}
uint64_t SubMod(uint64_t a, uint64_t b) { return a >= b ? a - b : a + kShamirPrime - b; }
uint64_t MulMod(uint64_t a, uint64_t b) {
  const u128 product = static_cast<u128>(a) * b;
  // 2^61 = 1 (mod p): fold the high bits onto the low ones.
  uint64_t folded = static_cast<uint64_t>(product & kShamirPrime) + static_cast<uint64_t>(product >> 61);
  folded = (folded & kShamirPrime) + (folded >> 61);
  return folded >= kShamirPrime ? folded - kShamirPrime : folded;
}
uint64_t PowMod(uint64_t base, uint64_t exponent) {
  uint64_t result = 1;
  while (exponent) {
    if (exponent & 1) result = MulMod(result, base);
    base = MulMod(base, base);
    exponent >>= 1;
  }
  return result;
}
uint64_t InvMod(uint64_t a) { return PowMod(a, kShamirPrime - 2); }  // Fermat; a != 0

uint64_t ChunkOf(const ShamirSecret& secret, size_t chunk) {
  uint64_t value = 0;
  for (size_t b = 0; b < 7; ++b) {
    const size_t at = chunk * 7 + b;
    if (at < secret.size()) value |= static_cast<uint64_t>(secret[at]) << (8 * b);
  }
  return value;
}

uint64_t LoadU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct ParsedShare {
  uint32_t x;
  std::array<uint64_t, kShamirChunks> y;
};

StatusOr<ParsedShare> Parse(const std::vector<uint8_t>& share) {
  if (share.size() != kShamirShareBytes) return InvalidArgument("secret share: " + std::to_string(share.size()) + " bytes, expected " + std::to_string(kShamirShareBytes));
  ParsedShare parsed{};
  parsed.x = share[0] | (share[1] << 8) | (share[2] << 16) | (static_cast<uint32_t>(share[3]) << 24);
  if (parsed.x == 0 || parsed.x >= (uint32_t{1} << 31)) return InvalidArgument("secret share: index must be 1..2^31-1");
  if (share[4] != kShamirChunks) return InvalidArgument("secret share: unknown chunk count");
  for (size_t c = 0; c < kShamirChunks; ++c) {
    parsed.y[c] = LoadU64(share.data() + 5 + 8 * c);
    if (parsed.y[c] >= kShamirPrime) return InvalidArgument("secret share: a value is not a field element");
  }
  return parsed;
}

// Lagrange interpolation of the points at `at`.
uint64_t Interpolate(const std::vector<ParsedShare>& points, size_t chunk, uint64_t at) {
  uint64_t sum = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    uint64_t num = 1, den = 1;
    for (size_t j = 0; j < points.size(); ++j) {
      if (i == j) continue;
      num = MulMod(num, SubMod(at, points[j].x));
      den = MulMod(den, SubMod(points[i].x, points[j].x));
    }
    sum = AddMod(sum, MulMod(points[i].y[chunk], MulMod(num, InvMod(den))));
  }
  return sum;
}

}  // namespace

StatusOr<std::vector<std::vector<uint8_t>>> ShamirSplit(const ShamirSecret& secret, const std::vector<uint32_t>& xs,
                                                         uint32_t threshold, const std::array<uint8_t, 32>& randomness) {
  if (threshold < 1 || threshold > xs.size()) return InvalidArgument("secret sharing: threshold must be 1..number of holders");
  std::set<uint32_t> seen;
  for (uint32_t x : xs) {
    if (x == 0 || x >= (uint32_t{1} << 31)) return InvalidArgument("secret sharing: holder index must be 1..2^31-1");
    if (!seen.insert(x).second) return InvalidArgument("secret sharing: holder indices must be distinct");
  }
  CryptoRandom random(randomness);
  // coefficients[c][d]: chunk c's polynomial, degree d (d = 0: the secret chunk).
  std::vector<std::vector<uint64_t>> coefficients(kShamirChunks, std::vector<uint64_t>(threshold));
  for (size_t c = 0; c < kShamirChunks; ++c) {
    coefficients[c][0] = ChunkOf(secret, c);
    for (uint32_t d = 1; d < threshold; ++d) coefficients[c][d] = random.Uniform(kShamirPrime);
  }
  std::vector<std::vector<uint8_t>> shares;
  shares.reserve(xs.size());
  for (uint32_t x : xs) {
    std::vector<uint8_t> share(kShamirShareBytes);
    for (int b = 0; b < 4; ++b) share[b] = static_cast<uint8_t>(x >> (8 * b));
    share[4] = kShamirChunks;
    for (size_t c = 0; c < kShamirChunks; ++c) {
      uint64_t y = 0;  // Horner
      for (uint32_t d = threshold; d-- > 0;) y = AddMod(MulMod(y, x), coefficients[c][d]);
      for (int b = 0; b < 8; ++b) share[5 + 8 * c + b] = static_cast<uint8_t>(y >> (8 * b));
    }
    shares.push_back(std::move(share));
  }
  return shares;
}

StatusOr<ShamirSecret> ShamirCombine(const std::vector<std::vector<uint8_t>>& shares, uint32_t threshold) {
  if (threshold < 1) return InvalidArgument("secret sharing: threshold must be >= 1");
  std::vector<ParsedShare> parsed;
  std::set<uint32_t> seen;
  for (const auto& share : shares) {
    auto p = Parse(share);
    if (!p.ok()) return p.status();
    if (!seen.insert(p->x).second) return InvalidArgument("secret sharing: two shares have the same index");
    parsed.push_back(*p);
  }
  if (parsed.size() < threshold)
    return InvalidArgument("secret sharing: " + std::to_string(parsed.size()) + " shares, the threshold is " + std::to_string(threshold));
  const std::vector<ParsedShare> basis(parsed.begin(), parsed.begin() + threshold);
  ShamirSecret secret{};
  for (size_t c = 0; c < kShamirChunks; ++c) {
    for (size_t extra = threshold; extra < parsed.size(); ++extra)
      if (Interpolate(basis, c, parsed[extra].x) != parsed[extra].y[c])
        return InvalidArgument("secret sharing: share " + std::to_string(parsed[extra].x) + " is not on the same polynomial");
    const uint64_t chunk = Interpolate(basis, c, 0);
    const size_t bytes = std::min<size_t>(7, kShamirSecretBytes - c * 7);
    if (chunk >> (8 * bytes)) return InvalidArgument("secret sharing: the shares do not encode a secret");
    for (size_t b = 0; b < bytes; ++b) secret[c * 7 + b] = static_cast<uint8_t>(chunk >> (8 * b));
  }
  return secret;
}

StatusOr<uint32_t> ShamirShareIndex(const std::vector<uint8_t>& share) {
  auto parsed = Parse(share);
  if (!parsed.ok()) return parsed.status();
  return parsed->x;
}

}  // namespace zhixuan

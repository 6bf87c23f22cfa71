#include "zhixuan/federated/secagg_dgauss.hpp"

#include <algorithm>
#include <cmath>

namespace zhixuan {
namespace {

using u128 = unsigned __int128;

uint64_t IntegerSqrt(uint64_t v) {
  uint64_t r = static_cast<uint64_t>(std::sqrt(static_cast<double>(v)));
  while (r * r > v) --r;
  while ((r + 1) * (r + 1) <= v) ++r;
  return r;
}

// Bits needed to write v (0 for 0).
int BitLength(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }
int BitLength(u128 v) { return (v >> 64) != 0 ? 64 + BitLength(static_cast<uint64_t>(v >> 64)) : BitLength(static_cast<uint64_t>(v)); }

// floor(a b / 2^127) for a, b <= 2^127 (127-bit fixed point: 2^127 is one).
u128 MulFixed127(u128 a, u128 b) {
  const uint64_t a0 = static_cast<uint64_t>(a), a1 = static_cast<uint64_t>(a >> 64);
  const uint64_t b0 = static_cast<uint64_t>(b), b1 = static_cast<uint64_t>(b >> 64);
  const u128 p00 = static_cast<u128>(a0) * b0, p01 = static_cast<u128>(a0) * b1;
  const u128 p10 = static_cast<u128>(a1) * b0, p11 = static_cast<u128>(a1) * b1;
  const u128 mid = (p00 >> 64) + static_cast<uint64_t>(p01) + static_cast<uint64_t>(p10);  // < 3 2^64
  const u128 high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);                          // product >> 128
  const uint64_t low_top = static_cast<uint64_t>(mid);                                         // bits 64..127
  return (high << 1) | (low_top >> 63);
}

// exp(-a) for a in [0, 1], 127-bit fixed point: the alternating Taylor sum until a term is 0
// (the partial sums stay within [exp(-a) - term, exp(-a) + term]: no underflow).
u128 ExpNegFixed127(u128 a) {
  const u128 one = static_cast<u128>(1) << 127;
  u128 sum = one, term = one;
  for (uint64_t k = 1;; ++k) {
    term = MulFixed127(term, a) / k;
    if (term == 0) return sum;
    sum = (k & 1) ? sum - term : sum + term;
  }
}

constexpr int kTableFraction = 112;  // the table's fixed point: 2^-112 units (weights from 2^-127 ones)
constexpr int kGuideBits = 13;

}  // namespace

uint64_t RandomBits::Take(int n) {
  if (n <= left_) {
    const uint64_t r = n == 64 ? reservoir_ : reservoir_ & ((uint64_t{1} << n) - 1);
    reservoir_ = n == 64 ? 0 : reservoir_ >> n;
    left_ -= n;
    return r;
  }
  // The reservoir's last bits are the low ones of the draw, a fresh 64-bit word gives the rest.
  const int have = left_;
  uint64_t r = reservoir_;
  reservoir_ = source_.NextU64();
  left_ = 64;
  const int need = n - have;
  r |= Take(need) << have;
  return r;
}

bool RandomBits::Bit() {
  if (left_ == 0) {
    reservoir_ = source_.NextU64();
    left_ = 64;
  }
  const bool bit = reservoir_ & 1;
  reservoir_ >>= 1;
  --left_;
  return bit;
}

uint64_t RandomBits::Below(uint64_t bound) {
  if (bound <= 1) return 0;
  const int n = BitLength(bound - 1);
  for (;;) {
    const uint64_t r = Take(n);
    if (r < bound) return r;
  }
}

u128 RandomBits::Below(u128 bound) {
  if ((bound >> 64) == 0) return Below(static_cast<uint64_t>(bound));
  const int n = BitLength(bound - 1);
  for (;;) {
    const u128 r = static_cast<u128>(Take(64)) | (static_cast<u128>(Take(n - 64)) << 64);
    if (r < bound) return r;
  }
}

DiscreteGaussianSampler::DiscreteGaussianSampler(uint64_t sigma_squared, CryptoRandom& random)
    : bits_(random), sigma_squared_(sigma_squared), t_(IntegerSqrt(sigma_squared) + 1) {
  denominator_ = static_cast<u128>(2) * sigma_squared_ * t_ * t_;
  denominator_fits_64_ = (denominator_ >> 64) == 0;
}

// U < n/d for U uniform in [0, 1), comparing U's random binary digits with those of n/d (long
// division by subtraction: no overflow, no division) until they differ: 2 digits on average,
// where a uniform draw below d took the bit length of d and a rejection.
template <typename U>
bool DiscreteGaussianSampler::Bernoulli(U numerator, U denominator) {
  if (numerator >= denominator) return true;
  if (numerator == 0) return false;
  U n = numerator;
  for (;;) {
    const bool digit = n >= denominator - n;  // the next binary digit of n/d: is 2n >= d?
    n = digit ? n - (denominator - n) : n + n;
    const bool random = bits_.Bit();
    if (random != digit) return digit;  // U's digit below p's: U < p
  }
}

// gamma = n/d in [0, 1]: K = 1, 2, ... while Bernoulli(gamma / K); the result is K odd.
// Bernoulli(gamma / K) = Bernoulli(1 / K) AND Bernoulli(gamma), the cheap one first.
template <typename U>
bool DiscreteGaussianSampler::BernoulliExpAtMostOne(U n, U d) {
  uint64_t k = 1;
  while (Bernoulli<uint64_t>(1, k) && Bernoulli<U>(n, d)) ++k;
  return (k & 1) == 1;
}

bool DiscreteGaussianSampler::BernoulliExp(u128 numerator, u128 denominator) {
  // exp(-gamma) = exp(-1)^floor(gamma) * exp(-frac(gamma)); stop at the first failure.
  u128 whole, rest;
  if ((numerator >> 64) == 0 && (denominator >> 64) == 0) {
    whole = static_cast<uint64_t>(numerator) / static_cast<uint64_t>(denominator);
    rest = static_cast<uint64_t>(numerator) % static_cast<uint64_t>(denominator);
  } else {
    whole = numerator / denominator;
    rest = numerator % denominator;
  }
  for (u128 i = 0; i < whole; ++i)
    if (!BernoulliExpAtMostOne<uint64_t>(1, 1)) return false;
  if ((denominator >> 64) == 0) return BernoulliExpAtMostOne<uint64_t>(static_cast<uint64_t>(rest), static_cast<uint64_t>(denominator));
  return BernoulliExpAtMostOne<u128>(rest, denominator);
}

int64_t DiscreteGaussianSampler::NextLaplace() {
  for (;;) {
    const uint64_t u = bits_.Below(t_);
    if (!BernoulliExpAtMostOne<uint64_t>(u, t_)) continue;
    uint64_t v = 0;
    while (BernoulliExpAtMostOne<uint64_t>(1, 1)) ++v;
    const uint64_t x = u + t_ * v;
    const bool negative = bits_.Take(1) == 1;
    if (negative && x == 0) continue;
    return negative ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  }
}

int64_t DiscreteGaussianSampler::Next() {
  for (;;) {
    const int64_t y = NextLaplace();
    const uint64_t abs_y = static_cast<uint64_t>(y < 0 ? -y : y);
    // gamma = (|y| - sigma^2/t)^2 / (2 sigma^2) = (|y| t - sigma^2)^2 / (2 sigma^2 t^2)
    if (denominator_fits_64_ && abs_y < (uint64_t{1} << 32) && t_ < (uint64_t{1} << 31)) {
      const uint64_t magnitude = abs_y * t_;  // < 2^63
      const uint64_t diff = magnitude > sigma_squared_ ? magnitude - sigma_squared_ : sigma_squared_ - magnitude;
      if (diff < (uint64_t{1} << 32)) {
        if (BernoulliExp(diff * diff, denominator_)) return y;
        continue;
      }
    }
    const u128 magnitude = static_cast<u128>(abs_y) * t_;
    if (magnitude >> 62) continue;  // gamma beyond 2^60: acceptance probability 0 to any precision
    const u128 diff = magnitude > sigma_squared_ ? magnitude - sigma_squared_ : sigma_squared_ - magnitude;
    if (BernoulliExp(diff * diff, denominator_)) return y;
  }
}

DiscreteGaussianTable::DiscreteGaussianTable(uint64_t sigma_squared, CryptoRandom& random) : bits_(random) {
  const u128 one = static_cast<u128>(1) << 127;
  const u128 q = ExpNegFixed127(one / (2 * static_cast<u128>(sigma_squared)));  // exp(-1 / (2 sigma^2))
  const u128 q2 = ExpNegFixed127(one / sigma_squared);                          // exp(-1 / sigma^2)
  constexpr int drop = 127 - kTableFraction;
  u128 weight = one;  // q^(x^2), from x = 0
  u128 step = q;      // q^(2x + 1): q^((x+1)^2) = q^(x^2) q^(2x+1)
  u128 total = weight >> drop;
  cumulative_.push_back(total);
  for (;;) {
    weight = MulFixed127(weight, step);
    step = MulFixed127(step, q2);
    const u128 both_signs = weight >> (drop - 1);  // 2 q^(x^2)
    if (both_signs == 0) break;
    total += both_signs;
    cumulative_.push_back(total);
  }
  // r uniform below the total is drawn top 64 bits first: they decide the draw unless they equal
  // an entry's own top bits (probability about size / 2^64), when the low bits are drawn too.
  low_bits_ = BitLength(total - 1) - 64;  // >= 48: the total is above 2^112 (w_0 alone)
  top_ = static_cast<uint64_t>((total - 1) >> low_bits_);
  high_.reserve(cumulative_.size());
  for (const u128 c : cumulative_) high_.push_back(static_cast<uint64_t>(c >> low_bits_));
  guide_shift_ = std::max(0, BitLength(top_) - kGuideBits);
  guide_.resize(static_cast<size_t>(top_ >> guide_shift_) + 1);
  uint32_t x = 0;
  for (size_t b = 0; b < guide_.size(); ++b) {
    while (high_[x] < (static_cast<uint64_t>(b) << guide_shift_)) ++x;
    guide_[b] = x;
  }
}

template <typename Low>
uint32_t DiscreteGaussianTable::Search(uint64_t high, Low low) const {
  const u128 low_mask = (static_cast<u128>(1) << low_bits_) - 1;
  uint32_t x = guide_[high >> guide_shift_];
  while (high_[x] < high) ++x;
  while (high_[x] == high && static_cast<uint64_t>(cumulative_[x] & low_mask) <= low()) ++x;
  return x;
}

uint32_t DiscreteGaussianTable::MagnitudeFor(u128 r) const {
  return Search(static_cast<uint64_t>(r >> low_bits_), [&] { return static_cast<uint64_t>(r & ((static_cast<u128>(1) << low_bits_) - 1)); });
}

int64_t DiscreteGaussianTable::Next() {
  const u128 total = cumulative_.back();
  for (;;) {
    const uint64_t high = bits_.Take(64);
    if (high > top_) continue;  // r >= the total whatever the low bits
    bool have_low = false;
    uint64_t low = 0;
    auto low_part = [&] {
      if (!have_low) low = bits_.Take(low_bits_), have_low = true;
      return low;
    };
    if (high == top_ && ((static_cast<u128>(high) << low_bits_) | low_part()) >= total) continue;
    const uint32_t x = Search(high, low_part);
    if (x == 0) return 0;
    return bits_.Bit() ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  }
}

double DiscreteGaussianTable::ProbabilityOfMagnitude(uint64_t value) const {
  if (value >= cumulative_.size()) return 0;
  const u128 below = value == 0 ? 0 : cumulative_[value - 1];
  return static_cast<double>(cumulative_[value] - below) / static_cast<double>(cumulative_.back());
}

NoiseSampler::NoiseSampler(uint64_t sigma_squared, CryptoRandom& random) {
  if (sigma_squared <= kTableMaxVariance) table_.emplace(sigma_squared, random);
  else exact_.emplace(sigma_squared, random);
}

}  // namespace zhixuan

// The exact discrete Gaussian against its exact pmf: chi-square over bins of about equal mass
// and the first two moments, in the regimes of the sampler's arithmetic (64-bit throughout,
// 2 sigma^2 t^2 at the edge of 64 bits, and beyond it: the 128-bit path). Deterministic by seed.
#include <cmath>
#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "zhixuan/federated/secagg_dgauss.hpp"

using namespace zhixuan;

namespace {

std::array<uint8_t, 32> Seed(uint8_t b) {
  std::array<uint8_t, 32> k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(b * 29 + i * 3);
  return k;
}

// The chi-square(df) quantile at p = 0.001 (Wilson-Hilferty; within 1% for df >= 3).
double ChiSquareCritical(int df) {
  const double z = 3.0902, a = 2.0 / (9.0 * df);
  return df * std::pow(1 - a + z * std::sqrt(a), 3);
}

struct Fit {
  double chi = 0, critical = 0, mean = 0, mean_se = 0, variance = 0, exact_variance = 0, variance_se = 0;
};

// Draws from the sampler and compares with P(x) = exp(-x^2 / 2 sigma^2) / Z, Z summed over
// |x| <= 14 sigma + 14 (the rest weighs below e^-98).
Fit Check(uint64_t sigma_squared, int draws, uint8_t seed) {
  CryptoRandom random(Seed(seed));
  DiscreteGaussianSampler sampler(sigma_squared, random);
  std::map<int64_t, int> counts;
  double sum = 0, sq = 0;
  for (int i = 0; i < draws; ++i) {
    const int64_t x = sampler.Next();
    counts[x]++;
    sum += static_cast<double>(x);
    sq += static_cast<double>(x) * static_cast<double>(x);
  }
  const double s2 = static_cast<double>(sigma_squared);
  const int64_t reach = static_cast<int64_t>(14 * std::sqrt(s2)) + 14;
  std::vector<double> pmf(2 * reach + 1);
  double z = 0, m2 = 0, m4 = 0;
  for (int64_t x = -reach; x <= reach; ++x) z += pmf[x + reach] = std::exp(-static_cast<double>(x) * x / (2 * s2));
  for (int64_t x = -reach; x <= reach; ++x) {
    const double p = pmf[x + reach] /= z, xx = static_cast<double>(x) * x;
    m2 += p * xx;
    m4 += p * xx * xx;
  }
  // Bins of consecutive integers, each of mass >= 1/40 (the last one takes the remainder).
  Fit fit;
  int bins = 0;
  double mass = 0;
  int observed = 0;
  auto close_bin = [&] {
    const double expected = mass * draws;
    fit.chi += (observed - expected) * (observed - expected) / expected;
    ++bins;
    mass = 0;
    observed = 0;
  };
  auto it = counts.begin();
  for (int64_t x = -reach; x <= reach; ++x) {
    mass += pmf[x + reach];
    while (it != counts.end() && it->first <= x) observed += (it++)->second;
    if (mass >= 1.0 / 40 && x < reach) close_bin();
  }
  while (it != counts.end()) observed += (it++)->second;  // nothing lies beyond reach: counted, so it fails
  close_bin();
  fit.critical = ChiSquareCritical(bins - 1);
  fit.mean = sum / draws;
  fit.mean_se = std::sqrt(m2 / draws);
  fit.variance = sq / draws;
  fit.exact_variance = m2;
  fit.variance_se = std::sqrt((m4 - m2 * m2) / draws);
  return fit;
}

void RequireFits(const Fit& fit) {
  INFO("chi-square " << fit.chi << " (0.1% critical " << fit.critical << "), mean " << fit.mean << ", variance "
                     << fit.variance << " vs exact " << fit.exact_variance);
  CHECK(fit.chi < fit.critical);
  CHECK(std::abs(fit.mean) < 4 * fit.mean_se);
  CHECK(std::abs(fit.variance - fit.exact_variance) < 4 * fit.variance_se);
}

}  // namespace

TEST_CASE("the discrete Gaussian matches its exact pmf", "[secagg][dgauss]") {
  SECTION("sigma^2 = 1 (t = 2)") { RequireFits(Check(1, 60000, 1)); }
  SECTION("sigma^2 = 2") { RequireFits(Check(2, 60000, 2)); }
  SECTION("sigma^2 = 900 (t = 31)") { RequireFits(Check(900, 60000, 3)); }
  SECTION("sigma^2 = 328966: a 100-device round's share at C s = 2^12") { RequireFits(Check(328966, 60000, 4)); }
  SECTION("sigma^2 = 2^31: 2 sigma^2 t^2 just below 2^64") { RequireFits(Check(uint64_t{1} << 31, 30000, 5)); }
  SECTION("sigma^2 = 2^33: 2 sigma^2 t^2 beyond 64 bits (the 128-bit path)") { RequireFits(Check(uint64_t{1} << 33, 30000, 6)); }
}

TEST_CASE("the discrete Laplace matches its exact pmf", "[secagg][dgauss]") {
  // t = floor(sqrt(99)) + 1 = 10: P(x) proportional to exp(-|x| / 10).
  CryptoRandom random(Seed(9));
  DiscreteGaussianSampler sampler(99, random);
  const int draws = 60000;
  std::map<int64_t, int> counts;
  for (int i = 0; i < draws; ++i) counts[sampler.NextLaplace()]++;
  const double q = std::exp(-0.1), z = (1 + q) / (1 - q);
  double chi = 0, tail = 1;
  for (int64_t x = -30; x <= 30; ++x) {
    const double p = std::pow(q, static_cast<double>(std::abs(x))) / z, expected = p * draws;
    tail -= p;
    chi += (counts[x] - expected) * (counts[x] - expected) / expected;
  }
  int beyond = 0;
  for (const auto& [x, c] : counts)
    if (std::abs(x) > 30) beyond += c;
  chi += (beyond - tail * draws) * (beyond - tail * draws) / (tail * draws);
  CHECK(chi < ChiSquareCritical(61));
}

TEST_CASE("Bernoulli(exp(-gamma)) is exact across gamma's whole and fractional parts", "[secagg][dgauss]") {
  CryptoRandom random(Seed(11));
  DiscreteGaussianSampler sampler(4, random);
  const int draws = 40000;
  // gamma = 7/3, 1/2 and (beyond 64 bits) (2^70 + 2^68) / 2^70 = 1.25
  const std::vector<std::pair<unsigned __int128, unsigned __int128>> cases = {
      {7, 3}, {1, 2}, {(static_cast<unsigned __int128>(5) << 68), static_cast<unsigned __int128>(1) << 70}};
  for (const auto& [n, d] : cases) {
    int hits = 0;
    for (int i = 0; i < draws; ++i) hits += sampler.BernoulliExp(n, d);
    const double p = std::exp(-static_cast<double>(n) / static_cast<double>(d));
    INFO("gamma " << static_cast<double>(n) / static_cast<double>(d));
    CHECK(std::abs(hits - p * draws) < 4 * std::sqrt(draws * p * (1 - p)));
  }
}

TEST_CASE("the sampler is deterministic per seed", "[secagg][dgauss]") {
  CryptoRandom a(Seed(7)), b(Seed(7)), c(Seed(8));
  DiscreteGaussianSampler sa(10000, a), sb(10000, b), sc(10000, c);
  std::vector<int64_t> xa, xb, xc;
  for (int i = 0; i < 64; ++i) {
    xa.push_back(sa.Next());
    xb.push_back(sb.Next());
    xc.push_back(sc.Next());
  }
  CHECK(xa == xb);
  CHECK(xa != xc);
}

TEST_CASE("random bits are consumed exactly and uniform draws stay below their bound", "[secagg][dgauss]") {
  CryptoRandom words(Seed(3)), source(Seed(3));
  RandomBits bits(source);
  // 3 + 61 bits are the first 64-bit word, low bits first; 64 more are the next word.
  const uint64_t w0 = words.NextU64(), w1 = words.NextU64();
  CHECK(bits.Take(3) == (w0 & 7));
  CHECK(bits.Take(61) == (w0 >> 3));
  CHECK(bits.Take(64) == w1);
  int counts[6] = {0};
  for (int i = 0; i < 60000; ++i) {
    const uint64_t r = bits.Below(uint64_t{6});
    REQUIRE(r < 6);
    counts[r]++;
  }
  double chi = 0;
  for (int c : counts) chi += (c - 10000.0) * (c - 10000.0) / 10000.0;
  CHECK(chi < ChiSquareCritical(5));
  const unsigned __int128 big = (static_cast<unsigned __int128>(1) << 80) + 12345;
  for (int i = 0; i < 1000; ++i) REQUIRE(bits.Below(big) < big);
}

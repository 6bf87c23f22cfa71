// The exact discrete Gaussian against its exact pmf: chi-square over bins of about equal mass
// and the first two moments, in the regimes of the sampler's arithmetic (64-bit throughout,
// 2 sigma^2 t^2 at the edge of 64 bits, and beyond it: the 128-bit path). Deterministic by seed.
#include <algorithm>
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
template <typename Sampler = DiscreteGaussianSampler>
Fit Check(uint64_t sigma_squared, int draws, uint8_t seed) {
  CryptoRandom random(Seed(seed));
  Sampler sampler(sigma_squared, random);
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

TEST_CASE("the table sampler matches the exact pmf", "[secagg][dgauss]") {
  SECTION("sigma^2 = 1") { RequireFits(Check<DiscreteGaussianTable>(1, 60000, 21)); }
  SECTION("sigma^2 = 2") { RequireFits(Check<DiscreteGaussianTable>(2, 60000, 22)); }
  SECTION("sigma^2 = 900") { RequireFits(Check<DiscreteGaussianTable>(900, 60000, 23)); }
  SECTION("sigma^2 = 328966: a 100-device round's share at C s = 2^12") { RequireFits(Check<DiscreteGaussianTable>(328966, 60000, 24)); }
  SECTION("sigma^2 = 2^22: the largest the table takes") { RequireFits(Check<DiscreteGaussianTable>(kTableMaxVariance, 60000, 25)); }
}

TEST_CASE("the table's probabilities are the exact pmf's to double precision", "[secagg][dgauss]") {
  // Its integer exp and running products against libm's exp: relative error near double's
  // rounding wherever the probability is a normal double well above the 2^-112 grid.
  for (uint64_t sigma_squared : {uint64_t{1}, uint64_t{7}, uint64_t{900}, uint64_t{328966}, kTableMaxVariance}) {
    CryptoRandom random(Seed(30));
    DiscreteGaussianTable table(sigma_squared, random);
    const double s2 = static_cast<double>(sigma_squared), sigma = std::sqrt(s2);
    double z = 1;
    for (int64_t x = 1; x <= static_cast<int64_t>(14 * sigma) + 14; ++x) z += 2 * std::exp(-static_cast<double>(x) * x / (2 * s2));
    INFO("sigma^2 = " << sigma_squared << ", table of " << table.size());
    // Where 2 q^(x^2) truncates to 0 at 2^-112 units: q^(x^2) < 2^-113, x = sigma sqrt(2 * 113 ln 2).
    CHECK(std::abs(static_cast<double>(table.size()) - sigma * std::sqrt(2 * 113 * std::log(2.0))) < 2);
    double worst = 0;
    for (uint64_t x = 0; x < table.size(); ++x) {
      const double exact = (x == 0 ? 1 : 2) * std::exp(-static_cast<double>(x) * x / (2 * s2)) / z;
      if (exact < 1e-12) break;
      worst = std::max(worst, std::abs(table.ProbabilityOfMagnitude(x) - exact) / exact);
    }
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("the table's search reads the low bits exactly where the top 64 leave it open", "[secagg][dgauss]") {
  // r next to an entry's cumulative weight shares its top 64 bits: the answer turns on the low ones.
  CryptoRandom random(Seed(31));
  DiscreteGaussianTable table(328966, random);
  for (uint64_t x = 0; x + 1 < table.size(); x += 97) {
    const unsigned __int128 c = table.CumulativeWeight(x);
    INFO("x = " << x);
    CHECK(table.MagnitudeFor(c - 1) == x);
    CHECK(table.MagnitudeFor(c) == x + 1);
    CHECK(table.MagnitudeFor(c + 1) == x + 1);
  }
  CHECK(table.MagnitudeFor(0) == 0);
  CHECK(table.MagnitudeFor(table.CumulativeWeight(table.size() - 1) - 1) == table.size() - 1);
}

TEST_CASE("secure aggregation's noise takes the table up to its cap, the exact sampler above", "[secagg][dgauss]") {
  // Same seed, same draws as the sampler it picks.
  for (uint64_t sigma_squared : {uint64_t{328966}, kTableMaxVariance, kTableMaxVariance + 1}) {
    CryptoRandom a(Seed(40)), b(Seed(40)), c(Seed(40));
    NoiseSampler noise(sigma_squared, a);
    DiscreteGaussianTable table(std::min(sigma_squared, kTableMaxVariance), b);
    DiscreteGaussianSampler exact(sigma_squared, c);
    std::vector<int64_t> drawn, by_table, by_exact;
    for (int i = 0; i < 64; ++i) {
      drawn.push_back(noise.Next());
      by_table.push_back(table.Next());
      by_exact.push_back(exact.Next());
    }
    INFO("sigma^2 = " << sigma_squared);
    CHECK((drawn == by_table) == (sigma_squared <= kTableMaxVariance));
    CHECK((drawn == by_exact) == (sigma_squared > kTableMaxVariance));
  }
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

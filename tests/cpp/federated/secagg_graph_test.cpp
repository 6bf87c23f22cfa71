// SecAgg+'s neighbour graph and the streaming unmasker over it.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "zhixuan/federated/secagg_crypto.hpp"
#include "zhixuan/federated/secagg_encode.hpp"
#include "zhixuan/federated/secagg_graph.hpp"

using namespace zhixuan;

namespace {

std::array<uint8_t, 32> Seed(uint8_t b) {
  std::array<uint8_t, 32> s{};
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(b + 13 * i);
  return s;
}

// Positions reachable from `start` without passing through `removed`.
size_t Reachable(const std::vector<std::vector<uint32_t>>& g, uint32_t start, const std::set<uint32_t>& removed) {
  std::set<uint32_t> seen{start};
  std::vector<uint32_t> todo{start};
  while (!todo.empty()) {
    const uint32_t u = todo.back();
    todo.pop_back();
    for (uint32_t v : g[u])
      if (!removed.count(v) && seen.insert(v).second) todo.push_back(v);
  }
  return seen.size();
}

}  // namespace

TEST_CASE("the degree rule grows like log n and is complete for small cohorts", "[secagg][graph]") {
  SecAggGraphRule rule;  // dropout 0.1, corruption 0.1, 40 security bits, 20 correctness bits
  CHECK(SecAggDegree(10, rule).value() == 9);
  const uint32_t k100 = SecAggDegree(100, rule).value(), k1000 = SecAggDegree(1000, rule).value(), k10000 = SecAggDegree(10000, rule).value();
  CHECK(k100 % 2 == 0);
  CHECK(k100 < 99);
  CHECK(k100 <= k1000);
  CHECK(k1000 <= k10000);
  CHECK(k10000 < 100);  // a hundredfold cohort, a few more neighbours
  // More colluders or dropouts need more neighbours; impossible rates are refused.
  SecAggGraphRule worse = rule;
  worse.corruption = 0.2;
  CHECK(SecAggDegree(1000, worse).value() > k1000);
  worse.dropout = 0.85;
  CHECK_FALSE(SecAggDegree(1000, worse).ok());
  CHECK_FALSE(SecAggDegree(1, rule).ok());
  CHECK(SecAggNeighbourhoodThreshold(99) == 51);  // the complete graph's floor(n/2) + 1 at n = 100
}

TEST_CASE("the Harary graph is symmetric, k-regular, seeded and survives k/2 - 1 removals in a row", "[secagg][graph]") {
  const uint32_t n = 40, k = 6;
  auto g = SecAggNeighbours(n, k, Seed(1));
  REQUIRE(g.ok());
  for (uint32_t u = 0; u < n; ++u) {
    REQUIRE((*g)[u].size() == k);
    CHECK(std::set<uint32_t>((*g)[u].begin(), (*g)[u].end()).size() == k);
    for (uint32_t v : (*g)[u]) {
      CHECK(v != u);
      CHECK(std::binary_search((*g)[v].begin(), (*g)[v].end(), u));
    }
  }
  CHECK(SecAggNeighbours(n, k, Seed(1)).value() == *g);
  CHECK(SecAggNeighbours(n, k, Seed(2)).value() != *g);
  // Removing any k - 1 devices leaves the rest connected (H(k, n) is k-connected).
  CryptoRandom r(Seed(9));
  for (int trial = 0; trial < 50; ++trial) {
    std::set<uint32_t> removed;
    while (removed.size() < k - 1) removed.insert(static_cast<uint32_t>(r.Uniform(n)));
    uint32_t start = 0;
    while (removed.count(start)) ++start;
    CHECK(Reachable(*g, start, removed) == n - removed.size());
  }
  auto complete = SecAggNeighbours(5, 4, Seed(1));
  REQUIRE(complete.ok());
  CHECK((*complete)[2] == std::vector<uint32_t>{0, 1, 3, 4});
  CHECK_FALSE(SecAggNeighbours(n, 5, Seed(1)).ok());
}

TEST_CASE("masks over the neighbour graph cancel exactly in the streamed sum with dropouts", "[secagg][graph][encode]") {
  const uint32_t n = 16, k = 4;
  SecAggParams p;
  p.round_id = 7;
  p.length = 300;
  p.block_log2 = 7;
  p.scale_bits = 10;
  p.noise_variance = SecAggNoiseVariance(1.0, 10, 9);
  p.cohort = n;
  p.threshold = 9;
  p.rotation_seed = Seed(50);
  auto layout = SecAggLayoutFor(p);
  REQUIRE(layout.ok());
  auto g = SecAggNeighbours(n, k, Seed(3));
  REQUIRE(g.ok());
  auto pair_secret = [](uint32_t a, uint32_t b) { return Seed(static_cast<uint8_t>(std::min(a, b) * 17 + std::max(a, b))); };
  auto values = [&](uint32_t u) {
    std::vector<float> v(p.length);
    CryptoRandom r(Seed(static_cast<uint8_t>(u + 100)));
    for (float& x : v) x = static_cast<float>((static_cast<double>(r.NextU32()) / 4294967296.0 - 0.5) * 0.1);
    return v;
  };
  const std::set<uint32_t> dropped = {3, 4, 11};  // device indices (position + 1); 3 and 4 may be neighbours
  auto unmasker = SecAggUnmasker::Create(p);
  REQUIRE(unmasker.ok());
  std::vector<uint32_t> expected(layout->padded, 0);
  for (uint32_t u = 1; u <= n; ++u) {
    std::vector<PairSecret> pairs;
    for (uint32_t v : (*g)[u - 1]) pairs.push_back({v + 1, pair_secret(u, v + 1)});
    auto input = SecAggMaskedInput(values(u), p, u, Seed(static_cast<uint8_t>(u)), Seed(static_cast<uint8_t>(u + 60)), pairs);
    REQUIRE(input.ok());
    if (dropped.count(u)) continue;
    REQUIRE(unmasker->AddMasked(input->data(), input->size(), Seed(static_cast<uint8_t>(u + 60))).ok());
    auto q = SecAggQuantize(values(u), p, Seed(static_cast<uint8_t>(u)));
    for (size_t i = 0; i < expected.size(); ++i) expected[i] += (*q)[i];
  }
  for (uint32_t& e : expected) e &= (1u << layout->bits) - 1;
  size_t corrections = 0;
  for (uint32_t v : dropped)
    for (uint32_t w : (*g)[v - 1])
      if (!dropped.count(w + 1)) {
        REQUIRE(unmasker->AddCorrection({w + 1, v, pair_secret(w + 1, v)}).ok());
        ++corrections;
      }
  CHECK(corrections <= dropped.size() * k);  // not dropped x survivors as on the complete graph
  CHECK_FALSE(unmasker->AddCorrection({3, 1, pair_secret(3, 1)}).ok());  // 3 sent nothing
  auto sum = unmasker->Finish();
  REQUIRE(sum.ok());
  CHECK(sum->modular == expected);
  CHECK(unmasker->survivors() == n - dropped.size());
}

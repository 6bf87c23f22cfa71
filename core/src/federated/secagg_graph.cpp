#include "zhixuan/federated/secagg_graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "zhixuan/federated/secagg_crypto.hpp"

namespace zhixuan {
namespace {

// log2 P[Bin(k, p) >= at_least], summed exactly in log space (k is at most 10^5).
double Log2BinomialTail(uint32_t k, double p, uint32_t at_least) {
  if (at_least == 0) return 0;
  if (at_least > k || p <= 0) return -INFINITY;
  const double lp = std::log(p), lq = std::log1p(-p);
  double best = -INFINITY;
  std::vector<double> terms;
  for (uint32_t j = at_least; j <= k; ++j) {
    const double t = std::lgamma(k + 1.0) - std::lgamma(j + 1.0) - std::lgamma(k - j + 1.0) + j * lp + (k - j) * lq;
    terms.push_back(t);
    best = std::max(best, t);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - best);
  return (best + std::log(sum)) / std::log(2.0);
}

}  // namespace

uint32_t SecAggNeighbourhoodThreshold(uint32_t neighbours) { return (neighbours + 1) / 2 + 1; }

StatusOr<uint32_t> SecAggDegree(uint32_t n, const SecAggGraphRule& rule) {
  if (n < 2) return InvalidArgument("secure aggregation graph: a cohort has at least 2 devices");
  if (!(rule.dropout >= 0 && rule.dropout < 1) || !(rule.corruption >= 0 && rule.corruption < 1) ||
      !(rule.dropout + rule.corruption < 1))
    return InvalidArgument("secure aggregation graph: dropout and corruption must be in [0, 1) with a sum below 1");
  if (rule.security_bits < 1 || rule.security_bits > 128 || rule.correctness_bits < 1 || rule.correctness_bits > 128)
    return InvalidArgument("secure aggregation graph: security and correctness bits must be 1..128");
  const double log2n = std::log2(static_cast<double>(n));
  const double removed = rule.dropout + rule.corruption;
  for (uint32_t k = 2; k < n - 1; k += 2) {
    const uint32_t t = SecAggNeighbourhoodThreshold(k);
    const bool split = removed > 0 && log2n + (k / 2) * std::log2(removed) > -static_cast<double>(rule.security_bits);
    if (split) continue;
    if (log2n + Log2BinomialTail(k, rule.corruption, t) > -static_cast<double>(rule.security_bits)) continue;
    if (t > k || log2n + Log2BinomialTail(k, rule.dropout, k - t + 1) > -static_cast<double>(rule.correctness_bits)) continue;
    return k;
  }
  return n - 1;
}

StatusOr<std::vector<std::vector<uint32_t>>> SecAggNeighbours(uint32_t n, uint32_t k, const std::array<uint8_t, 32>& seed) {
  if (n < 1 || n > 100000) return InvalidArgument("secure aggregation graph: cohort must be 1..100000");
  std::vector<std::vector<uint32_t>> out(n);
  if (k + 1 >= n) {
    for (uint32_t u = 0; u < n; ++u)
      for (uint32_t v = 0; v < n; ++v)
        if (v != u) out[u].push_back(v);
    return out;
  }
  if (k % 2 != 0 || k == 0) return InvalidArgument("secure aggregation graph: k below n - 1 must be even and >= 2");
  // ring[i]: the position at place i of the ring (an unbiased Fisher-Yates shuffle).
  CryptoRandom random(seed);
  std::vector<uint32_t> ring(n);
  std::iota(ring.begin(), ring.end(), 0u);
  for (uint32_t i = n - 1; i > 0; --i) std::swap(ring[i], ring[random.Uniform(i + 1)]);
  const uint32_t half = k / 2;
  for (uint32_t i = 0; i < n; ++i) {
    auto& list = out[ring[i]];
    for (uint32_t d = 1; d <= half; ++d) {
      list.push_back(ring[(i + d) % n]);
      list.push_back(ring[(i + n - d) % n]);
    }
    std::sort(list.begin(), list.end());
  }
  return out;
}

}  // namespace zhixuan

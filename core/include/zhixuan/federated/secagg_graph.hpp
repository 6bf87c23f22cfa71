// SecAgg+'s communication graph (Bell, Bonawitz, Gascon, Lepoint, Raykova, CCS 2020): each device
// masks pairwise, and shares its secrets, only with its k neighbours on a Harary graph H(k, n)
// laid over a public permutation of the cohort, instead of with all n - 1 others. The device's
// work and the server's unmasking grow with k ~ log n instead of n.
//
// The rule for k (SecAggDegree): the smallest even k such that, for n devices of which a fraction
// `dropout` may drop and a fraction `corruption` collude with the server, and t = floor((k+1)/2)+1
// share holders rebuild a secret (a strict majority of the k neighbours and the device):
//   1. privacy of each device's secrets: n P[Bin(k, corruption) >= t] <= 2^-security_bits
//      (the colluders hold fewer than t of any device's shares, so neither its self seed nor its
//      mask key can be rebuilt behind the protocol's back);
//   2. the sum stays one sum: n (dropout + corruption)^(k/2) <= 2^-security_bits. On the ring each
//      device links the k/2 nearest on either side; removing devices disconnects what remains
//      only if k/2 ring-consecutive devices are all removed (n starting places), and the
//      permutation is random to everyone, so the honest survivors' masks cancel only in the
//      sum over all of them, never over a part the server could read alone;
//   3. correctness: n P[Bin(k, dropout) > k - t] <= 2^-correctness_bits (every device's secret
//      keeps t holders who answer the unmasking).
// When that k reaches n - 1 the graph is complete (plain Bonawitz et al.).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct SecAggGraphRule {
  double dropout = 0.1;          // fraction of the cohort that may drop during a round
  double corruption = 0.1;       // fraction that may collude with the server
  uint32_t security_bits = 40;   // conditions 1 and 2 fail with probability <= 2^-this
  uint32_t correctness_bits = 20;
};

// k for a cohort of n (n - 1 when the graph must be complete). InvalidArgument for rates outside
// [0, 1) or dropout + corruption >= 1 (no k is enough) or n < 2.
StatusOr<uint32_t> SecAggDegree(uint32_t cohort, const SecAggGraphRule& rule);

// Share holders needed to rebuild a device's secret with k neighbours: floor((k+1)/2) + 1.
uint32_t SecAggNeighbourhoodThreshold(uint32_t neighbours);

// The neighbours of every position 0..n-1 (positions in the cohort's member list sorted by index),
// sorted: H(k, n) over the ring order given by a Fisher-Yates shuffle driven by ChaCha20(seed).
// k >= n - 1 gives the complete graph; an odd k < n - 1 is an InvalidArgument.
StatusOr<std::vector<std::vector<uint32_t>>> SecAggNeighbours(uint32_t cohort, uint32_t neighbours,
                                                              const std::array<uint8_t, 32>& seed);

}  // namespace zhixuan

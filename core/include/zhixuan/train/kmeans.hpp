// K-means (k-means++ seeding, Lloyd iterations) over training user vectors: the centroids
// ship in the bundle as `segment_centroids` [S, d] so the device can name a profile's segment.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct KMeansResult {
  int clusters = 0;
  std::vector<float> centroids;      // clusters x dim, row-major
  std::vector<int32_t> assignment;   // nearest centroid of each point
  double inertia = 0;                // sum of squared distances to the assigned centroid
};

// `points` is n x dim row-major. k is clipped to n. Deterministic for a seed.
StatusOr<KMeansResult> KMeans(const float* points, int64_t n, int dim, int k, int iterations = 25, uint32_t seed = 1234,
                              int threads = 0);

}  // namespace zhixuan

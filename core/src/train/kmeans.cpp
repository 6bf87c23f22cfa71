#include "zhixuan/train/kmeans.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "zhixuan/base/parallel.hpp"
#include "zhixuan/base/seeded_random.hpp"

namespace zhixuan {
namespace {

double SquaredDistance(const float* a, const float* b, int d) {
  double s = 0;
  for (int j = 0; j < d; ++j) {
    const double t = static_cast<double>(a[j]) - b[j];
    s += t * t;
  }
  return s;
}

}  // namespace

StatusOr<KMeansResult> KMeans(const float* points, int64_t n, int dim, int k, int iterations, uint32_t seed, int threads) {
  if (n <= 0) return InvalidArgument("k-means needs at least one point");
  if (dim <= 0 || k <= 0 || iterations < 0) return InvalidArgument("k-means needs dim > 0, k > 0 and iterations >= 0");
  for (int64_t i = 0; i < n * dim; ++i)
    if (!std::isfinite(points[i])) return InvalidArgument("k-means point " + std::to_string(i / dim) + " contains NaN or Inf");
  KMeansResult r;
  r.clusters = static_cast<int>(std::min<int64_t>(k, n));
  const int s = r.clusters;
  r.centroids.resize(static_cast<size_t>(s) * dim);
  SeededRandom rng(seed);
  // k-means++: each next seed drawn with probability proportional to its squared distance.
  std::vector<double> nearest(static_cast<size_t>(n), std::numeric_limits<double>::infinity());
  int64_t pick = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(n)));
  for (int c = 0; c < s; ++c) {
    std::copy(points + pick * dim, points + (pick + 1) * dim, r.centroids.begin() + static_cast<int64_t>(c) * dim);
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      nearest[i] = std::min(nearest[i], SquaredDistance(points + i * dim, r.centroids.data() + static_cast<int64_t>(c) * dim, dim));
      total += nearest[i];
    }
    if (total <= 0) {  // all remaining points coincide with seeds: any point will do
      pick = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(n)));
      continue;
    }
    double u = rng.Uniform() * total;
    pick = n - 1;
    for (int64_t i = 0; i < n; ++i) {
      u -= nearest[i];
      if (u < 0) {
        pick = i;
        break;
      }
    }
  }
  r.assignment.assign(static_cast<size_t>(n), 0);
  std::vector<double> distance(static_cast<size_t>(n), 0);
  for (int it = 0; it <= iterations; ++it) {
    ParallelFor(0, n, threads, [&](int64_t i, int) {
      double best = std::numeric_limits<double>::infinity();
      for (int c = 0; c < s; ++c) {
        const double dist = SquaredDistance(points + i * dim, r.centroids.data() + static_cast<int64_t>(c) * dim, dim);
        if (dist < best) {
          best = dist;
          r.assignment[i] = c;
        }
      }
      distance[i] = best;
    }, 256);
    r.inertia = 0;
    for (double dist : distance) r.inertia += dist;
    if (it == iterations) break;
    std::vector<double> sum(static_cast<size_t>(s) * dim, 0);
    std::vector<int64_t> count(static_cast<size_t>(s), 0);
    for (int64_t i = 0; i < n; ++i) {
      ++count[r.assignment[i]];
      for (int j = 0; j < dim; ++j) sum[static_cast<int64_t>(r.assignment[i]) * dim + j] += points[i * dim + j];
    }
    bool moved = false;
    for (int c = 0; c < s; ++c) {
      float* centroid = r.centroids.data() + static_cast<int64_t>(c) * dim;
      if (count[c] == 0) {
        // An empty cluster takes the point farthest from its centroid.
        const int64_t far = std::max_element(distance.begin(), distance.end()) - distance.begin();
        std::copy(points + far * dim, points + (far + 1) * dim, centroid);
        distance[far] = 0;
        moved = true;
        continue;
      }
      for (int j = 0; j < dim; ++j) {
        const float v = static_cast<float>(sum[static_cast<int64_t>(c) * dim + j] / count[c]);
        moved |= v != centroid[j];
        centroid[j] = v;
      }
    }
    if (!moved) break;
  }
  return r;
}

}  // namespace zhixuan

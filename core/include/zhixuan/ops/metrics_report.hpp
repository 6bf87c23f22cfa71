// What one device reports for one UTC day: a dense vector over a FIXED cell layout that every
// device derives from the same experiments file, so the set of cells reveals nothing (a device
// sends zeros where it saw nothing) and the vectors can be summed as they are: by the server
// now (each device noised locally), by secure aggregation later (same vector, same layout).
//
// Layout (MetricsLayout): for each experiment in file order (the holdout pseudo-experiment
// first when there is one), each variant, each slot of the experiment (its own "slots", else the
// file's) then "other", each channel of the file then "other": one cell.
// Per cell kReportValues doubles, in this order:
//    0 users        1 impressions   2 clicks   3 carts   4 purchases   5 revenue
//    6 impressions^2   7 clicks^2   8 carts^2   9 purchases^2   10 revenue^2
//   11 clicks*impressions   12 purchases*clicks
// (sums over devices of these give means, variances and the delta-method covariances of CTR,
// CVR and revenue per user). Counts are clipped to kMetricBounds before squaring.
//
// Privacy (local Gaussian mechanism until secure aggregation exists): each coordinate j is
// divided by its bound b_j, so one device-day is a vector in [0,1]^(13 * cells) with at most
// max_cells nonzero cells (the cells with the most impressions are kept, the rest zeroed): its L2
// sensitivity is sqrt(13 * max_cells). Noise N(0, (z * sqrt(13 * max_cells) * b_j)^2) on every
// coordinate, z = the file's metrics.noise_multiplier: one Gaussian release with noise multiplier
// z, charged to the device's privacy ledger (federated/accountant.hpp, q = 1). Adjacency: the
// day's vector against the all-zero vector (zero-out, the convention of the federated rounds);
// against replacing one device-day by any other the L2 distance can reach sqrt(2 * 13 * max_cells),
// i.e. the effective multiplier is z / sqrt(2). The host adds the
// noise (from a CSPRNG); this file gives the clipped values and the per-coordinate stddev.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/ops/attribution.hpp"
#include "zhixuan/ops/experiments.hpp"

namespace zhixuan {

constexpr int kReportValues = 13;
constexpr size_t kMaxReportCells = 20000;
inline constexpr const char* kOtherCell = "other";

struct MetricBounds {  // per device, cell and day
  double impressions = 200, clicks = 20, carts = 10, purchases = 5, revenue = 2000;
};
inline constexpr MetricBounds kMetricBounds{};

// The bound of each of the 13 coordinates (b_j above).
std::array<double, kReportValues> CoordinateBounds();

StatusOr<std::vector<CellKey>> MetricsLayout(const ExperimentSet& set);

struct MetricsReport {
  std::string experiments_version;
  int64_t day = 0;
  std::vector<CellKey> layout;
  std::vector<double> values;                  // layout.size() * kReportValues, clipped, not noised
  std::array<double, kReportValues> sigma{};   // noise stddev per coordinate, the same for every cell
  double noise_multiplier = 0, sensitivity = 0, delta = 0;
  int cells_dropped = 0;                       // nonzero cells beyond max_cells
};

// The day's clipped vector. Cells the layout does not have (an experiment no longer in the
// file) are dropped; an unknown slot or channel counts as "other".
StatusOr<MetricsReport> BuildMetricsReport(const ExperimentSet& set, int64_t day, const DayCells& cells);

// {"experiments_version", "day", "layout": [[experiment, variant, slot, channel], ...],
//  "values": [...], "sigma": [13], "noise_multiplier", "sensitivity", "delta"}
std::string MetricsReportToJson(const MetricsReport& report);

}  // namespace zhixuan

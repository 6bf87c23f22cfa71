#include "zhixuan/ops/metrics_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

namespace zhixuan {
namespace {

std::vector<std::string> WithOther(const std::vector<std::string>& names) {
  std::vector<std::string> out = names;
  if (std::find(out.begin(), out.end(), kOtherCell) == out.end()) out.push_back(kOtherCell);
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

std::array<double, kReportValues> CoordinateBounds() {
  const MetricBounds& b = kMetricBounds;
  return {1, b.impressions, b.clicks, b.carts, b.purchases, b.revenue,
          b.impressions * b.impressions, b.clicks * b.clicks, b.carts * b.carts, b.purchases * b.purchases, b.revenue * b.revenue,
          b.clicks * b.impressions, b.purchases * b.clicks};
}

StatusOr<std::vector<CellKey>> MetricsLayout(const ExperimentSet& set) {
  std::vector<CellKey> layout;
  const std::vector<std::string> channels = WithOther(set.channels);
  auto add = [&](const std::string& experiment, const std::vector<std::string>& variants, const std::vector<std::string>& slots) {
    for (const std::string& v : variants)
      for (const std::string& s : WithOther(slots))
        for (const std::string& c : channels) layout.push_back({experiment, v, s, c});
  };
  if (!set.holdout_salt.empty()) add(kHoldoutExperiment, {"holdout", "rest"}, set.slots);
  for (const Experiment& e : set.experiments) {
    std::vector<std::string> variants;
    for (const Variant& v : e.variants) variants.push_back(v.id);
    add(e.id, variants, e.slots.empty() ? set.slots : e.slots);
    if (layout.size() > kMaxReportCells)
      return Status(StatusCode::kTooLarge, "the metrics layout exceeds " + std::to_string(kMaxReportCells) + " cells");
  }
  return layout;
}

StatusOr<MetricsReport> BuildMetricsReport(const ExperimentSet& set, int64_t day, const DayCells& cells) {
  auto layout = MetricsLayout(set);
  if (!layout.ok()) return layout.status();
  MetricsReport r;
  r.experiments_version = set.version;
  r.day = day;
  r.layout = std::move(*layout);
  r.values.assign(r.layout.size() * kReportValues, 0.0);
  std::map<CellKey, size_t> index;
  for (size_t i = 0; i < r.layout.size(); ++i) index[r.layout[i]] = i;
  // Map to layout cells (unknown slot/channel -> "other"), merging what lands on one cell.
  std::map<size_t, CellCounts> mapped;
  for (const auto& [key, counts] : cells) {
    CellKey k = key;
    const Experiment* e = set.find(k.experiment);
    const std::vector<std::string>& slots = e && !e->slots.empty() ? e->slots : set.slots;
    if (!Has(slots, k.slot)) k.slot = kOtherCell;
    if (!Has(set.channels, k.channel)) k.channel = kOtherCell;
    auto it = index.find(k);
    if (it == index.end()) continue;
    CellCounts& m = mapped[it->second];
    m.users = std::max(m.users, counts.users);
    m.impressions += counts.impressions;
    m.clicks += counts.clicks;
    m.carts += counts.carts;
    m.purchases += counts.purchases;
    m.revenue += counts.revenue;
  }
  // Keep at most max_cells nonzero cells: those with the most impressions (then layout order).
  std::vector<std::pair<size_t, CellCounts>> kept(mapped.begin(), mapped.end());
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second.impressions > b.second.impressions; });
  const size_t max_cells = static_cast<size_t>(set.metrics.max_cells);
  if (kept.size() > max_cells) {
    r.cells_dropped = static_cast<int>(kept.size() - max_cells);
    kept.resize(max_cells);
  }
  const MetricBounds& b = kMetricBounds;
  for (const auto& [cell, c] : kept) {
    const double users = std::min(1.0, c.users);
    const double imp = std::min(b.impressions, c.impressions), clk = std::min(b.clicks, c.clicks), cart = std::min(b.carts, c.carts);
    const double pur = std::min(b.purchases, c.purchases), rev = std::min(b.revenue, c.revenue);
    double* v = &r.values[cell * kReportValues];
    const double row[kReportValues] = {users, imp, clk, cart, pur, rev, imp * imp, clk * clk, cart * cart, pur * pur, rev * rev, clk * imp, pur * clk};
    std::copy(row, row + kReportValues, v);
  }
  r.noise_multiplier = set.metrics.noise_multiplier;
  r.delta = set.metrics.delta;
  r.sensitivity = std::sqrt(static_cast<double>(kReportValues) * set.metrics.max_cells);
  const auto bounds = CoordinateBounds();
  for (int j = 0; j < kReportValues; ++j) r.sigma[j] = r.noise_multiplier * r.sensitivity * bounds[j];
  return r;
}

std::string MetricsReportToJson(const MetricsReport& r) {
  nlohmann::json layout = nlohmann::json::array();
  for (const CellKey& k : r.layout) layout.push_back({k.experiment, k.variant, k.slot, k.channel});
  nlohmann::json out = {{"experiments_version", r.experiments_version}, {"day", r.day}, {"layout", layout},
                        {"values", r.values}, {"sigma", r.sigma}, {"noise_multiplier", r.noise_multiplier},
                        {"sensitivity", r.sensitivity}, {"delta", r.delta}, {"cells_dropped", r.cells_dropped}};
  return out.dump();
}

}  // namespace zhixuan

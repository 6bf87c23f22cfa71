#include "zhixuan/ops/slot_priors.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "zhixuan/ops/arm_posterior.hpp"
#include "zhixuan/ops/slots_config.hpp"

namespace zhixuan {
namespace {

using nlohmann::json;

Status BadStats(const std::string& what) { return {StatusCode::kMalformedData, "slot stats: " + what}; }

bool NonNegative(const json& v) { return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0; }

}  // namespace

StatusOr<std::string> FoldSlotStats(std::string_view experiments_json, std::string_view stats_json) {
  auto config = ParseSlotsConfig(experiments_json);
  if (!config.ok()) return config.status();
  json file = json::parse(experiments_json.begin(), experiments_json.end(), nullptr, false);
  const json stats = json::parse(stats_json.begin(), stats_json.end(), nullptr, false);
  if (stats.is_discarded() || !stats.is_object() || !stats.contains("slots") || !stats["slots"].is_array())
    return BadStats("must be an object with a 'slots' array");
  for (const json& slot_stats : stats["slots"]) {
    if (!slot_stats.is_object() || !slot_stats.contains("slot") || !slot_stats["slot"].is_string() || !slot_stats.contains("arms") ||
        !slot_stats["arms"].is_array())
      return BadStats("each slot needs 'slot' and 'arms'");
    const std::string name = slot_stats["slot"].get<std::string>();
    const SlotSpec* spec = config->find(name);
    if (!spec) return Status(StatusCode::kUnknownSlot, "slot stats: no slot '" + name + "' in the experiments file");
    if (spec->model == BanditModel::kLinear) continue;
    size_t slot_index = 0;
    while (config->slots[slot_index].slot != name) ++slot_index;
    json& slot_file = file["bandits"]["slots"][slot_index];
    for (const json& arm_stats : slot_stats["arms"]) {
      if (!arm_stats.is_object() || !arm_stats.contains("id") || !arm_stats["id"].is_string()) return BadStats("each arm needs an 'id'");
      size_t a = 0;
      while (a < spec->arms.size() && spec->arms[a].id != arm_stats["id"].get<std::string>()) ++a;
      if (a == spec->arms.size() || !arm_stats.contains("cells")) continue;
      if (!arm_stats["cells"].is_array()) return BadStats("'cells' must be an array");
      for (const json& c : arm_stats["cells"]) {
        if (!c.is_object() || !c.contains("cell") || !c["cell"].is_string() || !NonNegative(c.value("n", json())) ||
            !NonNegative(c.value("sum", json())) || !NonNegative(c.value("sumSq", json(0.0))))
          return BadStats(name + "." + spec->arms[a].id + ": a cell needs 'cell' and n, sum, sumSq >= 0");
        const std::string cell = c["cell"].get<std::string>();
        ArmStats s{c["n"].get<double>(), c["sum"].get<double>(), c.value("sumSq", 0.0)};
        if (s.n == 0) continue;
        const ArmPrior& prior = spec->arms[a].PriorFor(cell);
        json updated;
        if (spec->model == BanditModel::kBeta || spec->model == BanditModel::kFunnel) {
          // sum may exceed n: the click model weighs a low position's renders below 1 (click_model.hpp)
          updated = {{"alpha", prior.alpha + s.sum}, {"beta", prior.beta + std::max(0.0, s.n - s.sum)}};
        } else {
          const NormalPosterior q = NormalInverseGamma(prior, s);
          updated = {{"mean", q.mean}, {"kappa", q.kappa}, {"shape", q.shape}, {"scale", q.scale}};
        }
        slot_file["arms"][a]["cell_priors"][cell] = updated;
      }
      if (spec->model == BanditModel::kFunnel && arm_stats.contains("value")) {
        // What a click is worth is the arm's (pooled over cells): its prior takes the sums.
        const json& v = arm_stats["value"];
        if (!v.is_object() || !NonNegative(v.value("clicks", json())) || !NonNegative(v.value("purchases", json())) ||
            !NonNegative(v.value("sum", json())) || !NonNegative(v.value("sumSq", json(0.0))))
          return BadStats(name + "." + spec->arms[a].id + ": 'value' needs clicks, purchases, sum, sumSq >= 0");
        const ArmPrior& prior = spec->arms[a].prior;
        const double clicks = v["clicks"].get<double>(), purchases = v["purchases"].get<double>();
        const NormalPosterior q = NormalInverseGamma(prior, ArmStats{purchases, v["sum"].get<double>(), v.value("sumSq", 0.0)});
        slot_file["arms"][a]["prior"] = {{"alpha", prior.alpha}, {"beta", prior.beta},
                                         {"conversion_alpha", prior.conversion_alpha + purchases},
                                         {"conversion_beta", prior.conversion_beta + std::max(0.0, clicks - purchases)},
                                         {"mean", q.mean}, {"kappa", q.kappa}, {"shape", q.shape}, {"scale", q.scale}};
      }
    }
  }
  return file.dump();
}

}  // namespace zhixuan

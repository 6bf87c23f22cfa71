// The slots the device's bandits fill, declared under "bandits" in the experiments file the
// server ships (experiments.hpp; the same file, validated separately):
//
//   "bandits": {
//     "channels": ["web", "mini-program", "app"],   the context's channel vocabulary (linear model)
//     "segments": ["考研", "职场"],                  the context's segment vocabulary (linear model)
//     "slots": [{
//       "slot": "banner",                           required, 1..128 bytes, unique
//       "model": "beta",                            beta | gaussian | lognormal | funnel | linear
//       "reward": "click",                          click | cart | purchase (0/1) | revenue (amount)
//       "delay_window_seconds": 3600,               60 .. 30 days (default 3600): how long a render waits
//       "exploration": 0.05,                        [0, 0.5]: uniform share mixed in (default 0.05)
//       "samples": 500,                             10 .. 10000 posterior draws per choice (default 500)
//       "split_by": ["channel"],                    beta/gaussian/lognormal: a posterior per arm and
//                                                   value of these context keys (channel, device, segment)
//       "examination": [1, 0.7, 0.5],               the click model's P(examined | position), (0, 1]
//       "max_reward": 10000,                        revenue above it is clamped (default 1e6)
//       "conversion_pooling": 50,                   funnel: each arm's conversion borrows this many
//                                                   clicks at the slot's pooled conversion (default 0;
//                                                   arm_posterior.hpp)
//       "prior": {...},                             the model's prior, for every arm (see below)
//       "arms": [{"id": "personal", "strategy": "personal", "prior": {...}},
//                {"id": "promo-py101", "strategy": "promoted", "item": "py-101"},
//                {"id": "ds-201", "item": "ds-201",
//                 "cell_priors": {"web": {...}}}]}]}      2 .. 64 arms, ids unique; cell_priors: the
//                                                   prior of one split_by cell (slot_priors.hpp writes them)
//
// Strategies: personal, popular, new, long_tail, promoted, also_bought, cold_start, interests;
// any other name is UNKNOWN_STRATEGY. An arm names a strategy, an item, or both.
// Priors: beta {"alpha": 1, "beta": 1} (> 0); gaussian and lognormal (normal-inverse-gamma on
// the reward, resp. on log(1 + amount)) {"mean": 0, "kappa": 1, "shape": 1, "scale": 1};
// linear {"lambda": 1, "noise": 0.5} (ridge strength, the reward noise's scale); funnel (revenue
// as P(click) x P(purchase | click) x amount, arm_posterior.hpp): {"alpha", "beta"} for the click
// rate (per cell; a cell_prior holds only these), {"conversion_alpha": 1, "conversion_beta": 1}
// and {"mean", "kappa", "shape", "scale"} for the conversion and the amount of a purchase (per
// arm, pooled over the cells; "mean": the catalog's typical price is a fair start). The server
// raises a prior's counts to pass what every device learned (posterior stats, slot_bandit.hpp).
// Other syntax, type or range errors: MALFORMED_EXPERIMENTS naming the slot and the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr size_t kMaxBanditArms = 64;
constexpr size_t kMaxBanditSlots = 256;
constexpr size_t kMaxExaminationPositions = 100;

enum class BanditModel { kBeta, kGaussian, kLogNormal, kFunnel, kLinear };
enum class RewardKind { kClick, kCart, kPurchase, kRevenue };

const char* BanditModelName(BanditModel m);
const char* RewardKindName(RewardKind r);

struct ArmPrior {
  double alpha = 1, beta = 1;                          // beta
  double mean = 0, kappa = 1, shape = 1, scale = 1;    // gaussian, lognormal
  double lambda = 1, noise = 0.5;                      // linear
  double conversion_alpha = 1, conversion_beta = 1;    // funnel: P(purchase | click)
  // funnel: alpha, beta (click rate), conversion_*, and mean, kappa, shape, scale (the amount)
};

struct BanditArm {
  std::string id, strategy, item;  // strategy and/or item
  ArmPrior prior;
  std::map<std::string, ArmPrior> cell_priors;  // by split_by cell ("web", "web|mobile")

  const ArmPrior& PriorFor(const std::string& cell) const {
    const auto it = cell_priors.find(cell);
    return it == cell_priors.end() ? prior : it->second;
  }
};

struct SlotSpec {
  std::string slot;
  BanditModel model = BanditModel::kBeta;
  RewardKind reward = RewardKind::kClick;
  int64_t delay_window_s = 3600;
  double exploration = 0.05;
  int samples = 500;
  std::vector<std::string> split_by;   // context keys
  std::vector<double> examination;     // per position; empty: every position examined
  double max_reward = 1e6;
  double conversion_pooling = 0;       // funnel: pseudo-clicks at the slot's pooled conversion
  std::vector<BanditArm> arms;

  bool binary() const { return reward != RewardKind::kRevenue; }
  // P(examined) at a 0-based position (the last entry for positions beyond the list).
  double Examination(int position) const;
};

struct SlotsConfig {
  std::vector<std::string> channels, segments;
  std::vector<SlotSpec> slots;
  const SlotSpec* find(std::string_view slot) const;
};

// The "bandits" member of an experiments file (a file without it: no slots). Named errors:
// UNKNOWN_STRATEGY, MALFORMED_EXPERIMENTS, TOO_LARGE.
StatusOr<SlotsConfig> ParseSlotsConfig(std::string_view experiments_json);

bool IsKnownStrategy(std::string_view name);

}  // namespace zhixuan

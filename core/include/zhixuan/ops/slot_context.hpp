// The context a slot's bandit reads at each render (documented, fixed order, so the server's
// priors and every device agree on what a coefficient means):
//
//   channel   a string ("web", "mini-program", ...), one-hot over the config's `channels` + "other"
//   hour      local hour 0..23 (-1: unknown), as sin and cos of the day's angle (23h is next to 0h)
//   device    "mobile" | "desktop" | "tablet" | anything else ("other"), one-hot
//   segment   a string, one-hot over the config's `segments` + "other"
//   score     the recommender's score for the candidate in [-10, 10] (clamped): per arm when
//             `arm_scores` is given (one per arm), else `score` for every arm
//
// The linear model's feature vector is [1, channel..., sin, cos, device..., segment..., score];
// the Beta and normal models read only the keys in the slot's `split_by` (one posterior per value).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "zhixuan/base/status.hpp"
#include "zhixuan/ops/slots_config.hpp"

namespace zhixuan {

struct SlotContext {
  std::string channel, device, segment;
  int hour = -1;
  double score = 0;
  std::vector<double> arm_scores;  // empty, or one per arm of the slot
  int position = 0;                // 0-based position of the slot on the page (the click model's)
};

// INVALID_ARGUMENT for an hour outside -1..23, a non-finite score, a position outside 0..999,
// or arm_scores that do not match the arms.
Status CheckSlotContext(const SlotSpec& spec, const SlotContext& context);

int SlotFeatureDim(const SlotsConfig& config);
Eigen::VectorXd SlotFeatures(const SlotsConfig& config, const SlotContext& context, double arm_score);

// The split_by values joined ("web|mobile"); "" when the slot does not split.
std::string SlotCell(const SlotSpec& spec, const SlotContext& context);

}  // namespace zhixuan

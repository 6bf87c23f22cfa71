// Position bias: the position-based click model (PBM; Richardson et al. 2007, used for bandits
// by Lagree et al. 2016). A render at position k is examined with probability theta_k (the
// slot's `examination`, estimated by the server, e.g. from randomized swaps) and clicked when
// examined with the arm's attractiveness p: P(click) = theta_k * p. The bandits learn p with
// the PBM estimate p_hat = clicks / sum(theta) over the arm's renders: each render enters the
// posterior's statistics with weight theta_k and reward r / theta_k (so n += theta_k, sum += r).
// A low rail's silence then weighs less than the banner's, and arms compare by attractiveness
// wherever they were shown. Revenue rewards are not reweighted (weight 1).
#pragma once

#include "zhixuan/ops/slots_config.hpp"

namespace zhixuan {

struct WeightedReward {
  double reward, weight;
};

WeightedReward ExaminationWeighted(const SlotSpec& spec, int position, double reward);

}  // namespace zhixuan

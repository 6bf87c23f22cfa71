// Position bias: the position-based click model (PBM; Richardson et al. 2007, used for bandits
// by Lagrée et al. 2016). A render at position k is examined with probability theta_k (the
// slot's `examination`, estimated by the server, e.g. from randomized swaps) and clicked when
// examined with the arm's attractiveness p: P(click) = theta_k * p. The bandits learn p:
//   a click counts as one success (weight 1);
//   a render without a click counts as theta_k of a failure (an unexamined render says nothing).
// So a low rail's silence does not drag an arm down as much as the banner's, and arms compare by
// attractiveness wherever they were shown. Revenue rewards are not reweighted (weight 1).
#pragma once

#include "zhixuan/ops/slots_config.hpp"

namespace zhixuan {

double ObservationWeight(const SlotSpec& spec, int position, double reward);

}  // namespace zhixuan

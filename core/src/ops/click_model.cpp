#include "zhixuan/ops/click_model.hpp"

namespace zhixuan {

WeightedReward ExaminationWeighted(const SlotSpec& spec, int position, double reward) {
  if (!spec.binary()) return {reward, 1.0};
  const double theta = spec.Examination(position);
  return {reward / theta, theta};
}

}  // namespace zhixuan

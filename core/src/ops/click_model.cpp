#include "zhixuan/ops/click_model.hpp"

namespace zhixuan {

double ObservationWeight(const SlotSpec& spec, int position, double reward) {
  if (!spec.binary() || reward > 0) return 1.0;
  return spec.Examination(position);
}

}  // namespace zhixuan

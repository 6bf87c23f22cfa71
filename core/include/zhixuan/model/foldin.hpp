// Implicit-ALS fold-in: the user vector that minimizes, with item rows v_i fixed,
//   sum_{i in history} c_i (1 - x.v_i)^2 + w0 * sum_{i not in history} (x.v_i)^2 + lambda_u |x|^2
// with c_i = 1 + alpha * weight_i. Closed form:
//   (w0 G + sum_i (c_i - w0) v_i v_i^T + lambda_u I) x = sum_i c_i v_i,   G = V^T V,
//   lambda_u = reg * (n_u + w0 * N)^reg_exponent.
// Training solves the same system for every user, so server and device agree.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct FoldInInput {
  const int32_t* rows = nullptr;    // history items (row indices)
  const float* weights = nullptr;   // per-item weight (null: all 1); negative lowers confidence
  int64_t count = 0;
};

// Solves the system exactly (Cholesky). `gram` is d*d. Items whose confidence
// falls to <= 0 are treated as unobserved. An empty history gives the zero vector.
StatusOr<std::vector<float>> FoldIn(const ItemMatrix& items, const std::vector<float>& gram,
                                    const FoldInParams& params, const FoldInInput& input);

}  // namespace zhixuan

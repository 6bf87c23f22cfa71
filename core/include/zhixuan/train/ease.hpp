// EASE (Steck, WWW 2019), the reference baseline of EVALUATION.md: a closed-form item-item
// model B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1, diag(B) = 0. Only for
// evaluation: the N x N inverse is fine natively for catalogs of a few thousand items.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/train/eval.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr int32_t kMaxEaseItems = 30000;

// Top-k for every test user of the split (history excluded), scores x_u B.
StatusOr<Rankings> EaseRankings(const EvalSplit& split, float lambda, int k, int threads);

}  // namespace zhixuan

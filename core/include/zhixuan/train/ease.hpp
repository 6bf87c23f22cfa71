// EASE (Steck, WWW 2019), the reference baseline of EVALUATION.md: a closed-form item-item
// model B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1, diag(B) = 0. Only for
// evaluation: the N x N inverse is fine natively for catalogs of a few thousand items.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "zhixuan/train/eval.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr int32_t kMaxEaseItems = 30000;

// Top-k for every test user of the split (history excluded), scores x_u B.
StatusOr<Rankings> EaseRankings(const EvalSplit& split, float lambda, int k, int threads);

// EASE for many lambdas on one split (tuning lambda): one eigendecomposition of the smaller
// Gram matrix, after which each lambda costs O(r n) per test user, r = min(users, items),
// instead of a new n x n factorization. With W (r x n) and D = diag(1 / (sigma_k + lambda)):
//   items <= users: X^T X = V S V^T, W = V^T:  P = W^T D W,  score_j = -(P x)_j / P_jj;
//   users <  items (Woodbury): X X^T = U S U^T, W = U^T X:  lambda P = I - W^T D W,
//                               score_j = (W^T D W x)_j / (1 - (W^T D W)_jj)  for j not in x.
// The same rankings as EaseRankings up to rounding.
class EaseLambdaPath {
 public:
  // kTooLarge when r exceeds kMaxEasePathRank or r x n exceeds kMaxEasePathEntries.
  static StatusOr<EaseLambdaPath> Create(const EvalSplit& split);
  StatusOr<Rankings> Rank(double lambda, int k, int threads) const;
  // Seconds the eigensolver of Create takes here on an r x r Gram matrix of random 0/1 rows (a
  // probe to predict Create's time, about cubic in r).
  static double ProbeSeconds(int r);

 private:
  bool dual_ = false;                 // the Woodbury form (fewer users than items)
  Eigen::VectorXd sigma_;             // eigenvalues (r)
  Eigen::MatrixXf w_;                 // r x n
  Eigen::MatrixXf w_squared_;         // r x n, entries of w_ squared (the diagonal of W^T D W)
  Eigen::MatrixXf wx_;                // r x test users: W x_u
  SparseMatrix history_;
};

constexpr int32_t kMaxEasePathRank = 4000;
constexpr int64_t kMaxEasePathEntries = 40'000'000;

}  // namespace zhixuan

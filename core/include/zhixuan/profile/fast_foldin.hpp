// Incremental implicit-ALS fold-in: the same objective as foldin.hpp, kept up to date
// one item at a time. It holds
//   A = w0 G + sum_{observed i} (c_i - w0) v_i v_i^T + lambda_u I,   b = sum_{observed i} c_i v_i
// and the Cholesky factor L (A = L L^T). Changing one item's confidence is a rank-1 change of A,
// applied to L directly in O(d^2) (update for a positive change, downdate for a negative one);
// a failed downdate, a change of lambda_u (reg_exponent != 0), or every kRefactorEvery updates
// (to bound rounding drift) refactors A from scratch in O(d^3/6). Everything is in double, so the
// result matches the exact float solve of FoldIn to float rounding. w0 G joins A at the first
// factorization (GramOf): opening a profile, or one without events, never computes a gram that
// the bundle did not ship.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/item_matrix.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

class IncrementalFoldIn {
 public:
  static constexpr int kRefactorEvery = 256;

  IncrementalFoldIn() = default;
  // `model` must outlive this object (it is the Recommender's).
  static StatusOr<IncrementalFoldIn> Create(const Model* model, FoldInParams params);

  // Sets the (aggregated, decayed) weight of one history row: confidence c = 1 + alpha * weight;
  // c <= 0 makes the row unobserved, exactly as FoldIn does.
  Status SetWeight(int32_t row, double weight);
  // Drops every observed row (back to the empty history).
  void Clear();
  // Rebuilds from a whole history at once (rows unique), e.g. after the decay clock ticked.
  Status Reset(const int32_t* rows, const double* weights, int64_t count);

  // The user vector (dim floats); zero for an empty history, like FoldIn.
  StatusOr<std::vector<float>> Solve();
  // For explanations: the part of <x, v_item> that each observed row contributes,
  // c_i * v_i^T A^{-1} v_item (these sum to <x, v_item>). Sorted by row.
  StatusOr<std::vector<std::pair<int32_t, double>>> Contributions(int32_t item_row);

  int dim() const { return dim_; }
  int64_t observed_count() const { return static_cast<int64_t>(confidence_.size()); }
  // Confidence of an observed row, 0 when unobserved.
  double confidence(int32_t row) const;
  // How many full refactorizations ran (benchmarks and tests look at it).
  int64_t refactor_count() const { return refactor_count_; }

 private:
  double Term(double confidence) const { return confidence > 0 ? confidence - params_.unobserved_weight : 0.0; }
  double CurrentReg() const;
  void RankOneA(const double* v, double delta);
  bool RankOneFactor(const double* v, double delta);  // false: downdate lost definiteness
  Status EnsureFactor();
  void SolveInPlace(double* rhs) const;  // rhs := A^{-1} rhs using L

  const Model* model_ = nullptr;
  const ItemMatrix* items_ = nullptr;
  FoldInParams params_;
  int dim_ = 0;
  std::vector<double> a_;   // d*d, symmetric, includes lambda_u I, and w0 G once gram_added_
  bool gram_added_ = false;
  std::vector<double> l_;   // d*d, column-major lower factor (column k at l_[k*d])
  std::vector<double> b_;
  double applied_reg_ = 0;
  bool factor_valid_ = false;
  int updates_since_refactor_ = 0;
  int64_t refactor_count_ = 0;
  std::unordered_map<int32_t, double> confidence_;  // observed rows only
  std::vector<double> scratch_, scratch2_;
};

}  // namespace zhixuan

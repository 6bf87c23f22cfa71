#include "zhixuan/train/ease.hpp"

#include <algorithm>

#include <Eigen/Dense>

#include "zhixuan/base/parallel.hpp"
#include "zhixuan/model/scoring.hpp"

namespace zhixuan {

StatusOr<Rankings> EaseRankings(const EvalSplit& split, float lambda, int k, int threads) {
  const SparseMatrix& x = split.train.by_user;
  const int32_t n = x.cols;
  if (n > kMaxEaseItems) return Status(StatusCode::kTooLarge, "EASE needs an items x items inverse; " + std::to_string(n) + " items is too many");
  if (!(lambda > 0)) return InvalidArgument("EASE lambda must be > 0");
  // G = X^T X + lambda I over binary positives.
  Eigen::MatrixXf g = Eigen::MatrixXf::Zero(n, n);
  std::vector<int32_t> items;
  for (int32_t u = 0; u < x.rows; ++u) {
    items.clear();
    for (int64_t e = x.offsets[u]; e < x.offsets[u + 1]; ++e)
      if (x.values[e] > 0) items.push_back(x.indices[e]);
    for (int32_t a : items)
      for (int32_t b : items) g(a, b) += 1.f;
  }
  g.diagonal().array() += lambda;
  Eigen::LLT<Eigen::MatrixXf, Eigen::Lower> llt(g);
  if (llt.info() != Eigen::Success) return Status(StatusCode::kInternal, "EASE Gram matrix is not positive definite");
  // diag(P) = squared column norms of L^-1. Column block [j0, j1) of L^-1 is zero above j0,
  // so each block solves only the trailing triangle; blocks run on the threads.
  const Eigen::MatrixXf l = llt.matrixL();
  Eigen::VectorXf diag_p = Eigen::VectorXf::Zero(n);
  constexpr int32_t kBlock = 256;
  const int32_t blocks = (n + kBlock - 1) / kBlock;
  ParallelFor(0, blocks, threads, [&](int64_t b, int) {
    const int32_t j0 = static_cast<int32_t>(b) * kBlock, width = std::min(kBlock, n - j0), rest = n - j0;
    Eigen::MatrixXf y = Eigen::MatrixXf::Zero(rest, width);
    for (int32_t c = 0; c < width; ++c) y(c, c) = 1.f;
    l.bottomRightCorner(rest, rest).triangularView<Eigen::Lower>().solveInPlace(y);
    diag_p.segment(j0, width) = y.colwise().squaredNorm().transpose();
  }, 1);
  // For an unseen item j: score_j = (x_u B)_j = -(P x_u)_j / P_jj.
  const SparseMatrix& h = split.history;
  Rankings out(static_cast<size_t>(h.rows));
  ParallelFor(0, h.rows, threads, [&](int64_t u, int) {
    Eigen::VectorXf xu = Eigen::VectorXf::Zero(n);
    std::vector<uint8_t> allowed(static_cast<size_t>(n), 1);
    for (int64_t e = h.offsets[u]; e < h.offsets[u + 1]; ++e) {
      xu[h.indices[e]] = 1.f;
      allowed[h.indices[e]] = 0;
    }
    const Eigen::VectorXf px = llt.solve(xu);
    const Eigen::VectorXf scores = -(px.array() / diag_p.array()).matrix();
    out[u] = SelectTopK(scores.data(), n, k, allowed.data()).rows;
  }, 4);
  return out;
}

}  // namespace zhixuan

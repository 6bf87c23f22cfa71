#include "zhixuan/train/ease.hpp"

#include <algorithm>
#include <chrono>

#include <Eigen/Dense>

#include "zhixuan/base/parallel.hpp"
#include "zhixuan/base/seeded_random.hpp"
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

namespace zhixuan {

StatusOr<EaseLambdaPath> EaseLambdaPath::Create(const EvalSplit& split) {
  const SparseMatrix& x = split.train.by_user;
  const int32_t m = x.rows, n = x.cols;
  EaseLambdaPath path;
  path.dual_ = m < n;
  const int32_t r = std::min(m, n);
  if (r > kMaxEasePathRank || static_cast<int64_t>(r) * n > kMaxEasePathEntries)
    return Status(StatusCode::kTooLarge, "EASE over " + std::to_string(m) + " users x " + std::to_string(n) +
                                             " items is too large to tune here");
  // Binary positives, as EaseRankings reads them.
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(m));
  for (int32_t u = 0; u < m; ++u)
    for (int64_t e = x.offsets[u]; e < x.offsets[u + 1]; ++e)
      if (x.values[e] > 0) rows[u].push_back(x.indices[e]);
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(r, r);
  if (path.dual_) {  // X X^T: shared items of two users
    std::vector<std::vector<int32_t>> users_of(static_cast<size_t>(n));
    for (int32_t u = 0; u < m; ++u)
      for (int32_t i : rows[u]) users_of[i].push_back(u);
    for (const auto& users : users_of)
      for (int32_t a : users)
        for (int32_t b : users) gram(a, b) += 1;
  } else {
    for (const auto& items : rows)
      for (int32_t a : items)
        for (int32_t b : items) gram(a, b) += 1;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
  if (eig.info() != Eigen::Success) return Status(StatusCode::kInternal, "EASE eigendecomposition failed");
  path.sigma_ = eig.eigenvalues().cwiseMax(0.0);
  if (path.dual_) {  // W = U^T X: column i sums the rows of U of i's users
    Eigen::MatrixXd w = Eigen::MatrixXd::Zero(r, n);
    const Eigen::MatrixXd& u_mat = eig.eigenvectors();
    for (int32_t u = 0; u < m; ++u)
      for (int32_t i : rows[u]) w.col(i) += u_mat.row(u).transpose();
    path.w_ = w.cast<float>();
  } else {
    path.w_ = eig.eigenvectors().transpose().cast<float>();
  }
  path.w_squared_ = path.w_.array().square().matrix();
  path.history_ = split.history;
  const SparseMatrix& h = split.history;  // W x per test user (x binary: a sum of columns)
  path.wx_ = Eigen::MatrixXf::Zero(r, h.rows);
  for (int32_t u = 0; u < h.rows; ++u)
    for (int64_t e = h.offsets[u]; e < h.offsets[u + 1]; ++e) path.wx_.col(u) += path.w_.col(h.indices[e]);
  return path;
}

double EaseLambdaPath::ProbeSeconds(int r) {
  SeededRandom rng(2019);
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(r, 2 * r);
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < 2 * r; ++j) b(i, j) = rng.Below(20) == 0 ? 1.0 : 0.0;
  const Eigen::MatrixXd gram = b * b.transpose();
  const auto start = std::chrono::steady_clock::now();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return eig.info() == Eigen::Success ? seconds : seconds * 2;
}

StatusOr<Rankings> EaseLambdaPath::Rank(double lambda, int k, int threads) const {
  if (!(lambda > 0)) return InvalidArgument("EASE lambda must be > 0");
  const int32_t n = static_cast<int32_t>(w_.cols());
  const Eigen::VectorXf d = (sigma_.array() + lambda).inverse().cast<float>().matrix();
  const Eigen::ArrayXf diag = (w_squared_.transpose() * d).array();  // (W^T D W)_jj
  const SparseMatrix& h = history_;
  Rankings out(static_cast<size_t>(h.rows));
  // W^T D W x for a block of users at once: one matrix product instead of a mat-vec per user.
  constexpr int32_t kBlock = 128;
  for (int32_t first = 0; first < h.rows; first += kBlock) {
    const int32_t count = std::min(kBlock, h.rows - first);
    const Eigen::MatrixXf dwx = d.asDiagonal() * wx_.middleCols(first, count);
    const Eigen::MatrixXf q = w_.transpose() * dwx;  // n x count
    ParallelFor(0, count, threads, [&](int64_t b, int) {
      const int32_t u = first + static_cast<int32_t>(b);
      std::vector<uint8_t> allowed(static_cast<size_t>(n), 1);
      for (int64_t e = h.offsets[u]; e < h.offsets[u + 1]; ++e) allowed[h.indices[e]] = 0;
      Eigen::VectorXf scores;
      if (dual_) scores = q.col(b).array() / (1.f - diag);
      else scores = -q.col(b).array() / diag;
      out[u] = SelectTopK(scores.data(), n, k, allowed.data()).rows;
    }, 4);
  }
  return out;
}

}  // namespace zhixuan

#include "zhixuan/train/train.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "zhixuan/train/kmeans.hpp"
#include "zhixuan/base/parallel.hpp"
#include "zhixuan/base/seeded_random.hpp"

namespace zhixuan {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct SideObjective {
  float reg = 0.1f;
  float alpha = 1.f;
  float w0 = 1.f;
  float nu = 0.f;
};

Eigen::MatrixXf Gram(const std::vector<float>& factors, int64_t rows, int d) {
  Eigen::Map<const RowMajor> f(factors.data(), rows, d);
  Eigen::MatrixXf g = Eigen::MatrixXf::Zero(d, d);
  g.selfadjointView<Eigen::Lower>().rankUpdate(f.transpose());
  g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
  return g;
}

// The same lambda foldin.cpp computes (same float arithmetic, so the systems match).
float RowLambda(const SideObjective& s, int64_t observed, int64_t other_rows) {
  const double n_total = static_cast<double>(observed) + s.w0 * static_cast<double>(other_rows);
  return s.reg * static_cast<float>(std::pow(n_total, s.nu));
}

// The observed entries of one row with positive confidence: their partner vectors as the
// rows of x and their confidences in c (entries whose confidence is <= 0 count as unobserved).
int64_t GatherObserved(const SparseMatrix& m, int64_t r, const std::vector<float>& other, int d,
                       const SideObjective& s, RowMajor* x, Eigen::VectorXf* c) {
  const int64_t begin = m.offsets[r], end = m.offsets[r + 1];
  int64_t n = 0;
  for (int64_t k = begin; k < end; ++k)
    if (1.f + s.alpha * m.values[k] > 0.f) ++n;
  x->resize(n, d);
  c->resize(n);
  int64_t row = 0;
  for (int64_t k = begin; k < end; ++k) {
    const float confidence = 1.f + s.alpha * m.values[k];
    if (confidence <= 0.f) continue;
    x->row(row) = Eigen::Map<const Eigen::RowVectorXf>(other.data() + static_cast<int64_t>(m.indices[k]) * d, d);
    (*c)[row] = confidence;
    ++row;
  }
  return n;
}

// Solves every row of `m` (rows x other) against the fixed `other` factors (other x d).
Status SolveSide(const SparseMatrix& m, const std::vector<float>& other, int d, const SideObjective& s, int threads,
                 std::vector<float>* out) {
  out->assign(static_cast<size_t>(m.rows) * d, 0.f);
  const Eigen::MatrixXf gram = Gram(other, m.cols, d);
  const int workers = threads <= 0 ? DefaultThreadCount() : threads;
  struct Scratch {
    RowMajor x, xw;
    Eigen::VectorXf c;
    Eigen::MatrixXf a;
  };
  std::vector<Scratch> scratch(static_cast<size_t>(workers));
  std::atomic<int64_t> failed_row{-1};
  ParallelFor(0, m.rows, workers, [&](int64_t r, int t) {
    Scratch& sc = scratch[t];
    const int64_t n = GatherObserved(m, r, other, d, s, &sc.x, &sc.c);
    if (n == 0) return;  // no positives: the zero vector, as in FoldIn
    sc.xw.resize(n, d);
    sc.xw = (sc.c.array() - s.w0).matrix().asDiagonal() * sc.x;
    sc.a = s.w0 * gram;
    sc.a.noalias() += sc.x.transpose() * sc.xw;
    sc.a.diagonal().array() += RowLambda(s, n, m.cols);
    const Eigen::VectorXf b = sc.x.transpose() * sc.c;
    Eigen::LLT<Eigen::MatrixXf, Eigen::Lower> llt(sc.a);
    if (llt.info() != Eigen::Success) {
      failed_row.store(r);
      return;
    }
    Eigen::Map<Eigen::VectorXf>(out->data() + r * d, d) = llt.solve(b);
  });
  if (failed_row.load() >= 0)
    return InvalidArgument("row " + std::to_string(failed_row.load()) + ": the ALS system is not positive definite (raise reg)");
  return Status::Ok();
}

// Conjugate-gradient steps on every row's system, warm-started from `out` (which holds the
// previous sweep's rows): A v = b with A = w0 G + X^T diag(c - w0) X + lambda I, b = X^T c.
void SolveSideCg(const SparseMatrix& m, const std::vector<float>& other, int d, const SideObjective& s, int threads,
                 int steps, std::vector<float>* out) {
  out->resize(static_cast<size_t>(m.rows) * d, 0.f);
  const Eigen::MatrixXf w0_gram = s.w0 * Gram(other, m.cols, d);  // once per half-step
  const int workers = threads <= 0 ? DefaultThreadCount() : threads;
  struct Scratch {
    RowMajor x;
    Eigen::VectorXf c, r, p, ap, xp;
  };
  std::vector<Scratch> scratch(static_cast<size_t>(workers));
  ParallelFor(0, m.rows, workers, [&](int64_t row_index, int t) {
    Scratch& sc = scratch[t];
    const int64_t n = GatherObserved(m, row_index, other, d, s, &sc.x, &sc.c);
    Eigen::Map<Eigen::VectorXf> v(out->data() + row_index * d, d);
    if (n == 0) {
      v.setZero();
      return;
    }
    const float lambda = RowLambda(s, n, m.cols);
    auto apply = [&](const Eigen::VectorXf& in, Eigen::VectorXf& result) {
      sc.xp.noalias() = sc.x * in;
      sc.xp.array() *= sc.c.array() - s.w0;
      result.noalias() = w0_gram * in;
      result.noalias() += sc.x.transpose() * sc.xp;
      result += lambda * in;
    };
    apply(v, sc.ap);
    sc.r.noalias() = sc.x.transpose() * sc.c;
    sc.r -= sc.ap;
    sc.p = sc.r;
    float rr = sc.r.squaredNorm();
    for (int step = 0; step < steps && rr > 1e-20f; ++step) {
      apply(sc.p, sc.ap);
      const float pap = sc.p.dot(sc.ap);
      if (!(pap > 0.f)) break;
      const float a = rr / pap;
      v += a * sc.p;
      sc.r -= a * sc.ap;
      const float rr_next = sc.r.squaredNorm();
      sc.p = sc.r + (rr_next / rr) * sc.p;
      rr = rr_next;
    }
  });
}

// Objective of one side's rows: sum_obs [c (1-p)^2 - w0 p^2] + w0 x^T G x + lambda |x|^2.
double SideLoss(const SparseMatrix& m, const std::vector<float>& mine, const std::vector<float>& other, int d,
                const SideObjective& s, bool include_reg) {
  const Eigen::MatrixXf gram = Gram(other, m.cols, d);
  double loss = 0;
  for (int32_t r = 0; r < m.rows; ++r) {
    Eigen::Map<const Eigen::VectorXf> x(mine.data() + static_cast<int64_t>(r) * d, d);
    int64_t n = 0;
    for (int64_t k = m.offsets[r]; k < m.offsets[r + 1]; ++k) {
      const float c = 1.f + s.alpha * m.values[k];
      if (c <= 0.f) continue;
      ++n;
      const double p = x.dot(Eigen::Map<const Eigen::VectorXf>(other.data() + static_cast<int64_t>(m.indices[k]) * d, d));
      loss += c * (1 - p) * (1 - p) - s.w0 * p * p;
    }
    loss += s.w0 * static_cast<double>(x.dot(gram * x));
    if (include_reg && n > 0) loss += RowLambda(s, n, m.cols) * static_cast<double>(x.squaredNorm());
  }
  return loss;
}

// One half-step: `out` holds the previous sweep's rows (CG starts from them).
Status SolveHalf(const SparseMatrix& m, const std::vector<float>& other, int d, const SideObjective& s, RowSolver solver,
                 const TrainParams& p, std::vector<float>* out) {
  if (solver == RowSolver::kCholesky) return SolveSide(m, other, d, s, p.threads, out);
  SolveSideCg(m, other, d, s, p.threads, p.cg_steps, out);
  return Status::Ok();
}

SideObjective UserSide(const FoldInParams& p) { return {p.reg, p.alpha, p.unobserved_weight, p.reg_exponent}; }

SideObjective ItemSide(const TrainParams& p) {
  SideObjective s = UserSide(p.foldin);
  if (p.item_reg >= 0) s.reg = p.item_reg;
  return s;
}

Status CheckParams(const SparseMatrix& by_user, const TrainParams& p) {
  if (p.dim <= 0 || p.dim > kMaxDim) return InvalidArgument("dim must be in 1.." + std::to_string(kMaxDim) + ", got " + std::to_string(p.dim));
  if (p.epochs < 1 || p.epochs > 10000) return InvalidArgument("epochs must be in 1..10000");
  const FoldInParams& f = p.foldin;
  for (float v : {f.reg, f.alpha, f.unobserved_weight, f.reg_exponent, p.init_scale})
    if (!std::isfinite(v) || v < 0) return InvalidArgument("reg, alpha, unobserved weight, reg exponent and init scale must be finite and >= 0");
  if (f.reg_exponent > 2) return InvalidArgument("reg exponent must be in 0..2");
  if (f.reg == 0 && f.unobserved_weight == 0) return InvalidArgument("reg or the unobserved weight must be > 0");
  if (!std::isfinite(p.item_reg)) return InvalidArgument("item reg must be finite");
  if (p.cg_steps < 1 || p.cg_steps > 1000) return InvalidArgument("cg steps must be in 1..1000");
  if (by_user.rows == 0 || by_user.cols == 0) return InvalidArgument("no users or no items to train on");
  for (float w : by_user.values)
    if (!std::isfinite(w)) return InvalidArgument("interaction weights must be finite");
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<float>> SolveUsers(const SparseMatrix& by_user, const std::vector<float>& item_factors, int dim,
                                        const FoldInParams& params, int threads) {
  if (dim <= 0 || static_cast<int64_t>(item_factors.size()) != static_cast<int64_t>(by_user.cols) * dim)
    return InvalidArgument("item factors must be items x dim");
  std::vector<float> users;
  ZX_RETURN_IF_ERROR(SolveSide(by_user, item_factors, dim, UserSide(params), threads, &users));
  return users;
}

RowSolver UserRowSolver(const TrainParams& p) {
  if (p.user_solver == UserSolver::kCholesky) return RowSolver::kCholesky;
  if (p.user_solver == UserSolver::kConjugateGradient) return RowSolver::kConjugateGradient;
  return p.dim >= kUserCgMinDim ? RowSolver::kConjugateGradient : RowSolver::kCholesky;
}

double ImplicitAlsLoss(const SparseMatrix& by_user, const TrainResult& f, const TrainParams& params) {
  // Data term once (from the user side), plus both sides' regularizers.
  const double user_part = SideLoss(by_user, f.user_factors, f.item_factors, f.dim, UserSide(params.foldin), true);
  const SideObjective items = ItemSide(params);
  const SparseMatrix by_item = by_user.Transposed();
  double item_reg = 0;
  for (int32_t i = 0; i < by_item.rows; ++i) {
    int64_t n = 0;
    for (int64_t k = by_item.offsets[i]; k < by_item.offsets[i + 1]; ++k)
      if (1.f + items.alpha * by_item.values[k] > 0.f) ++n;
    if (n == 0) continue;
    Eigen::Map<const Eigen::VectorXf> v(f.item_factors.data() + static_cast<int64_t>(i) * f.dim, f.dim);
    item_reg += RowLambda(items, n, by_item.cols) * static_cast<double>(v.squaredNorm());
  }
  return user_part + item_reg;
}

StatusOr<TrainResult> TrainImplicitAls(const SparseMatrix& by_user, const TrainParams& params) {
  ZX_RETURN_IF_ERROR(CheckParams(by_user, params));
  const int d = params.dim;
  const SparseMatrix by_item = by_user.Transposed();
  TrainResult result;
  result.dim = d;
  SeededRandom rng(params.seed);
  const double init_sd = params.init_scale / std::sqrt(static_cast<double>(d));
  result.user_factors.resize(static_cast<size_t>(by_user.rows) * d);
  for (float& v : result.user_factors) v = static_cast<float>(init_sd * rng.Normal());
  result.item_factors.assign(static_cast<size_t>(by_user.cols) * d, 0.f);
  const SideObjective user_side = UserSide(params.foldin);
  const SideObjective item_side = ItemSide(params);
  const RowSolver user_solver = UserRowSolver(params);
  for (int e = 1; e <= params.epochs; ++e) {
    const auto start = std::chrono::steady_clock::now();
    // Items first, users last: the returned user vectors are then the fold-in of each
    // training user on the final item rows (exactly, with the Cholesky user solver).
    ZX_RETURN_IF_ERROR(SolveHalf(by_item, result.user_factors, d, item_side, params.item_solver, params,
                                 &result.item_factors));
    ZX_RETURN_IF_ERROR(SolveHalf(by_user, result.item_factors, d, user_side, user_solver, params,
                                 &result.user_factors));
    EpochReport report;
    report.epoch = e;
    report.epochs = params.epochs;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.loss = params.compute_loss ? ImplicitAlsLoss(by_user, result, params) : std::numeric_limits<double>::quiet_NaN();
    result.epochs.push_back(report);
    report.item_factors = &result.item_factors;
    if (params.on_epoch) params.on_epoch(report);
  }
  return result;
}

StatusOr<Model> MakeTrainedModel(const InteractionMatrix& data, const TrainResult& result, const TrainParams& params,
                                 const BundleOptions& options) {
  const int d = result.dim;
  const SparseMatrix& x = data.by_user;
  if (static_cast<int64_t>(result.item_factors.size()) != static_cast<int64_t>(x.cols) * d ||
      static_cast<int64_t>(result.user_factors.size()) != static_cast<int64_t>(x.rows) * d)
    return InvalidArgument("trained factors do not match the interaction matrix");
  auto made = MakeModel(data.items.ids(), result.item_factors.data(), d, options.dtype, params.foldin, options.model_version);
  if (!made.ok()) return made.status();
  Model model = std::move(made).value();
  model.manifest.format_version = options.format_version;
  nlohmann::json manifest = nlohmann::json::object();
  manifest["training"] = {{"algorithm", "implicit-als"}, {"dim", d}, {"epochs", params.epochs},
                          {"item_reg", params.item_reg >= 0 ? params.item_reg : params.foldin.reg},
                          {"users", x.rows}, {"items", x.cols}, {"interactions", x.nnz()}, {"seed", params.seed}};
  model.manifest.json = manifest.dump();

  std::vector<float> popularity(static_cast<size_t>(x.cols), 0.f);
  double positives = 0;
  for (int64_t e = 0; e < x.nnz(); ++e)
    if (x.values[e] > 0) {
      popularity[x.indices[e]] += 1.f;
      positives += 1;
    }
  for (float& p : popularity) p = static_cast<float>(p / std::max(1.0, positives));
  model.extras["item_popularity"] = MakeF32Tensor({x.cols}, popularity.data());

  if (options.segments > 0) {
    auto km = KMeans(result.user_factors.data(), x.rows, d, options.segments, 25, params.seed, options.threads);
    if (!km.ok()) return km.status();
    model.extras["segment_centroids"] = MakeF32Tensor({km->clusters, d}, km->centroids.data());
  }
  if (options.also_bought.top_k > 0) {
    auto table = MineAlsoBought(x, options.also_bought, options.threads);
    if (!table.ok()) return table.status();
    AddAlsoBoughtExtras(*table, &model);
  }
  return model;
}

}  // namespace zhixuan

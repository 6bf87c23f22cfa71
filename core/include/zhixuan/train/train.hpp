// Implicit ALS training (Hu, Koren & Volinsky 2008; frequency-scaled regularization of
// Rendle et al., "iALS revisited", RecSys 2022). The user half-step solves, for every user,
// EXACTLY the system of foldin.hpp with the same FoldInParams, so a user folded in on the
// device from the shipped item rows gets the vector training would give them. The item
// half-step is the mirror image with its own lambda:
//   (w0 U^T U + sum_u (c_ui - w0) x_u x_u^T + lambda_i I) v_i = sum_u c_ui x_u,
//   lambda_i = item_reg * (n_i + w0 * M)^reg_exponent,   M = number of users.
// Both halves minimize one objective, so the loss never increases. Cholesky (LLT) per row,
// Gram matrix once per half-step, rows spread over threads with ParallelFor.
// Either half-step may use conjugate gradient instead (RowSolver): the user half-step does so
// above kUserCgMinDim by default, where d^3 per user dominates the epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "zhixuan/train/also_bought_mining.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/train/interactions.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct EpochReport {
  int epoch = 0;          // 1-based
  int epochs = 0;
  double seconds = 0;     // wall time of this epoch
  double loss = 0;        // objective after the epoch (NaN unless TrainParams::compute_loss)
  // The item rows after this epoch (items x dim), valid during the callback: exactly what a
  // run with `epochs = epoch` ships, so a tuner scores every epoch count from one run.
  const std::vector<float>* item_factors = nullptr;
};

// How a half-step solves its rows' systems. Conjugate gradient, warm-started from the previous
// sweep's rows (Takacs et al. 2011; the `implicit` library's default), costs O(steps * d^2)
// per row instead of O(d^3) and only ever lowers the objective. Training's user vectors are
// never shipped (the device folds in from the item rows, exactly), so the user half-step may
// approximate too; with Cholesky they equal the device fold-in up to rounding.
enum class RowSolver { kCholesky, kConjugateGradient };
using ItemSolver = RowSolver;
enum class UserSolver { kAuto, kCholesky, kConjugateGradient };  // kAuto: CG from kUserCgMinDim up
// From this dim on, the exact user solves (d^3 / 3 each) cost several times the CG ones and
// CG's validation NDCG matched theirs on Online Retail (bench/RESULTS.md, issue 18 fourth pass).
constexpr int kUserCgMinDim = 256;

struct TrainParams {
  int dim = 64;
  int epochs = 15;
  FoldInParams foldin;       // the user-side objective, shipped in the manifest for the device
  float item_reg = -1.f;     // lambda of the item side; < 0: the same as foldin.reg
  ItemSolver item_solver = ItemSolver::kConjugateGradient;
  UserSolver user_solver = UserSolver::kAuto;
  int cg_steps = 3;          // per row and half-step, both sides
  float init_scale = 0.1f;   // initial user entries: mean 0, sd init_scale / sqrt(dim) (SeededRandom)
  uint32_t seed = 42;
  int threads = 0;           // 0: all cores
  bool compute_loss = false; // costs about one extra pass over the data per epoch
  std::function<void(const EpochReport&)> on_epoch;  // progress (called on the calling thread)
};

struct TrainResult {
  int dim = 0;
  std::vector<float> item_factors;  // items x dim, row-major
  std::vector<float> user_factors;  // users x dim: the fold-in of every user on the final items
                                    // (CG's approximation of it when the user solver is CG)
  std::vector<EpochReport> epochs;
};

// Validates params (dim 1..1024, epochs 1..10000, finite non-negative reg/alpha/w0, 0 <= nu <= 2,
// reg or w0 > 0) and trains on a users x items weight matrix.
StatusOr<TrainResult> TrainImplicitAls(const SparseMatrix& by_user, const TrainParams& params);

// The solver the user half-step uses for these params (kAuto resolved).
RowSolver UserRowSolver(const TrainParams& params);

// The objective both half-steps minimize, for tests and progress reports.
double ImplicitAlsLoss(const SparseMatrix& by_user, const TrainResult& factors, const TrainParams& params);

// The user half-step alone: every row of `by_user` folded in on fixed item rows
// (f32, items x dim), exactly as foldin.hpp defines it. Also used to fold in
// validation users on the server.
StatusOr<std::vector<float>> SolveUsers(const SparseMatrix& by_user, const std::vector<float>& item_factors, int dim,
                                        const FoldInParams& params, int threads);

// What goes into the shipped bundle besides the embeddings.
struct BundleOptions {
  DType dtype = DType::kF32;
  std::string model_version;
  int segments = 8;                  // k-means centroids over the training users (0: none)
  AlsoBoughtOptions also_bought;     // top_k 0: no also-bought table
  int threads = 0;
  int format_version = kBundleFormatVersion;  // 1 for devices whose SDK predates format 2
};

// The bundle of a trained model: embeddings in the requested precision, the fold-in params
// of the user side in the manifest (plus a "training" record of every hyperparameter), and
// the extras item_popularity [N] F32 (positive counts / total, for cold users),
// segment_centroids [S, d] F32, and the also-bought CSR table.
StatusOr<Model> MakeTrainedModel(const InteractionMatrix& data, const TrainResult& result, const TrainParams& params,
                                 const BundleOptions& options);

}  // namespace zhixuan

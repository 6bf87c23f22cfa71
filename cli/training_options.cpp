#include "training_options.hpp"

#include <cstdio>

#include "io.hpp"

namespace zhixuan::cli {

std::vector<std::string> TrainingValueOptions() {
  return {"dim", "epochs", "reg", "item-reg", "alpha", "w0", "reg-exponent", "threads", "seed", "dtype", "segments",
          "also-bought-k", "also-bought-min-support", "model-version", "min-rating", "solver", "user-solver", "cg-steps",
          "bundle-format"};
}

std::string TrainingUsage() {
  char text[2000];
  std::snprintf(text, sizeof text,
                "  --dim D            embedding size (default %d)\n"
                "  --epochs E         ALS sweeps (default %d)\n"
                "  --reg R            user-side lambda, shipped for the device fold-in (default %g)\n"
                "  --item-reg R       item-side lambda (default %g)\n"
                "  --alpha A          confidence c = 1 + A * weight (default %g)\n"
                "  --w0 W             weight of every unobserved item (default %g)\n"
                "  --reg-exponent NU  lambda * (n + w0 * N)^NU, Rendle et al. 2022 (default %g)\n"
                "  --solver cg|cholesky  item half-step solver (default cg)\n"
                "  --user-solver auto|cg|cholesky  user half-step solver (default auto: cg from dim %d;\n"
                "                     the device fold-in is exact either way)\n"
                "  --cg-steps N       conjugate-gradient steps per row and sweep (default 3)\n"
                "  --threads T        0 = all cores (default 0)\n"
                "  --seed S           initialisation seed (default 42)\n"
                "  --min-rating R     keep rows whose weight/rating is >= R (default: all)\n"
                "  --dtype f32|f16|i8 embedding precision in the bundle (default f32)\n"
                "  --segments S       k-means segment centroids (default 8, 0 = none)\n"
                "  --also-bought-k K  also-bought partners per item (default 20, 0 = none)\n"
                "  --also-bought-min-support M  baskets both items must share (default 3)\n"
                "  --model-version V  (default: derived from the factors)\n"
                "  --bundle-format 2|1  1: ids in the manifest, for devices whose SDK predates 2 (default 2)\n",
                TrainingDefaults::kDim, TrainingDefaults::kEpochs, TrainingDefaults::kReg, TrainingDefaults::kItemReg,
                TrainingDefaults::kAlpha, TrainingDefaults::kUnobservedWeight, TrainingDefaults::kRegExponent,
                kUserCgMinDim);
  return text;
}

StatusOr<TrainParams> ReadTrainParams(const Args& args) {
  TrainParams p;
  auto dim = args.Int("dim", TrainingDefaults::kDim, 1, 1024);
  auto epochs = args.Int("epochs", TrainingDefaults::kEpochs, 1, 10000);
  auto reg = args.Float("reg", TrainingDefaults::kReg, 0, 1e9f);
  auto item_reg = args.Float("item-reg", TrainingDefaults::kItemReg, 0, 1e9f);
  auto alpha = args.Float("alpha", TrainingDefaults::kAlpha, 0, 1e9f);
  auto w0 = args.Float("w0", TrainingDefaults::kUnobservedWeight, 0, 1e9f);
  auto nu = args.Float("reg-exponent", TrainingDefaults::kRegExponent, 0, 2);
  auto threads = args.Int("threads", 0, 0, 1024);
  auto seed = args.Int("seed", 42, 0, 2147483647);
  for (const Status* s : {&dim.status(), &epochs.status(), &threads.status(), &seed.status()}) ZX_RETURN_IF_ERROR(*s);
  for (const Status* s : {&reg.status(), &item_reg.status(), &alpha.status(), &w0.status(), &nu.status()}) ZX_RETURN_IF_ERROR(*s);
  p.dim = *dim;
  p.epochs = *epochs;
  p.foldin.reg = *reg;
  p.item_reg = *item_reg;
  p.foldin.alpha = *alpha;
  p.foldin.unobserved_weight = *w0;
  p.foldin.reg_exponent = *nu;
  p.threads = *threads;
  const std::string solver = args.String("solver", "cg");
  if (solver == "cg") p.item_solver = ItemSolver::kConjugateGradient;
  else if (solver == "cholesky") p.item_solver = ItemSolver::kCholesky;
  else return InvalidArgument("--solver must be cg or cholesky, got '" + solver + "'");
  const std::string user_solver = args.String("user-solver", "auto");
  if (user_solver == "auto") p.user_solver = UserSolver::kAuto;
  else if (user_solver == "cg") p.user_solver = UserSolver::kConjugateGradient;
  else if (user_solver == "cholesky") p.user_solver = UserSolver::kCholesky;
  else return InvalidArgument("--user-solver must be auto, cg or cholesky, got '" + user_solver + "'");
  auto cg_steps = args.Int("cg-steps", 3, 1, 1000);
  if (!cg_steps.ok()) return cg_steps.status();
  p.cg_steps = *cg_steps;
  p.seed = static_cast<uint32_t>(*seed);
  if (p.foldin.reg == 0 && p.foldin.unobserved_weight == 0) return InvalidArgument("--reg or --w0 must be > 0");
  return p;
}

StatusOr<BundleOptions> ReadBundleOptions(const Args& args) {
  BundleOptions o;
  const std::string dtype = args.String("dtype", "f32");
  if (dtype == "f32") o.dtype = DType::kF32;
  else if (dtype == "f16") o.dtype = DType::kF16;
  else if (dtype == "i8") o.dtype = DType::kI8;
  else return InvalidArgument("--dtype must be f32, f16 or i8, got '" + dtype + "'");
  auto segments = args.Int("segments", 8, 0, 4096);
  auto k = args.Int("also-bought-k", 20, 0, 1000);
  auto support = args.Int("also-bought-min-support", 3, 1, 1 << 30);
  auto threads = args.Int("threads", 0, 0, 1024);
  auto format = args.Int("bundle-format", kBundleFormatVersion, kOldestBundleFormatVersion, kBundleFormatVersion);
  for (const Status* s : {&segments.status(), &k.status(), &support.status(), &threads.status(), &format.status()})
    ZX_RETURN_IF_ERROR(*s);
  o.format_version = *format;
  o.segments = *segments;
  o.also_bought.top_k = *k;
  o.also_bought.min_support = *support;
  o.threads = *threads;
  o.model_version = args.String("model-version");
  return o;
}

StatusOr<TrainResult> TrainWithProgress(const SparseMatrix& by_user, TrainParams params) {
  ProgressBar bar("training", params.epochs);
  params.on_epoch = [&bar](const EpochReport& r) {
    char note[64];
    std::snprintf(note, sizeof note, "%.2fs/epoch", r.seconds);
    bar.Update(r.epoch, note);
  };
  auto result = TrainImplicitAls(by_user, params);
  bar.Finish();
  return result;
}

std::string DescribeParams(const TrainParams& p) {
  char text[320];
  const std::string cg = "cg" + std::to_string(p.cg_steps);
  std::snprintf(text, sizeof text,
                "dim=%d epochs=%d reg=%g item_reg=%g alpha=%g w0=%g reg_exponent=%g solver=%s user_solver=%s", p.dim,
                p.epochs, p.foldin.reg, p.item_reg >= 0 ? p.item_reg : p.foldin.reg, p.foldin.alpha,
                p.foldin.unobserved_weight, p.foldin.reg_exponent,
                p.item_solver == ItemSolver::kCholesky ? "cholesky" : cg.c_str(),
                UserRowSolver(p) == RowSolver::kCholesky ? "cholesky" : cg.c_str());
  return text;
}

}  // namespace zhixuan::cli

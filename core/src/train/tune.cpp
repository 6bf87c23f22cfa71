#include "zhixuan/train/tune.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "zhixuan/base/seeded_random.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/train/ease_reference.hpp"

namespace zhixuan {
namespace {

constexpr int kTopK = 100;
// Above 256 only on request (--max-dim): the default search keeps its draws, and d = 512 costs
// about 24 s per epoch on 3.6k items x 2.6k users here.
constexpr int kDims[] = {32, 64, 128, 256, 512, 1024};
constexpr int kCheckpoints[] = {3, 5, 8, 12, 17, 24, 32, 45, 64};

// The draws are SeededRandom's (the same bits on every platform); the log-scale transforms go
// through libm's pow and exp, whose last bit may differ between C libraries, which the float
// hyperparameters round away (all but about one draw in 2^29).
double LogUniform(SeededRandom& rng, double lo, double hi) { return lo * std::pow(hi / lo, rng.Uniform()); }
uint32_t CutSeed(uint32_t seed, int cut) {
  uint64_t z = (static_cast<uint64_t>(seed) << 8) + static_cast<uint64_t>(cut) + 0x9e3779b97f4a7c15ull;  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<uint32_t>(z ^ (z >> 31));
}

// Mean row counts of the training table: the base of the typical lambda of each side.
struct Shape {
  double users = 1, items = 1, per_user = 1, per_item = 1;
  bool weighted = false;  // weights differ: alpha matters (on binary data it only rescales w0 and reg)
  std::vector<int> dims;  // the dims a candidate may have
};

double UserBase(const Shape& s, double w0, double nu) { return std::pow(s.per_user + w0 * s.items, nu); }
double ItemBase(const Shape& s, double w0, double nu) { return std::pow(s.per_item + w0 * s.users, nu); }
float ItemReg(const TrainParams& p) { return p.item_reg >= 0 ? p.item_reg : p.foldin.reg; }

struct Candidate {
  TrainParams params;
  std::vector<int> checkpoints;                // epochs scored in each run
  std::vector<std::vector<Metrics>> by_cut;    // [cut][checkpoint]
  bool unaffordable = false;                   // its promotion did not fit in the time left

  int rung() const { return static_cast<int>(by_cut.size()) - 1; }
  // Best checkpoint by the mean NDCG@100 over the cuts run so far.
  int BestCheckpoint() const {
    int best = 0;
    double best_score = -1;
    for (size_t c = 0; c < checkpoints.size(); ++c) {
      double s = 0;
      for (const auto& cut : by_cut) s += cut[c].ndcg100;
      if (s > best_score + 1e-12) best_score = s, best = static_cast<int>(c);
    }
    return best;
  }
  double Score() const {
    if (by_cut.empty()) return -1;
    const int c = BestCheckpoint();
    double s = 0;
    for (const auto& cut : by_cut) s += cut[c].ndcg100;
    return s / static_cast<double>(by_cut.size());
  }
  Metrics MeanAt(int c) const {
    Metrics m;
    for (const auto& cut : by_cut) {
      m.recall20 += cut[c].recall20 / by_cut.size();
      m.recall50 += cut[c].recall50 / by_cut.size();
      m.ndcg100 += cut[c].ndcg100 / by_cut.size();
      m.users += cut[c].users;
    }
    return m;
  }
};

std::vector<int> CheckpointsFor(int epochs) {
  std::vector<int> out;
  for (int e : kCheckpoints)
    if (e < epochs) out.push_back(e);
  out.push_back(epochs);
  return out;
}

TrainParams WithTypicalLambdas(TrainParams p, const Shape& s, double user_lambda, double item_lambda) {
  const double w0 = p.foldin.unobserved_weight, nu = p.foldin.reg_exponent;
  p.foldin.reg = static_cast<float>(user_lambda / UserBase(s, w0, nu));
  p.item_reg = static_cast<float>(item_lambda / ItemBase(s, w0, nu));
  return p;
}

// Log-scaled draws around the defaults: dim, w0, nu, alpha (weighted data only), both typical
// lambdas (1/30x..30x the defaults'), epochs.
TrainParams RandomCandidate(const TrainParams& defaults, const Shape& s, SeededRandom& rng) {
  const double user_lambda = defaults.foldin.reg * UserBase(s, defaults.foldin.unobserved_weight, defaults.foldin.reg_exponent);
  const double item_lambda = ItemReg(defaults) * ItemBase(s, defaults.foldin.unobserved_weight, defaults.foldin.reg_exponent);
  TrainParams p = defaults;
  const int n_dims = static_cast<int>(s.dims.size());
  p.dim = s.dims[std::min(n_dims - 1, static_cast<int>(rng.Uniform() * n_dims))];
  p.foldin.unobserved_weight = static_cast<float>(LogUniform(rng, 0.01, 3.0));
  p.foldin.reg_exponent = static_cast<float>(1.25 * rng.Uniform());
  if (s.weighted) p.foldin.alpha = rng.Uniform() < 0.3 ? 0.f : static_cast<float>(LogUniform(rng, 0.1, 30));
  const double ul = user_lambda * LogUniform(rng, 1.0 / 30, 30), il = item_lambda * LogUniform(rng, 1.0 / 30, 30);
  p.epochs = static_cast<int>(std::lround(LogUniform(rng, 6, 30)));
  return WithTypicalLambdas(p, s, ul, il);
}

// A step from `parent` in log space; epochs around the parent's best checkpoint.
TrainParams Perturb(const Candidate& parent, const Shape& s, SeededRandom& rng) {
  const TrainParams& q = parent.params;
  const double user_lambda = q.foldin.reg * UserBase(s, q.foldin.unobserved_weight, q.foldin.reg_exponent);
  const double item_lambda = ItemReg(q) * ItemBase(s, q.foldin.unobserved_weight, q.foldin.reg_exponent);
  TrainParams p = q;
  const double dim_step = rng.Uniform();
  const int last = static_cast<int>(s.dims.size()) - 1;
  int d = 0;
  while (d < last && s.dims[d] < q.dim) ++d;
  if (dim_step < 0.2 && d > 0) --d;
  else if (dim_step > 0.8 && d < last) ++d;
  p.dim = s.dims[d];
  p.foldin.unobserved_weight = static_cast<float>(std::clamp(q.foldin.unobserved_weight * std::exp(0.5 * rng.Normal()), 0.003, 10.0));
  p.foldin.reg_exponent = static_cast<float>(std::clamp(q.foldin.reg_exponent + 0.15 * rng.Normal(), 0.0, 1.5));
  if (s.weighted) {
    const double step = rng.Normal();
    p.foldin.alpha = q.foldin.alpha > 0 ? static_cast<float>(std::clamp(q.foldin.alpha * std::exp(0.5 * step), 0.01, 100.0))
                                        : (step > 1.0 ? static_cast<float>(LogUniform(rng, 0.1, 30)) : 0.f);
  }
  const double ul = user_lambda * std::exp(0.5 * rng.Normal()), il = item_lambda * std::exp(0.5 * rng.Normal());
  const int parent_epochs = parent.checkpoints[parent.BestCheckpoint()];
  p.epochs = std::clamp(static_cast<int>(std::lround(parent_epochs * 1.3 * std::exp(0.2 * rng.Normal()))), 4, 64);
  return WithTypicalLambdas(p, s, ul, il);
}

// The device's view of item rows: a bundle saved and loaded, as the SDK receives it.
StatusOr<Metrics> ScoreOnDevice(const EvalSplit& cut, const std::vector<float>& items, const TrainParams& params, DType dtype) {
  auto made = MakeModel(cut.train.items.ids(), items.data(), params.dim, dtype, params.foldin, "tune");
  if (!made.ok()) return made.status();
  return EvaluateShippedModel(*made, cut, kTopK);
}

// The work of one half-step's rows: Cholesky forms each system (n d^2) and factors it
// (d^3 / 3); CG applies it `steps` times (about 2 d^2 + 4 n d each).
double HalfStepCost(double rows, double nnz, double d, RowSolver solver, int steps) {
  if (solver == RowSolver::kCholesky) return nnz * d * d + rows * d * d * d / 3.0;
  return steps * (rows * 2 * d * d + 4 * nnz * d);
}

// The work of training on a matrix: per epoch, both sides' Grams (rows x d^2) and solves.
double TrainingCost(double nnz, double users, double items, const TrainParams& p) {
  const double d = p.dim;
  return p.epochs * ((users + items) * d * d + HalfStepCost(items, nnz, d, p.item_solver, p.cg_steps) +
                     HalfStepCost(users, nnz, d, UserRowSolver(p), p.cg_steps));
}

// A search run: the training, and at each checkpoint a fold-in (d^3) and a ranking of all the
// items (items x d) per held-out user. In the units of TrainingCost: seconds = rate x cost.
double RunCost(const EvalSplit& cut, const TrainParams& p) {
  const SparseMatrix& x = cut.train.by_user;
  const double d = p.dim;
  return TrainingCost(static_cast<double>(x.nnz()), x.rows, x.cols, p) +
         static_cast<double>(CheckpointsFor(p.epochs).size()) * static_cast<double>(cut.history.rows) *
             (d * d * d + static_cast<double>(x.cols) * d);
}

// The next dim of the search space above `dim` (0: none).
int NextDim(const Shape& s, int dim) {
  for (int d : s.dims)
    if (d > dim) return d;
  return 0;
}

class Search {
 public:
  Search(const InteractionTable& train, const TrainParams& defaults, const TuneOptions& options)
      : train_(train), defaults_(defaults), options_(options), rng_(options.seed) {}

  StatusOr<TuneResult> Run();

 private:
  StatusOr<const EvalSplit*> Cut(int c);
  Status RunOne(int candidate, int cut);
  std::optional<std::pair<int, int>> NextPromotion() const;
  TrainParams NextCandidate();
  Status Probe(int dim);  // one epoch at `dim` on cut 1, scored once: the pace
  double Rate() const { return cost_seconds_ / cost_; }
  double FinalCost(const TrainParams& p) const { return TrainingCost(full_nnz_, full_users_, full_items_, p); }
  // The winner at the next dim up, run on the winner's cuts (predicted seconds; 0: no next dim).
  TrainParams UpDim(const Candidate& c) const;
  double RetrySeconds(const TrainParams& winner, int cuts) const;
  Status RetryAtNextDim(TuneResult* result);
  double Elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  int BestCandidate() const;
  void Report(TuneProgress p) const;

  const InteractionTable& train_;
  const TrainParams defaults_;
  const TuneOptions options_;
  SeededRandom rng_;
  Shape shape_;
  std::vector<std::unique_ptr<EvalSplit>> cuts_;
  std::vector<Candidate> candidates_;
  int runs_ = 0;
  double cost_ = 0, cost_seconds_ = 0;  // for predicting whether the next run fits
  double probe_seconds_ = 0;
  double full_nnz_ = 0, full_users_ = 0, full_items_ = 0;  // the whole table, which the final training runs on
  std::vector<int> first_dims_;          // the defaults' dim, then smaller ones if it does not fit
  size_t first_dim_ = 0;
  std::vector<TuneResult::RunAccount> accounts_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

StatusOr<const EvalSplit*> Search::Cut(int c) {
  while (static_cast<int>(cuts_.size()) <= c) {
    auto cut = MakeTuneCut(train_, options_, static_cast<int>(cuts_.size()));
    if (!cut.ok()) return cut.status();
    cuts_.push_back(std::make_unique<EvalSplit>(std::move(cut).value()));
  }
  return cuts_[c].get();
}

void Search::Report(TuneProgress p) const {
  if (!options_.on_progress) return;
  p.elapsed = Elapsed();
  p.budget = options_.budget_seconds;
  const int best = BestCandidate();
  p.best_score = best >= 0 ? candidates_[best].Score() : -1;
  options_.on_progress(p);
}

int Search::BestCandidate() const {
  // The highest cut reached, then the best mean score (ties: the earlier candidate).
  int best = -1;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    const Candidate& c = candidates_[i];
    if (c.by_cut.empty()) continue;
    if (best < 0 || c.rung() > candidates_[best].rung() ||
        (c.rung() == candidates_[best].rung() && c.Score() > candidates_[best].Score() + 1e-12))
      best = static_cast<int>(i);
  }
  return best;
}

Status Search::RunOne(int candidate, int cut_index) {
  auto cut = Cut(cut_index);
  if (!cut.ok()) return cut.status();
  Candidate& c = candidates_[candidate];
  TrainParams p = c.params;
  p.threads = options_.threads;
  p.seed = options_.seed;
  std::vector<Metrics> scores;
  Status failed;
  ++runs_;
  TuneProgress progress;
  progress.run = runs_;
  progress.candidate = candidate;
  progress.cut = cut_index + 1;
  progress.epochs = p.epochs;
  progress.params = &c.params;
  p.on_epoch = [&](const EpochReport& r) {
    progress.epoch = r.epoch;
    if (failed.ok() && std::find(c.checkpoints.begin(), c.checkpoints.end(), r.epoch) != c.checkpoints.end()) {
      auto m = ScoreOnDevice(**cut, *r.item_factors, p, options_.dtype);
      if (m.ok()) scores.push_back(*m);
      else failed = m.status();
    }
    Report(progress);
  };
  const auto begin = std::chrono::steady_clock::now();
  auto trained = TrainImplicitAls((*cut)->train.by_user, p);
  // A candidate whose systems are not positive definite (regularization too weak for the
  // data) scores 0 and is never promoted; the search goes on.
  if (!trained.ok() || !failed.ok() || scores.size() != c.checkpoints.size()) scores.assign(c.checkpoints.size(), Metrics{});
  cost_ += RunCost(**cut, p);
  cost_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  c.by_cut.push_back(std::move(scores));
  progress.finished = true;
  const auto& mine = c.by_cut.back();
  size_t best = 0;
  for (size_t k = 1; k < mine.size(); ++k)
    if (mine[k].ndcg100 > mine[best].ndcg100 + 1e-12) best = k;
  progress.ndcg100 = mine[best].ndcg100;
  progress.best_epochs = c.checkpoints[best];
  Report(progress);
  return Status::Ok();
}

std::optional<std::pair<int, int>> Search::NextPromotion() const {
  // Highest cut first: a candidate among the best floor(n / eta) of its cut, not yet promoted.
  for (int k = options_.cuts - 2; k >= 0; --k) {
    std::vector<int> at;
    for (size_t i = 0; i < candidates_.size(); ++i)
      if (candidates_[i].rung() >= k) at.push_back(static_cast<int>(i));
    const size_t promote = at.size() / static_cast<size_t>(options_.eta);
    if (promote == 0) continue;
    // Rank on the mean over cuts 0..k (what every member of this rung has).
    auto score_at = [&](int i) {
      const Candidate& c = candidates_[i];
      double best = -1;
      for (size_t e = 0; e < c.checkpoints.size(); ++e) {
        double s = 0;
        for (int j = 0; j <= k; ++j) s += c.by_cut[j][e].ndcg100;
        best = std::max(best, s / (k + 1));
      }
      return best;
    };
    std::stable_sort(at.begin(), at.end(), [&](int a, int b) { return score_at(a) > score_at(b) + 1e-12; });
    for (size_t r = 0; r < promote; ++r)
      if (candidates_[at[r]].rung() == k && !candidates_[at[r]].unaffordable) return std::make_pair(at[r], k + 1);
  }
  return std::nullopt;
}

Status Search::Probe(int dim) {
  auto cut = Cut(0);
  if (!cut.ok()) return cut.status();
  TrainParams p = defaults_;
  p.dim = dim;
  p.epochs = 1;
  p.threads = options_.threads;
  p.seed = options_.seed;
  p.on_epoch = nullptr;
  const auto begin = std::chrono::steady_clock::now();
  auto trained = TrainImplicitAls((*cut)->train.by_user, p);
  // A failed probe (a system not positive definite) still took the time it measures.
  if (trained.ok()) (void)ScoreOnDevice(**cut, trained->item_factors, p, options_.dtype);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  probe_seconds_ += seconds;
  cost_ += RunCost(**cut, p);
  cost_seconds_ += seconds;
  return Status::Ok();
}

TrainParams Search::UpDim(const Candidate& c) const {
  TrainParams p = c.params;
  p.dim = NextDim(shape_, p.dim);
  return p;
}

double Search::RetrySeconds(const TrainParams& winner, int cuts) const {
  TrainParams up = winner;
  up.dim = NextDim(shape_, winner.dim);
  if (up.dim == 0) return 0;
  double cost = FinalCost(up);  // the final training at the winner's full schedule (at most)
  for (int k = 0; k < cuts; ++k) cost += RunCost(*cuts_[k], up);
  return Rate() * cost;
}

// The last step: the search's random steps move the dim rarely, and the lambdas and w0 of a
// winner often carry to the next dim up with a gain (Online Retail, third pass: +0.019 on
// validation from 128 to 256). So the winner is retried there on its own cuts, when that fits
// in the budget, and kept only if its mean validation NDCG@100 over those cuts is higher.
Status Search::RetryAtNextDim(TuneResult* result) {
  const int best = BestCandidate();
  if (best < 0) return Status::Ok();
  const TrainParams up = UpDim(candidates_[best]);
  result->retry_dim = up.dim;
  if (up.dim == 0) {
    result->retry_note = "the winner is at the largest dim of the search";
    return Status::Ok();
  }
  if (result->stopped_by == "trials") {
    result->retry_note = "the trial count was reached";
    return Status::Ok();
  }
  const int cuts = candidates_[best].rung() + 1;
  const double started = Elapsed(), predicted = RetrySeconds(candidates_[best].params, cuts);
  if (started + predicted > options_.budget_seconds) {
    result->retry_note = "did not fit in the budget";
    return Status::Ok();
  }
  Candidate c;
  c.params = up;
  c.checkpoints = candidates_[best].checkpoints;
  candidates_.push_back(std::move(c));
  const int index = static_cast<int>(candidates_.size()) - 1;
  for (int k = 0; k < cuts; ++k) {
    // Re-predicted before each cut at the pace measured so far.
    const double at = Elapsed();
    TrainParams final_up = up;
    final_up.epochs = candidates_[best].checkpoints[candidates_[best].BestCheckpoint()];
    const double run = Rate() * RunCost(*cuts_[k], up), reserved = Rate() * FinalCost(final_up);
    if (at + run + reserved > options_.budget_seconds) {
      result->retry_note = "stopped before cut " + std::to_string(k + 1) + " for want of time";
      break;
    }
    ZX_RETURN_IF_ERROR(RunOne(index, k));
    accounts_.push_back({at, run, reserved, Elapsed() - at});
  }
  const Candidate& retried = candidates_[index];
  result->retry_cuts = static_cast<int>(retried.by_cut.size());
  if (result->retry_cuts > 0) result->retry_validation = retried.MeanAt(retried.BestCheckpoint());
  result->retry_kept = BestCandidate() == index;
  if (result->retry_note.empty())
    result->retry_note = result->retry_kept ? "kept: higher validation NDCG@100" : "not kept: validation NDCG@100 not higher";
  return Status::Ok();
}

TrainParams Search::NextCandidate() {
  const int n = static_cast<int>(candidates_.size());
  if (n == 0) {  // the defaults, at a smaller dim when theirs was predicted not to fit
    TrainParams p = defaults_;
    p.dim = first_dims_[first_dim_];
    return p;
  }
  if (n % 2 == 0) return RandomCandidate(defaults_, shape_, rng_);  // odd: a step from the best
  // The best on cut 1 so far (every candidate has it).
  int best = 0;
  for (int i = 1; i < n; ++i) {
    const Candidate& c = candidates_[i];
    if (c.by_cut.empty()) continue;
    double a = -1, b = -1;
    for (const Metrics& m : c.by_cut[0]) a = std::max(a, m.ndcg100);
    for (const Metrics& m : candidates_[best].by_cut[0]) b = std::max(b, m.ndcg100);
    if (a > b + 1e-12) best = i;
  }
  return Perturb(candidates_[best], shape_, rng_);
}

StatusOr<TuneResult> Search::Run() {
  if (options_.cuts < 1 || options_.cuts > 10) return InvalidArgument("tune cuts must be in 1..10");
  if (options_.eta < 2) return InvalidArgument("tune eta must be >= 2");
  if (!std::isfinite(options_.budget_seconds)) return InvalidArgument("tune budget must be finite");
  TuneResult result;
  result.best = defaults_;
  result.stopped_by = "none";
  start_ = std::chrono::steady_clock::now();
  if (options_.budget_seconds <= 0) return result;

  auto data = BuildInteractionMatrix(train_);
  if (!data.ok()) return data.status();
  const SparseMatrix& x = data->by_user;
  shape_.users = x.rows;
  shape_.items = x.cols;
  shape_.per_user = static_cast<double>(x.nnz()) / std::max(1, x.rows);
  shape_.per_item = static_cast<double>(x.nnz()) / std::max(1, x.cols);
  for (float w : x.values) shape_.weighted |= w != x.values.front();
  for (int d : kDims)
    if (d <= options_.max_dim && d <= std::max(32, x.cols / 2)) shape_.dims.push_back(d);
  if (shape_.dims.empty()) shape_.dims.push_back(std::min(defaults_.dim, std::max(1, options_.max_dim)));

  full_nnz_ = static_cast<double>(x.nnz());
  full_users_ = x.rows;
  full_items_ = x.cols;
  first_dims_.push_back(defaults_.dim);
  for (auto d = shape_.dims.rbegin(); d != shape_.dims.rend(); ++d)
    if (*d < defaults_.dim) first_dims_.push_back(*d);
  // The pace: a probe at the smallest dim, then one at the defaults' dim if it is predicted to
  // take at most a quarter of the time left (small dims cost several times more per unit of
  // RunCost, per-row overheads, so the first probe alone would keep the defaults from running).
  ZX_RETURN_IF_ERROR(Probe(shape_.dims.front()));
  if (defaults_.dim > shape_.dims.front()) {
    auto cut = Cut(0);
    if (!cut.ok()) return cut.status();
    TrainParams probe = defaults_;
    probe.epochs = 1;
    if (Rate() * RunCost(**cut, probe) <= (options_.budget_seconds - Elapsed()) / 4) ZX_RETURN_IF_ERROR(Probe(defaults_.dim));
  }

  int dropped = 0;  // candidates and promotions passed over in a row for want of time
  while (true) {
    if (options_.max_trials > 0 && runs_ >= options_.max_trials) {
      result.stopped_by = "trials";
      break;
    }
    auto promotion = NextPromotion();
    int candidate, cut;
    if (promotion) {
      std::tie(candidate, cut) = *promotion;
    } else {
      Candidate c;
      c.params = NextCandidate();
      c.checkpoints = CheckpointsFor(c.params.epochs);
      candidates_.push_back(std::move(c));
      candidate = static_cast<int>(candidates_.size()) - 1;
      cut = 0;
    }
    // Stop before a run the budget cannot hold with the final training after it (both predicted
    // at the pace of the probe and the runs so far). The final training reserved is this
    // candidate's, should it win, or the best one's so far, whichever is longer.
    auto split = Cut(cut);
    if (!split.ok()) return split.status();
    const TrainParams& params = candidates_[candidate].params;
    const double predicted = Rate() * RunCost(**split, params);
    const double started = Elapsed();
    double reserved = Rate() * FinalCost(params);
    if (const int best = BestCandidate(); best >= 0) {
      TrainParams winner = candidates_[best].params;
      winner.epochs = candidates_[best].checkpoints[candidates_[best].BestCheckpoint()];
      reserved = std::max(reserved, Rate() * FinalCost(winner));
      // Room for the last step too, while it still fits at all: the best so far at the next dim
      // up on its cuts, then its final training; or this candidate's, should it win.
      if (options_.retry_next_dim)
        for (double retry : {RetrySeconds(candidates_[best].params, candidates_[best].rung() + 1), RetrySeconds(params, cut + 1)})
          if (started + retry <= options_.budget_seconds) reserved = std::max(reserved, retry);
    }
    if (started + predicted + reserved > options_.budget_seconds) {
      // What does not fit in the time left is passed over and the next thing tried (a cheaper one
      // may fit): a new candidate is dropped (before any run, the defaults are tried at a smaller
      // dim), a promotion is not tried again; a run of such misses ends the search.
      if (promotion) {
        candidates_[candidate].unaffordable = true;
      } else {
        candidates_.pop_back();
        if (candidates_.empty()) ++first_dim_;
      }
      if (++dropped > 8 || first_dim_ >= first_dims_.size() || started >= options_.budget_seconds) {
        result.stopped_by = "budget";
        break;
      }
      continue;
    }
    dropped = 0;
    ZX_RETURN_IF_ERROR(RunOne(candidate, cut));
    accounts_.push_back({started, predicted, reserved, Elapsed() - started});
  }
  if (options_.retry_next_dim) ZX_RETURN_IF_ERROR(RetryAtNextDim(&result));
  result.seconds = Elapsed();
  result.runs = runs_;
  result.candidates = static_cast<int>(candidates_.size());
  result.probe_seconds = probe_seconds_;
  result.accounts = accounts_;
  const int best = BestCandidate();
  result.final_seconds_predicted = Rate() * FinalCost(defaults_);
  if (best < 0) return result;
  const Candidate& winner = candidates_[best];
  const int checkpoint = winner.BestCheckpoint();
  result.searched = true;
  result.best = winner.params;
  result.best.epochs = winner.checkpoints[checkpoint];
  result.cuts_used = static_cast<int>(winner.by_cut.size());
  result.validation = winner.MeanAt(checkpoint);
  result.validation_users = result.validation.users;
  result.best_cut1 = winner.by_cut[0][checkpoint];
  result.final_seconds_predicted = Rate() * FinalCost(result.best);
  if (!candidates_.empty() && !candidates_[0].by_cut.empty() && candidates_[0].params.dim == defaults_.dim) {
    const Candidate& d = candidates_[0];  // the defaults as they are (their own epochs), on cut 1
    result.defaults_cut1 = d.by_cut[0][d.checkpoints.size() - 1];
    result.defaults_scored = true;
  }
  if (!options_.ease) return result;

  // EASE tuned on the winner's cuts (as many as its own budget holds), for reference.
  std::vector<const EvalSplit*> cuts;
  for (int c = 0; c < result.cuts_used; ++c) cuts.push_back(cuts_[c].get());
  EaseReferenceOptions ease_options;
  ease_options.budget_seconds = options_.ease_budget_seconds >= 0 ? options_.ease_budget_seconds : options_.budget_seconds / 2;
  ease_options.threads = options_.threads;
  ease_options.top_k = kTopK;
  const EaseReference ease = TuneEaseReference(cuts, ease_options);
  result.ease_note = ease.note;
  result.ease_seconds = ease.seconds;
  result.ease_budget_seconds = ease_options.budget_seconds;
  result.ease_path_predicted = ease.first_path_predicted;
  result.ease_path_seconds = ease.first_path_seconds;
  if (!ease.scored) return result;
  result.ease_scored = true;
  result.ease_lambda = ease.lambda;
  result.ease = ease.metrics;
  result.ease_cuts = ease.cuts;
  Candidate on_ease_cuts = winner;  // the winner on the same cuts as EASE
  on_ease_cuts.by_cut.resize(static_cast<size_t>(ease.cuts));
  result.validation_on_ease_cuts = on_ease_cuts.MeanAt(checkpoint);
  return result;
}

nlohmann::json MetricsJson(const Metrics& m) {
  return {{"recall20", m.recall20}, {"recall50", m.recall50}, {"ndcg100", m.ndcg100}};
}

}  // namespace

StatusOr<EvalSplit> MakeTuneCut(const InteractionTable& train, const TuneOptions& options, int cut) {
  auto tables = MakeValidationSplit(train, options.validation_fraction, CutSeed(options.seed, cut));
  if (!tables.ok()) return tables.status();
  const std::string name = "validation cut " + std::to_string(cut + 1);
  return BuildEvalSplit(tables->train, name + " (train)", tables->history, name + " (history)", tables->target,
                        name + " (target)");
}

StatusOr<TuneResult> TuneImplicitAls(const InteractionTable& train, const TrainParams& defaults, const TuneOptions& options) {
  Search search(train, defaults, options);
  return search.Run();
}

Status AddTuneRecord(const TuneResult& r, const TuneOptions& options, Model* model) {
  nlohmann::json manifest = nlohmann::json::parse(model->manifest.json.empty() ? std::string("{}") : model->manifest.json,
                                                  nullptr, false);
  if (!manifest.is_object()) return Status(StatusCode::kInternal, "the bundle's manifest is not a JSON object");
  const TrainParams& p = r.best;
  nlohmann::json record = {
      {"budget_seconds", options.budget_seconds},
      {"max_trials", options.max_trials},
      {"seed", options.seed},
      {"searched", r.searched},
      {"stopped_by", r.stopped_by},
      {"runs", r.runs},
      {"candidates", r.candidates},
      {"search_seconds", r.seconds},
      {"probe_seconds", r.probe_seconds},
      {"final_seconds_predicted", r.final_seconds_predicted},
      {"chosen", {{"dim", p.dim}, {"epochs", p.epochs}, {"reg", p.foldin.reg}, {"item_reg", ItemReg(p)},
                  {"alpha", p.foldin.alpha}, {"unobserved_weight", p.foldin.unobserved_weight},
                  {"reg_exponent", p.foldin.reg_exponent}}},
  };
  if (r.searched) {
    record["validation"] = MetricsJson(r.validation);
    record["validation"]["cuts"] = r.cuts_used;
    record["validation"]["users"] = r.validation_users;
    record["validation"]["fraction"] = options.validation_fraction;
    if (r.defaults_scored) record["defaults_cut1"] = MetricsJson(r.defaults_cut1);
    record["chosen_cut1"] = MetricsJson(r.best_cut1);
    record["next_dim_retry"] = {{"dim", r.retry_dim}, {"cuts", r.retry_cuts}, {"kept", r.retry_kept}, {"note", r.retry_note}};
    if (r.retry_cuts > 0) record["next_dim_retry"]["validation"] = MetricsJson(r.retry_validation);
    if (r.ease_scored) {
      record["ease"] = MetricsJson(r.ease);
      record["ease"]["lambda"] = r.ease_lambda;
      record["ease"]["cuts"] = r.ease_cuts;
      record["ease"]["seconds"] = r.ease_seconds;
      record["ease"]["budget_seconds"] = r.ease_budget_seconds;
      record["ease"]["first_path_seconds"] = r.ease_path_seconds;
      record["ease"]["first_path_predicted"] = r.ease_path_predicted;
      if (!r.ease_note.empty()) record["ease"]["note"] = r.ease_note;
      record["chosen_on_ease_cuts"] = MetricsJson(r.validation_on_ease_cuts);
      record["ahead_of_ease"] = r.validation_on_ease_cuts.ndcg100 >= r.ease.ndcg100;
    } else {
      record["ease"] = {{"skipped", r.ease_note.empty() ? std::string("not requested") : r.ease_note}};
    }
  }
  manifest["tune"] = std::move(record);
  model->manifest.json = manifest.dump();
  return Status::Ok();
}

}  // namespace zhixuan

// Hyperparameter search for implicit ALS (`zhixuan train --tune`).
//
// Validation cuts: the protocol of EVALUATION.md applied inside the training table only
// (MakeValidationSplit: users shuffled with a seed derived from TuneOptions::seed and the cut's
// number, a fraction held out, each held-out user's items split into fold-in history and
// target). A candidate is scored by the device's own path: its item rows made into a bundle,
// saved and loaded, Recommender::FoldIn per held-out user, Recommender::Recommend; the
// objective is NDCG@100.
//
// The search: asynchronous successive halving (Li et al., "A System for Massively Parallel
// Hyperparameter Tuning", MLSys 2020) run sequentially, with the validation cuts as the
// resource: every candidate is scored on cut 1; the best 1/eta of those on cut k are promoted
// to cut k + 1, and a candidate's score is the mean over its cuts. New candidates are the
// defaults first, then in turn a step from the best so far on cut 1 (a log-scaled
// perturbation) and a log-scaled random draw around the defaults. Last, the winner is retried
// at the next dim up on its cuts (when that fits; not after max_trials) and kept if its
// validation is higher. Every training run scores the checkpoints of one epoch schedule, so
// the epoch count is searched for free (EpochReport::item_factors). The order of the runs
// depends only on the seed and on the scores, never on timing or threads: the budget only
// decides how far along that sequence the search goes, and which candidates too costly for the
// time left are skipped (the defaults run at a smaller dim when theirs would not fit);
// max_trials with an ample budget fixes the sequence exactly. Every random draw (cuts,
// candidates, initial factors) comes from SeededRandom, so a seed gives the same sequence
// natively and in wasm.
//
// Regularization is sampled as the typical lambda, reg * (mean row count + w0 * other side)^nu,
// so changing nu or w0 does not silently change how strongly a row is regularized.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/train/eval.hpp"
#include "zhixuan/train/interactions.hpp"
#include "zhixuan/train/train.hpp"

namespace zhixuan {

struct TuneProgress {
  int run = 0;              // 1-based training run
  int candidate = 0;        // 0 = the defaults
  int cut = 0;              // 1-based validation cut
  int epoch = 0, epochs = 0;
  bool finished = false;    // the run is done: ndcg100/best_epochs hold its result
  double ndcg100 = 0;       // this run's best checkpoint
  int best_epochs = 0;
  double elapsed = 0, budget = 0;  // seconds
  double best_score = -1;   // the best candidate so far (mean over its cuts; -1: none yet)
  const TrainParams* params = nullptr;
};

struct TuneOptions {
  double budget_seconds = 60;  // the search and the final training after it (predicted); <= 0: no search
  int max_trials = 0;          // > 0: at most this many training runs (exactly reproducible)
  uint32_t seed = 42;          // validation cuts, candidates and training initialization
  double validation_fraction = 0.2;
  int cuts = 3;                // validation cuts a candidate can be promoted through
  int eta = 3;                 // 1/eta of a cut's candidates go on to the next
  int max_dim = 256;           // dims drawn from 32, 64, ..., 1024 up to this (and to items / 2)
  // Last step: the winner retried at the next dim up on its cuts, kept if validation improves.
  // The search keeps room for it (and for that model's final training) in the budget.
  bool retry_next_dim = true;
  DType dtype = DType::kF32;   // the precision the candidates are scored in (the shipped one)
  bool ease = true;            // tune EASE's lambda on the winner's cuts for reference
  double ease_budget_seconds = -1;  // its own time (ease_reference.hpp); < 0: half of budget_seconds
  int threads = 0;
  std::function<void(const TuneProgress&)> on_progress;
};

struct TuneResult {
  TrainParams best;           // the defaults' other fields, the winner's hyperparameters
  bool searched = false;      // false: no run fitted the budget, `best` is the defaults
  std::string stopped_by;     // "budget", "trials" or "none" (no search)
  int runs = 0, candidates = 0, cuts_used = 0;
  int validation_users = 0;   // held-out users with a target, summed over the winner's cuts
  double seconds = 0;         // the search alone (the probe and the runs)
  // The budget's accounting. Before the first run, probes (one epoch scored once at the smallest
  // dim, then at the defaults' dim when that is predicted to take at most a quarter of the time left)
  // measure the pace; every run is then predicted from the pace of the work so far, and starts
  // only if its prediction plus the final training's (on the whole table) fit in what is left of
  // the budget. The first probe is the one piece of work that is not predicted.
  struct RunAccount {
    double started = 0;    // seconds into the search
    double predicted = 0;  // this run
    double reserved = 0;   // the final training reserved after it
    double seconds = 0;    // this run, measured
  };
  std::vector<RunAccount> accounts;
  double probe_seconds = 0;
  double final_seconds_predicted = 0;  // the final training with `best` on the whole table
  Metrics validation;         // the winner, mean over its cuts
  Metrics defaults_cut1;      // the defaults and the winner on cut 1 (defaults: if they ran)
  Metrics best_cut1;
  bool defaults_scored = false;
  bool ease_scored = false;
  std::string ease_note;      // why EASE was not scored
  double ease_lambda = 0;
  Metrics ease;               // EASE with the tuned lambda, mean over the first ease_cuts of the winner's cuts
  int ease_cuts = 0;
  Metrics validation_on_ease_cuts;  // the winner on those same cuts: what EASE is compared with
  double ease_seconds = 0, ease_budget_seconds = 0;
  double ease_path_predicted = 0, ease_path_seconds = 0;  // the first eigendecomposition
  // The last step (TuneOptions::retry_next_dim).
  int retry_dim = 0;          // the next dim up (0: none)
  int retry_cuts = 0;         // cuts it ran on
  Metrics retry_validation;   // its mean over those cuts
  bool retry_kept = false;    // it is the winner
  std::string retry_note;
};

// The c-th (0-based) validation cut of a training table, as the tuner makes it.
StatusOr<EvalSplit> MakeTuneCut(const InteractionTable& train, const TuneOptions& options, int cut);

// Searches from `defaults` (dim, epochs, regs, alpha, w0, nu; solver, seed, threads kept).
StatusOr<TuneResult> TuneImplicitAls(const InteractionTable& train, const TrainParams& defaults,
                                     const TuneOptions& options);

// Adds the record of a search to a bundle's manifest (key "tune"): budget, runs, chosen
// values, validation metrics, the EASE reference and whether the model is ahead of it.
Status AddTuneRecord(const TuneResult& result, const TuneOptions& options, Model* model);

}  // namespace zhixuan

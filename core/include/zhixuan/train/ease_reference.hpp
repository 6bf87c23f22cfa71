// EASE tuned on the tuner's validation cuts, the reference `zhixuan train --tune` prints beside
// its winner, under a time budget of its own so that it never dominates the command.
//
// Lambda is searched on a log scale by the mean NDCG@100 over the cuts: one value per decade
// from 1 to 1e5, then three halvings of the step around the best (10^+-0.5, 10^+-0.25,
// 10^+-0.125): 12 rankings of the held-out users, each cheap once a cut's EaseLambdaPath exists.
// The path (an eigendecomposition of the smaller Gram matrix, r = min(users, items)) is the
// expensive part, and it is what the budget is spent on:
//   - before the first, a probe times the same eigensolver on a 256 x 256 Gram matrix and the
//     cost is scaled by 2 (r / 256)^3 (the 2: a large matrix leaves the cache); a first path
//     predicted over the budget is not started
//     (the reference is skipped, and the note says why);
//   - after it, each further cut is added only if its path and its 12 rankings, predicted from
//     the first cut's measured times, fit in what is left; lambda's search stops early, with the
//     best so far, if a ranking would not fit.
// So the reference may use fewer cuts than the winner; `cuts` says how many, and the winner is
// compared with it on those cuts only.
#pragma once

#include <string>
#include <vector>

#include "zhixuan/train/eval.hpp"

namespace zhixuan {

struct EaseReferenceOptions {
  double budget_seconds = 30;  // <= 0: skipped
  int threads = 0;
  int top_k = 100;
};

struct EaseReference {
  bool scored = false;
  std::string note;             // why not scored, or what was cut short
  double lambda = 0;
  Metrics metrics;              // mean over the first `cuts` cuts
  int cuts = 0;
  int rankings = 0;             // lambda values scored
  double seconds = 0;
  double first_path_predicted = 0, first_path_seconds = 0;  // the probe's prediction, and the truth
};

// `cuts`: the validation cuts in order (the winner's); uses as many of them as the budget holds.
EaseReference TuneEaseReference(const std::vector<const EvalSplit*>& cuts, const EaseReferenceOptions& options);

}  // namespace zhixuan

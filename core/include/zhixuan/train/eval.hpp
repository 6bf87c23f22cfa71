// The evaluation protocol of EVALUATION.md (strong generalization, Liang et al. 2018):
// train on training users, fold each held-out user in from their history alone, rank all
// items except the history, score the held-out target with Recall@20, Recall@50, NDCG@100.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/train/interactions.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

// A split in the train item space: history and target are test users x train items.
struct EvalSplit {
  InteractionMatrix train;           // training users x items (items = the split's item space)
  std::vector<std::string> test_users;
  SparseMatrix history;              // test users x train items
  SparseMatrix target;               // test users x train items
};

// Joins the three files of a split and checks they agree: no test user in train, every test
// user has both a history and a target, every history/target item occurs in train
// (kMalformedData naming the file and line otherwise).
StatusOr<EvalSplit> BuildEvalSplit(const InteractionTable& train, const std::string& train_name,
                                   const InteractionTable& history, const std::string& history_name,
                                   const InteractionTable& target, const std::string& target_name);

// Cuts a validation split out of a training table with the protocol of EVALUATION.md:
// users shuffled (seed), the first `fraction` held out; items restricted to those of the
// remaining users; held-out users with >= 5 such items give int(0.2 n) of them to the target.
// For tuning hyperparameters without looking at the test target.
struct SplitTables {
  InteractionTable train, history, target;
};
StatusOr<SplitTables> MakeValidationSplit(const InteractionTable& train, double fraction, uint32_t seed);

// Ranked lists per test user, in the split's item index (-1 for an item the split lacks).
using Rankings = std::vector<std::vector<int32_t>>;

// Recall@K = hits in the top K / min(K, |target|);
// NDCG@K: binary gains, DCG = sum over hits of 1 / log2(rank + 1), ideal over min(K, |target|).
double RecallAtK(const std::vector<int32_t>& ranked, const std::vector<int32_t>& target_sorted, int k);
double NdcgAtK(const std::vector<int32_t>& ranked, const std::vector<int32_t>& target_sorted, int k);

struct Metrics {
  double recall20 = 0, recall50 = 0, ndcg100 = 0;
  int users = 0;  // test users with a non-empty target
};
StatusOr<Metrics> Evaluate(const Rankings& rankings, const SparseMatrix& target);

// The popularity baseline: items by the number of training users, history excluded.
Rankings PopularityRankings(const EvalSplit& split, int k);

// The device path: each test user's history mapped to model rows (items the model lacks are
// skipped), Recommender::FoldIn, then Recommender::Recommend with the history excluded.
StatusOr<Rankings> RecommenderRankings(const Recommender& rec, const EvalSplit& split, int k);

// A model as a device meets it: saved to bundle bytes, loaded, then RecommenderRankings at k and
// Evaluate against the split's targets.
StatusOr<Metrics> EvaluateShippedModel(const Model& model, const EvalSplit& split, int k);

}  // namespace zhixuan

// Diversity and exploration on ml-latest-small (issue 5): Recall@20, catalog coverage and
// the popularity of what is recommended, with and without re-ranking.
//   text_long_tail_bench [split_dir=/work/shared/data/ml-latest-small-split]
// The protocol of EVALUATION.md (121 test users, fold-in from the history on the device,
// history excluded); iALS with the trainer's defaults (cli/training_options.hpp:
// d=128, 10 epochs, reg 0.01, item_reg 0.01, alpha 0, w0 0.3, nu 1, seed 42).
// Re-ranking: RecommendReranked (diversity.hpp) over the max(4k, k+50) = 80 best items.
//   coverage    = distinct items in all the top-20 lists / items in the model
//   popularity  = mean number of training positives of the recommended items
//   tail share  = share of recommended items outside the popularity head (top 20% of items)
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "zhixuan/text/cold_start.hpp"
#include "zhixuan/text/diversity.hpp"
#include "zhixuan/train/eval.hpp"
#include "zhixuan/train/interactions.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/train/train.hpp"

using namespace zhixuan;

namespace {

InteractionTable MustParse(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CsvReadOptions o;
  o.source_name = path;
  auto t = ParseInteractionsCsv(ss.str(), o);
  if (!t.ok()) {
    std::fprintf(stderr, "%s\n", t.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(t).value();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/work/shared/data/ml-latest-small-split";
  auto train = MustParse(dir + "/train.csv");
  auto history = MustParse(dir + "/test_history.csv");
  auto target = MustParse(dir + "/test_target.csv");
  auto split = BuildEvalSplit(train, "train.csv", history, "test_history.csv", target, "test_target.csv");
  if (!split.ok()) { std::fprintf(stderr, "%s\n", split.status().ToString().c_str()); return 1; }

  TrainParams p;
  p.dim = 128;
  p.epochs = 10;
  p.foldin.reg = 0.01f;
  p.item_reg = 0.01f;
  p.foldin.alpha = 0.f;
  p.foldin.unobserved_weight = 0.3f;
  p.foldin.reg_exponent = 1.f;
  p.seed = 42;
  p.threads = 2;
  auto trained = TrainImplicitAls(split->train.by_user, p);
  if (!trained.ok()) { std::fprintf(stderr, "%s\n", trained.status().ToString().c_str()); return 1; }
  BundleOptions bo;
  bo.segments = 0;
  bo.also_bought.top_k = 0;
  auto model = MakeTrainedModel(split->train, *trained, p, bo);
  if (!model.ok()) { std::fprintf(stderr, "%s\n", model.status().ToString().c_str()); return 1; }
  auto rec = Recommender::Create(std::move(model).value(), std::nullopt);
  const int64_t n = (*rec)->item_count();
  auto popularity = ItemPopularity((*rec)->model(), n);
  if (!popularity.ok() || popularity->empty()) { std::fprintf(stderr, "no item_popularity\n"); return 1; }
  // Positives per item (the trainer ships shares of the total).
  std::vector<double> positives(static_cast<size_t>(n), 0.0);
  for (int32_t u = 0; u < split->train.by_user.rows; ++u)
    for (int64_t k = split->train.by_user.offsets[u]; k < split->train.by_user.offsets[u + 1]; ++k)
      positives[split->train.by_user.indices[k]] += 1;
  const std::vector<uint8_t> tail = LongTailMask(*popularity, n);

  struct Variant {
    const char* name;
    RerankOptions options;
  };
  const std::vector<Variant> variants = {{"relevance only", {0.f, 0.f}},   {"diversity 0.2", {0.2f, 0.f}},
                                         {"diversity 0.5", {0.5f, 0.f}},    {"exploration 0.1", {0.f, 0.1f}},
                                         {"exploration 0.2", {0.f, 0.2f}},  {"diversity 0.2 + exploration 0.2", {0.2f, 0.2f}}};
  std::printf("%d test users, %lld items, k = 20\n", static_cast<int>(split->test_users.size()), static_cast<long long>(n));
  std::printf("| policy | Recall@20 | coverage | mean positives of recommended items | tail share |\n|---|---|---|---|---|\n");
  for (const Variant& v : variants) {
    double recall = 0, pop_sum = 0;
    int64_t shown = 0, tail_shown = 0;
    int users = 0;
    std::set<int32_t> covered;
    for (int32_t u = 0; u < static_cast<int32_t>(split->test_users.size()); ++u) {
      std::vector<int32_t> rows(split->history.indices.begin() + split->history.offsets[u],
                                split->history.indices.begin() + split->history.offsets[u + 1]);
      auto x = (*rec)->FoldIn({rows.data(), nullptr, static_cast<int64_t>(rows.size())});
      Query q;
      q.user_vector = x->data();
      q.k = 20;
      q.exclude_rows = rows;
      auto top = RecommendReranked(**rec, q, v.options, *popularity);
      if (!top.ok()) { std::fprintf(stderr, "%s\n", top.status().ToString().c_str()); return 1; }
      std::vector<int32_t> tgt(split->target.indices.begin() + split->target.offsets[u],
                               split->target.indices.begin() + split->target.offsets[u + 1]);
      std::sort(tgt.begin(), tgt.end());
      recall += RecallAtK(top->rows, tgt, 20);
      ++users;
      for (int32_t r : top->rows) {
        covered.insert(r);
        pop_sum += positives[r];
        tail_shown += tail[r];
        ++shown;
      }
    }
    std::printf("| %s | %.4f | %.4f (%zu items) | %.1f | %.3f |\n", v.name, recall / users,
                static_cast<double>(covered.size()) / n, covered.size(), pop_sum / shown,
                static_cast<double>(tail_shown) / shown);
  }
  return 0;
}

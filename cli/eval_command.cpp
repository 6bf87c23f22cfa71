// zhixuan eval: the protocol of EVALUATION.md on a split directory (train.csv,
// test_history.csv, test_target.csv): popularity, EASE and the model folded in on the device path.
#include <chrono>
#include <cstdio>
#include <limits>

#include "command.hpp"
#include "io.hpp"
#include "training_options.hpp"
#include "zhixuan/train/ease.hpp"
#include "zhixuan/train/eval.hpp"

namespace zhixuan::cli {
namespace {

constexpr int kTopK = 100;

void PrintRow(const std::string& name, const Metrics& m) {
  std::printf("| %-44s | %9.4f | %9.4f | %8.4f |\n", name.c_str(), m.recall20, m.recall50, m.ndcg100);
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

StatusOr<std::unique_ptr<Recommender>> LoadRecommender(const std::string& path) {
  auto model = ReadModel(path);
  if (!model.ok()) return model.status();
  return Recommender::Create(std::move(model).value(), std::nullopt);
}

Status Run(const std::vector<std::string>& argv) {
  std::vector<std::string> options = TrainingValueOptions();
  options.insert(options.end(), {"split", "model", "out", "ease-lambda", "validation-fraction", "validation-seed"});
  auto args = Args::Parse(argv, options, {"no-ease", "validation"});
  if (!args.ok()) return args.status();
  auto dir = args->Required("split");
  if (!dir.ok()) return dir.status();
  auto ease_lambda = args->Float("ease-lambda", 100.f, 1e-6f, 1e9f);
  auto fraction = args->Float("validation-fraction", 0.2f, 0.01f, 0.99f);
  auto validation_seed = args->Int("validation-seed", 1, 0, 2147483647);
  for (const Status* s : {&ease_lambda.status(), &fraction.status(), &validation_seed.status()}) ZX_RETURN_IF_ERROR(*s);
  auto min_rating = args->Float("min-rating", std::numeric_limits<float>::quiet_NaN(), -1e9f, 1e9f);
  if (args->Has("min-rating") && !min_rating.ok()) return min_rating.status();
  const float min_weight = args->Has("min-rating") ? *min_rating : std::numeric_limits<float>::quiet_NaN();
  if (args->Has("validation") && args->Has("model"))
    return InvalidArgument("--validation trains on a part of train.csv; it cannot evaluate a given --model");

  const std::string train_path = *dir + "/train.csv";
  auto train = ReadInteractions(train_path, min_weight);
  if (!train.ok()) return train.status();
  InteractionTable history, target;
  std::string history_name = *dir + "/test_history.csv", target_name = *dir + "/test_target.csv";
  if (args->Has("validation")) {
    // Tuning: hold out users of train.csv; the test files are not read at all.
    auto cut = MakeValidationSplit(*train, *fraction, static_cast<uint32_t>(*validation_seed));
    if (!cut.ok()) return cut.status();
    *train = std::move(cut->train);
    history = std::move(cut->history);
    target = std::move(cut->target);
    history_name = train_path + " (validation history)";
    target_name = train_path + " (validation target)";
  } else {
    auto h = ReadInteractions(history_name, min_weight);
    if (!h.ok()) return h.status();
    auto t = ReadInteractions(target_name, min_weight);
    if (!t.ok()) return t.status();
    history = std::move(h).value();
    target = std::move(t).value();
  }
  auto split = BuildEvalSplit(*train, train_path, history, history_name, target, target_name);
  if (!split.ok()) return split.status();
  std::printf("split %s%s: %d train users, %d items, %lld train positives; %d test users\n", dir->c_str(),
              args->Has("validation") ? " (validation cut of train.csv)" : "", split->train.by_user.rows,
              split->train.by_user.cols, static_cast<long long>(split->train.by_user.nnz()),
              static_cast<int>(split->test_users.size()));

  std::unique_ptr<Recommender> rec;
  std::string model_name;
  if (args->Has("model")) {
    auto loaded = LoadRecommender(args->String("model"));
    if (!loaded.ok()) return loaded.status();
    rec = std::move(loaded).value();
    model_name = "model " + args->String("model");
  } else {
    auto params = ReadTrainParams(*args);
    if (!params.ok()) return params.status();
    auto bundle = ReadBundleOptions(*args);
    if (!bundle.ok()) return bundle.status();
    if (!args->Has("out")) {  // extras are not evaluated: skip them unless a bundle is kept
      bundle->segments = 0;
      bundle->also_bought.top_k = 0;
    }
    const auto start = std::chrono::steady_clock::now();
    auto result = TrainWithProgress(split->train.by_user, *params);
    if (!result.ok()) return result.status();
    std::printf("trained %s in %.2f s (%.3f s/epoch)\n", DescribeParams(*params).c_str(), Since(start),
                Since(start) / params->epochs);
    if (bundle->model_version.empty()) bundle->model_version = "eval";
    auto model = MakeTrainedModel(split->train, *result, *params, *bundle);
    if (!model.ok()) return model.status();
    // Through the shipped bytes, as the device receives them.
    const std::vector<uint8_t> bytes = SaveModel(*model);
    if (args->Has("out")) ZX_RETURN_IF_ERROR(WriteFileAtomic(args->String("out"), bytes));
    auto loaded = LoadModel(bytes.data(), bytes.size());
    if (!loaded.ok()) return loaded.status();
    auto created = Recommender::Create(std::move(loaded).value(), std::nullopt);
    if (!created.ok()) return created.status();
    rec = std::move(created).value();
    model_name = "iALS d=" + std::to_string(params->dim) + " " + DTypeName(bundle->dtype) + ", device fold-in";
  }

  std::printf("\n| %-44s | %9s | %9s | %8s |\n|%s|%s|%s|%s|\n", "model", "Recall@20", "Recall@50", "NDCG@100",
              std::string(46, '-').c_str(), std::string(11, '-').c_str(), std::string(11, '-').c_str(),
              std::string(10, '-').c_str());
  auto popularity = Evaluate(PopularityRankings(*split, kTopK), split->target);
  if (!popularity.ok()) return popularity.status();
  PrintRow("popularity", *popularity);
  if (!args->Has("no-ease")) {
    const auto start = std::chrono::steady_clock::now();
    auto ease = EaseRankings(*split, *ease_lambda, kTopK, 0);
    if (!ease.ok()) return ease.status();
    auto m = Evaluate(*ease, split->target);
    if (!m.ok()) return m.status();
    char name[64];
    std::snprintf(name, sizeof name, "EASE lambda=%g (%.1f s)", *ease_lambda, Since(start));
    PrintRow(name, *m);
  }
  auto rankings = RecommenderRankings(*rec, *split, kTopK);
  if (!rankings.ok()) return rankings.status();
  auto m = Evaluate(*rankings, split->target);
  if (!m.ok()) return m.status();
  PrintRow(model_name, *m);
  std::printf("(%d test users with a target)\n", m->users);
  return Status::Ok();
}

std::string Usage() {
  return "--split DIR [--model M] [options]\n"
         "  --split DIR        DIR/train.csv, DIR/test_history.csv, DIR/test_target.csv\n"
         "  --model M          evaluate this bundle (otherwise train on DIR/train.csv with the options below)\n"
         "  --out M            keep the bundle trained for the evaluation\n"
         "  --validation       tune: hold out users of train.csv instead of reading the test files\n"
         "  --validation-fraction F  share of train users held out (default 0.2)\n"
         "  --validation-seed S      (default 1)\n"
         "  --ease-lambda L    EASE reference row (default 100); --no-ease skips it\n" +
         TrainingUsage();
}

}  // namespace

ZX_REGISTER_COMMAND("eval", "Recall@20/50, NDCG@100 of popularity, EASE and the device fold-in", &Usage, &Run);

}  // namespace zhixuan::cli

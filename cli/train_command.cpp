// zhixuan train: implicit ALS on a CSV of interactions -> a model bundle.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "command.hpp"
#include "io.hpp"
#include "training_options.hpp"
#include "tuning.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/text/text_projection.hpp"

namespace zhixuan::cli {
namespace {

std::string DerivedModelVersion(const TrainResult& r) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the factors: same data + params, same version
  const auto* bytes = reinterpret_cast<const uint8_t*>(r.item_factors.data());
  for (size_t i = 0; i < r.item_factors.size() * sizeof(float); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  char text[40];
  std::snprintf(text, sizeof text, "ials-%016llx", static_cast<unsigned long long>(h));
  return text;
}

Status Run(const std::vector<std::string>& argv) {
  std::vector<std::string> options = TrainingValueOptions();
  options.insert(options.end(), {"interactions", "out", "catalog", "budget", "trials", "ease-budget", "max-dim"});
  auto args = Args::Parse(argv, options, {"tune"});
  if (!args.ok()) return args.status();
  auto input = args->Required("interactions");
  auto out = args->Required("out");
  if (!input.ok()) return input.status();
  if (!out.ok()) return out.status();
  auto params = ReadTrainParams(*args);
  if (!params.ok()) return params.status();
  auto bundle = ReadBundleOptions(*args);
  if (!bundle.ok()) return bundle.status();
  auto tune = ReadTuneOptions(*args);
  if (!tune.ok()) return tune.status();
  if (!args->Has("tune") && (args->Has("budget") || args->Has("trials") || args->Has("ease-budget") || args->Has("max-dim")))
    return InvalidArgument("--budget, --trials, --ease-budget and --max-dim need --tune");
  auto min_rating = args->Float("min-rating", std::numeric_limits<float>::quiet_NaN(), -1e9f, 1e9f);
  if (args->Has("min-rating") && !min_rating.ok()) return min_rating.status();

  std::optional<TuneResult> tuning;
  std::optional<Catalog> catalog;
  if (args->Has("catalog")) {
    auto parsed = ReadCatalog(args->String("catalog"));
    if (!parsed.ok()) return parsed.status();
    catalog = std::move(parsed).value();
  }
  auto table = ReadInteractions(*input, args->Has("min-rating") ? *min_rating : std::numeric_limits<float>::quiet_NaN(),
                                /*progress=*/true);
  if (!table.ok()) return table.status();
  StageProgress indexing("indexing users and items");
  auto data = BuildInteractionMatrix(*table, [&](int64_t done, int64_t rows) {
    indexing.Update(std::to_string(done) + " of " + std::to_string(rows) + " rows");
  });
  if (!data.ok()) return Status(data.status().code(), *input + ": " + data.status().message());
  indexing.Finish(std::to_string(data->by_user.rows) + " users x " + std::to_string(data->by_user.cols) + " items, " +
                  std::to_string(data->by_user.nnz()) + " distinct interactions");

  if (args->Has("tune")) {  // validation cut from this file only; then the winner on all of it
    tune->seed = params->seed;
    tune->dtype = bundle->dtype;
    tune->threads = params->threads;
    auto tuned = TuneWithProgress(*table, *params, *tune);
    if (!tuned.ok()) return tuned.status();
    PrintTuneSummary(*tuned, *tune);
    *params = tuned->best;
    tuning = std::move(tuned).value();
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = TrainWithProgress(data->by_user, *params);
  if (!result.ok()) return result.status();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (bundle->model_version.empty())
    bundle->model_version = catalog && !catalog->model_version.empty() ? catalog->model_version : DerivedModelVersion(*result);
  StageProgress bundling("bundling (popularity, k-means segments, also-bought pairs)");
  bundling.Begin();
  auto model = MakeTrainedModel(*data, *result, *params, *bundle);
  if (!model.ok()) return model.status();
  bundling.Finish(std::to_string(bundle->segments) + " segments, also-bought top " + std::to_string(bundle->also_bought.top_k));
  if (tuning) ZX_RETURN_IF_ERROR(AddTuneRecord(*tuning, *tune, &*model));
  TextTrainingReport text_report;
  Status text_status;
  if (catalog)  // text features + projection: lets the device embed new items from text
    text_status = AttachTextModel(*catalog, &*model, TextProjectionParams{}, &text_report);
  const std::vector<uint8_t> bytes = SaveModel(*model);
  ZX_RETURN_IF_ERROR(WriteFileAtomic(*out, bytes));

  std::printf("trained %d users x %d items (%lld interactions), %s\n", data->by_user.rows, data->by_user.cols,
              static_cast<long long>(data->by_user.nnz()), DescribeParams(*params).c_str());
  char predicted[64] = "";
  if (tuning && tuning->final_seconds_predicted > 0)
    std::snprintf(predicted, sizeof predicted, ", predicted %.2f s", tuning->final_seconds_predicted);
  std::printf("training took %.2f s (%.3f s/epoch%s); wrote %s (%zu bytes, %s, model_version %s)\n", seconds,
              seconds / params->epochs, predicted, out->c_str(), bytes.size(), DTypeName(bundle->dtype),
              bundle->model_version.c_str());
  if (catalog) {
    int64_t missing = 0;
    for (const std::string& id : data->items.ids()) missing += catalog->find(id) == nullptr;
    int64_t cold = 0;
    for (const CatalogItem& item : catalog->items) cold += data->items.Find(item.id) < 0;
    std::printf("catalog: %lld trained items have no catalog entry; %lld catalog items have no interactions (cold)\n",
                static_cast<long long>(missing), static_cast<long long>(cold));
    if (!text_status.ok()) std::printf("text model skipped: %s\n", text_status.ToString().c_str());
    else std::printf("text model: %lld documents, %lld items fitted, %lld buckets, ridge R2 %.3f (%d CG iterations)\n",
                static_cast<long long>(text_report.documents), static_cast<long long>(text_report.fitted_items),
                static_cast<long long>(text_report.buckets), text_report.train_r2, text_report.iterations);
  }
  return Status::Ok();
}

std::string Usage() {
  return "--interactions FILE.csv --out model.safetensors [--catalog catalog.json] [options]\n"
                    "  --interactions F   CSV with header user,item[,weight|rating][,ts][,type]\n"
                    "  --out M            bundle to write (atomically: temp file + rename)\n"
                    "  --catalog C        catalog JSON: checked, its model_version adopted, coverage reported;\n"
                    "                     its text trains the text features and projection (text.hpp)\n"
                    "  --tune             search dim, regs, alpha, w0, reg exponent and epochs on validation users cut\n"
                    "                     from this file (device fold-in, NDCG@100; EASE tuned for reference), then\n"
                    "                     train on all of it with the winner; --seed fixes the search\n"
                    "  --budget T         time for --tune's search and the final training (predicted): 60s (default),\n"
                    "                     90, 2m; 0 keeps the defaults\n"
                    "  --trials N         at most N training runs in the search (the same choice on any machine)\n"
                    "  --ease-budget T    time for the tuned-EASE reference after the search (default: half of\n"
                    "                     --budget; 0 skips it): as many validation cuts as fit\n"
                    "  --max-dim D        largest dim the search draws (default 256; 512 or 1024 for item-heavy\n"
                    "                     baskets: Online Retail needed 20 min for 512); last, the winner is retried at\n"
                    "                     the next dim up on its cuts and kept if validation improves\n" +
         TrainingUsage();
}

}  // namespace

ZX_REGISTER_COMMAND("train", "implicit ALS on a CSV of interactions -> model bundle", &Usage, &Run);

}  // namespace zhixuan::cli

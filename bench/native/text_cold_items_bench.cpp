// Cold items on ml-latest-small: can items the model never trained on be
// recommended from their text alone? (issue 5, "the bar")
//
// Split (all deterministic):
//  - Users, history and target: the shared split of EVALUATION.md
//    (data/ml-latest-small-split: train.csv, test_history.csv, test_target.csv; seed 98765).
//  - Items: the 5542 items of train.csv, sorted by numeric movieId, shuffled with
//    Fisher-Yates driven by std::mt19937(seed) (j = rng() % (i + 1), i from the end);
//    the first int(0.2 * 5542) = 1108 are COLD: every interaction with them is removed
//    from training (iALS and the text model never see them; the IDF is computed over
//    the warm items' text only).
//  - Cold items are then embedded from text only (title, genres, tags.csv tags) with the
//    shipped projection and appended to the recommender (the device's addItems path).
//  - Each test user is folded in from their history (all of it: warm rows plus the
//    text-embedded cold rows; Gram of the warm items as on the device), and only the cold
//    items not in the history are ranked. Target = the user's target items that are cold;
//    users without a cold target are skipped. Recall@20 = hits / min(20, |target|).
//  - Baselines on the same candidates: random ranking (exact expectation), and text
//    similarity to the user's history alone (cosine of the item's TF-IDF vector to the
//    mean of the history's TF-IDF vectors; also the max over history items).
//
// iALS: the trainer's defaults (d=128, 10 epochs, reg 0.01, item_reg 0.01, alpha 0, w0 0.3, nu 1).
// Usage: text_cold_items_bench [data_dir=/work/shared/data] [seed=98765] [lambda=-1: grid 0.1..10]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "zhixuan/model/catalog.hpp"
#include "zhixuan/train/interactions.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/text/text.hpp"
#include "zhixuan/text/text_projection.hpp"
#include "zhixuan/train/train.hpp"

using namespace zhixuan;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC-4180-ish: quoted fields with "" escapes.
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { cur += '"'; ++i; }
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') { out.push_back(cur); cur.clear(); }
    else if (c != '\r') cur += c;
  }
  out.push_back(cur);
  return out;
}

InteractionTable MustParse(const std::string& path) {
  CsvReadOptions o;
  o.source_name = path;
  auto t = ParseInteractionsCsv(ReadAll(path), o);
  if (!t.ok()) {
    std::fprintf(stderr, "%s\n", t.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(t).value();
}

// movieId -> catalog item (title, genres and tags.csv tags as tags).
std::unordered_map<std::string, CatalogItem> MovieCatalog(const std::string& dir) {
  std::unordered_map<std::string, CatalogItem> items;
  std::istringstream movies(ReadAll(dir + "/movies.csv"));
  std::string line;
  std::getline(movies, line);
  while (std::getline(movies, line)) {
    auto f = SplitCsvLine(line);
    if (f.size() < 3) continue;
    CatalogItem item;
    item.id = f[0];
    item.title = f[1];
    std::stringstream genres(f[2]);
    std::string g;
    while (std::getline(genres, g, '|'))
      if (g != "(no genres listed)") item.tags.push_back(g);
    items[item.id] = item;
  }
  std::istringstream tags(ReadAll(dir + "/tags.csv"));
  std::getline(tags, line);
  while (std::getline(tags, line)) {
    auto f = SplitCsvLine(line);
    if (f.size() < 3) continue;
    auto it = items.find(f[1]);
    if (it == items.end() || it->second.tags.size() >= kMaxTagsPerItem) continue;
    if (std::find(it->second.tags.begin(), it->second.tags.end(), f[2]) == it->second.tags.end()) it->second.tags.push_back(f[2]);
  }
  return items;
}

struct UserLists {
  std::vector<std::string> history;
  std::set<std::string> target;
};

double RecallAt(const std::vector<int32_t>& ranked, const std::set<int32_t>& target, int k) {
  int hits = 0;
  for (int r = 0; r < k && r < static_cast<int>(ranked.size()); ++r) hits += target.count(ranked[r]) ? 1 : 0;
  return static_cast<double>(hits) / std::min<size_t>(k, target.size());
}

std::vector<int32_t> RankBy(const std::vector<float>& scores, const std::vector<int32_t>& candidates) {
  std::vector<int32_t> order = candidates;
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string data = argc > 1 ? argv[1] : "/work/shared/data";
  const uint32_t seed = argc > 2 ? static_cast<uint32_t>(std::stoul(argv[2])) : 98765u;
  const float lambda_arg = argc > 3 ? std::stof(argv[3]) : -1.f;
  const std::string split_dir = data + "/ml-latest-small-split";

  InteractionTable train = MustParse(split_dir + "/train.csv");
  InteractionTable history = MustParse(split_dir + "/test_history.csv");
  InteractionTable target = MustParse(split_dir + "/test_target.csv");
  auto movies = MovieCatalog(data + "/ml-latest-small");

  // Item split.
  std::vector<std::string> items;
  {
    std::set<std::string> seen(train.items.begin(), train.items.end());
    items.assign(seen.begin(), seen.end());
    std::sort(items.begin(), items.end(), [](const std::string& a, const std::string& b) { return std::stol(a) < std::stol(b); });
  }
  std::mt19937 rng(seed);
  for (size_t i = items.size() - 1; i > 0; --i) std::swap(items[i], items[rng() % (i + 1)]);
  const size_t cold_count = static_cast<size_t>(0.2 * items.size());
  const std::unordered_set<std::string> cold(items.begin(), items.begin() + cold_count);
  std::printf("items %zu, cold %zu, warm %zu (seed %u)\n", items.size(), cold_count, items.size() - cold_count, seed);

  // Train iALS on warm interactions only.
  InteractionTable warm_train;
  for (size_t k = 0; k < train.users.size(); ++k) {
    if (cold.count(train.items[k])) continue;
    warm_train.users.push_back(train.users[k]);
    warm_train.items.push_back(train.items[k]);
    warm_train.weights.push_back(1.f);
    warm_train.lines.push_back(train.lines[k]);
  }
  auto matrix = BuildInteractionMatrix(warm_train);
  // The trainer's defaults (cli/training_options.hpp, tuned on validation splits).
  TrainParams tp;
  tp.dim = 128;
  tp.epochs = 10;
  tp.foldin.reg = 0.01f;
  tp.foldin.alpha = 0.f;
  tp.foldin.unobserved_weight = 0.3f;
  tp.foldin.reg_exponent = 1.f;
  tp.item_reg = 0.01f;
  tp.seed = 42;
  tp.threads = 2;
  const auto t0 = std::chrono::steady_clock::now();
  auto trained = TrainImplicitAls(matrix->by_user, tp);
  if (!trained.ok()) { std::fprintf(stderr, "%s\n", trained.status().ToString().c_str()); return 1; }
  const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto model = MakeModel(matrix->items.ids(), trained->item_factors.data(), tp.dim, DType::kF32, tp.foldin, "cold-bench");
  std::printf("iALS: %d warm items, %zu interactions, dim %d, %d epochs, %.1f s\n", matrix->items.size(),
              warm_train.users.size(), tp.dim, tp.epochs, train_s);

  // The training catalog: warm items only.
  Catalog warm_catalog;
  for (const std::string& id : matrix->items.ids()) {
    warm_catalog.index[id] = static_cast<int32_t>(warm_catalog.items.size());
    warm_catalog.items.push_back(movies.count(id) ? movies[id] : CatalogItem{id});
  }

  // Test users.
  std::map<std::string, UserLists> users;
  for (size_t k = 0; k < history.users.size(); ++k) users[history.users[k]].history.push_back(history.items[k]);
  for (size_t k = 0; k < target.users.size(); ++k) users[target.users[k]].target.insert(target.items[k]);

  std::vector<float> lambdas = lambda_arg > 0 ? std::vector<float>{lambda_arg} : std::vector<float>{0.1f, 0.3f, 1.f, 3.f, 10.f};
  for (float lambda : lambdas) {
    Model m = model.value();
    TextProjectionParams pp;
    pp.lambda = lambda;
    TextTrainingReport report;
    const auto t1 = std::chrono::steady_clock::now();
    Status st = AttachTextModel(warm_catalog, &m, pp, &report);
    const double text_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    if (!st.ok()) { std::fprintf(stderr, "%s\n", st.ToString().c_str()); return 1; }
    size_t bytes = 0;
    for (const char* name : {"text_buckets", "text_idf", "text_projection", "text_projection_bias"}) bytes += m.extras[name].bytes.size();
    auto featurizer = TextFeaturizer::FromModel(m);
    auto projection = TextProjection::FromModel(m, *featurizer);
    if (!featurizer.ok() || !projection.ok()) { std::fprintf(stderr, "reload failed\n"); return 1; }

    // Device side: embed cold items from text, append.
    auto rec = Recommender::Create(std::move(m), std::nullopt);
    std::vector<std::string> cold_ids(items.begin(), items.begin() + cold_count);
    std::sort(cold_ids.begin(), cold_ids.end());
    std::vector<float> cold_rows;
    for (const std::string& id : cold_ids) {
      const CatalogItem item = movies.count(id) ? movies[id] : CatalogItem{id};
      auto e = projection->Embed(featurizer->FeaturizeItem(item));
      cold_rows.insert(cold_rows.end(), e.begin(), e.end());
    }
    Status appended = (*rec)->AppendItems(cold_ids, cold_rows.data());
    if (!appended.ok()) { std::fprintf(stderr, "%s\n", appended.ToString().c_str()); return 1; }

    // Text vectors of every item (for the text-only baseline).
    std::unordered_map<std::string, SparseVector> text;
    for (const std::string& id : items) text[id] = featurizer->FeaturizeItem(movies.count(id) ? movies[id] : CatalogItem{id});

    const int32_t first_cold = static_cast<int32_t>((*rec)->item_count() - cold_count);
    double r_model = 0, r_warm_only = 0, r_random = 0, r_text_mean = 0, r_text_max = 0;
    int evaluated = 0;
    const int dim = (*rec)->dim();
    std::vector<float> row(dim);
    for (const auto& [user, lists] : users) {
      std::set<int32_t> cold_target;
      for (const std::string& id : lists.target)
        if (cold.count(id)) cold_target.insert((*rec)->RowOf(id));
      if (cold_target.empty()) continue;
      std::vector<int32_t> hist_rows, warm_rows;
      std::set<int32_t> hist_set;
      for (const std::string& id : lists.history) {
        const int32_t r = (*rec)->RowOf(id);
        if (r < 0) continue;
        hist_rows.push_back(r);
        hist_set.insert(r);
        if (r < first_cold) warm_rows.push_back(r);
      }
      std::vector<int32_t> candidates;
      for (int32_t r = first_cold; r < (*rec)->item_count(); ++r)
        if (!hist_set.count(r)) candidates.push_back(r);
      std::vector<float> scores((*rec)->item_count(), 0.f);
      auto score_with = [&](const std::vector<int32_t>& rows) {
        FoldInInput in;
        in.rows = rows.data();
        in.count = static_cast<int64_t>(rows.size());
        auto u = (*rec)->FoldIn(in);
        for (int32_t c : candidates) {
          (*rec)->model().items.RowToF32(c, row.data());
          float s = 0;
          for (int j = 0; j < dim; ++j) s += row[j] * (*u)[j];
          scores[c] = s;
        }
        return RecallAt(RankBy(scores, candidates), cold_target, 20);
      };
      r_model += score_with(hist_rows);
      r_warm_only += score_with(warm_rows);
      // Random: expected hits = min(20, n) * |T| / n.
      const double n = static_cast<double>(candidates.size());
      r_random += std::min(20.0, n) * cold_target.size() / n / std::min<size_t>(20, cold_target.size());
      // Text similarity to the history.
      std::vector<float> mean_scores((*rec)->item_count(), 0.f), max_scores((*rec)->item_count(), -1.f);
      for (int32_t c : candidates) {
        const SparseVector& cv = text[std::string((*rec)->item_ids()[c])];
        for (const std::string& h : lists.history) {
          const float s = SparseDot(cv, text[h]);
          mean_scores[c] += s;
          max_scores[c] = std::max(max_scores[c], s);
        }
      }
      r_text_mean += RecallAt(RankBy(mean_scores, candidates), cold_target, 20);
      r_text_max += RecallAt(RankBy(max_scores, candidates), cold_target, 20);
      ++evaluated;
    }
    std::printf(
        "lambda %-5g text model: %lld buckets, %lld fitted items, CG %d it (res %.1e), train R2 %.3f, %.2f s, %.2f MB shipped\n"
        "  cold Recall@20 over %d users: model(full history) %.4f | model(warm history) %.4f | random %.4f | "
        "text-sim mean %.4f | text-sim max %.4f | model/random %.2fx\n",
        lambda, static_cast<long long>(report.buckets), static_cast<long long>(report.fitted_items), report.iterations,
        report.relative_residual, report.train_r2, text_s, bytes / 1048576.0, evaluated, r_model / evaluated,
        r_warm_only / evaluated, r_random / evaluated, r_text_mean / evaluated, r_text_max / evaluated, r_model / r_random);
  }
  return 0;
}

// zhixuan recommend: folds in every user of a history CSV through the device's code path
// (Recommender::FoldIn, then Recommend with the history excluded) and writes user,rank,item,score.
#include <cstdio>
#include <memory>
#include <optional>

#include "command.hpp"
#include "io.hpp"
#include "zhixuan/base/csv.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/base/parallel.hpp"
#include "zhixuan/model/recommender.hpp"

namespace zhixuan::cli {
namespace {

Status Run(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"model", "history", "k", "out", "catalog", "threads"}, {});
  if (!args.ok()) return args.status();
  auto model_path = args->Required("model");
  auto history_path = args->Required("history");
  auto out_path = args->Required("out");
  for (const Status* s : {&model_path.status(), &history_path.status(), &out_path.status()}) ZX_RETURN_IF_ERROR(*s);
  auto k = args->Int("k", 100, 1, kMaxK);
  auto threads = args->Int("threads", 0, 0, 1024);
  if (!k.ok()) return k.status();
  if (!threads.ok()) return threads.status();

  auto model = ReadModel(*model_path);
  if (!model.ok()) return model.status();
  std::optional<Catalog> catalog;
  if (args->Has("catalog")) {
    auto parsed = ReadCatalog(args->String("catalog"));
    if (!parsed.ok()) return parsed.status();
    catalog = std::move(parsed).value();
  }
  auto rec = Recommender::Create(std::move(model).value(), std::move(catalog));
  if (!rec.ok()) return rec.status();
  const Recommender& r = **rec;

  auto table = ReadInteractions(*history_path, std::numeric_limits<float>::quiet_NaN());
  if (!table.ok()) return table.status();
  // Users in order of first appearance; duplicate (user, item) rows are summed, as in training.
  IdIndex users, items;
  std::vector<int32_t> user_of(table->users.size()), item_of(table->items.size());
  for (size_t e = 0; e < table->users.size(); ++e) {
    user_of[e] = users.Add(table->users[e]);
    item_of[e] = items.Add(table->items[e]);
  }
  const SparseMatrix history = BuildCsr(users.size(), items.size(), user_of, item_of, table->weights);
  std::vector<int32_t> row_of_item(static_cast<size_t>(items.size()));
  int64_t unknown = 0;
  for (int32_t i = 0; i < items.size(); ++i) {
    row_of_item[i] = r.RowOf(items.ids()[i]);
    unknown += row_of_item[i] < 0;
  }

  std::vector<std::string> lines(static_cast<size_t>(users.size()));
  std::vector<Status> errors(static_cast<size_t>(users.size()));
  ParallelFor(0, users.size(), *threads, [&](int64_t u, int) {
    std::vector<int32_t> rows;
    std::vector<float> weights;
    for (int64_t e = history.offsets[u]; e < history.offsets[u + 1]; ++e) {
      if (row_of_item[history.indices[e]] < 0) continue;  // not in the model: the device skips it too
      rows.push_back(row_of_item[history.indices[e]]);
      weights.push_back(history.values[e]);
    }
    auto x = r.FoldIn({rows.data(), weights.data(), static_cast<int64_t>(rows.size())});
    if (!x.ok()) {
      errors[u] = Status(x.status().code(), "user '" + users.ids()[u] + "': " + x.status().message());
      return;
    }
    Query q;
    q.user_vector = x->data();
    q.k = *k;
    q.exclude_rows = rows;
    auto top = r.Recommend(q);
    if (!top.ok()) {
      errors[u] = top.status();
      return;
    }
    std::string& out = lines[u];
    const std::string user = CsvField(users.ids()[u]);
    char score[32];
    for (size_t j = 0; j < top->rows.size(); ++j) {
      std::snprintf(score, sizeof score, "%.9g", top->scores[j]);
      out += user + "," + std::to_string(j + 1) + "," + CsvField(r.item_ids()[top->rows[j]]) + "," + score + "\n";
    }
  }, 4);
  for (const Status& s : errors) ZX_RETURN_IF_ERROR(s);
  std::string csv = "user,rank,item,score\n";
  for (const std::string& l : lines) csv += l;
  ZX_RETURN_IF_ERROR(WriteFileAtomic(*out_path, csv));
  std::fprintf(stderr, "recommended top %d for %d users -> %s", *k, users.size(), out_path->c_str());
  if (unknown > 0) std::fprintf(stderr, " (%lld history items unknown to the model were skipped)", static_cast<long long>(unknown));
  std::fprintf(stderr, "\n");
  return Status::Ok();
}

std::string Usage() {
  return "--model M --history FILE.csv --out recs.csv [--k 100] [--catalog catalog.json] [--threads T]\n"
         "  --history F   CSV user,item[,weight|rating]: every user is folded in from their rows\n"
         "  --out F       writes user,rank,item,score (rank from 1), history excluded\n"
         "  --catalog C   apply the catalog's availability, as the device does\n";
}

}  // namespace

ZX_REGISTER_COMMAND("recommend", "fold in users from a history CSV and write their top K", &Usage, &Run);

}  // namespace zhixuan::cli

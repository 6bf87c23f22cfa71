#include "zhixuan/train/eval.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <unordered_set>

#include "zhixuan/base/parallel.hpp"
#include "zhixuan/base/seeded_random.hpp"
#include "zhixuan/model/scoring.hpp"

namespace zhixuan {
namespace {

Status SplitError(const std::string& file, int64_t line, const std::string& what) {
  return Status(StatusCode::kMalformedData, file + " line " + std::to_string(line) + ": " + what);
}

// Maps one held-out file onto the train item space and the shared test-user index.
Status MapHeldOut(const InteractionTable& table, const std::string& name, const InteractionMatrix& train,
                  IdIndex* test_users, bool may_add_users, std::vector<int32_t>* user_of,
                  std::vector<int32_t>* item_of) {
  user_of->resize(table.users.size());
  item_of->resize(table.items.size());
  for (size_t k = 0; k < table.users.size(); ++k) {
    const std::string& user = table.users[k];
    if (train.users.Find(user) >= 0)
      return SplitError(name, table.lines[k], "user '" + user + "' is also a training user (test users must be held out)");
    int32_t u = test_users->Find(user);
    if (u < 0) {
      if (!may_add_users) return SplitError(name, table.lines[k], "user '" + user + "' has a target but no history");
      u = test_users->Add(user);
    }
    const int32_t i = train.items.Find(table.items[k]);
    if (i < 0)
      return SplitError(name, table.lines[k], "item '" + table.items[k] + "' never occurs in the training file (a split's items are its training items)");
    (*user_of)[k] = u;
    (*item_of)[k] = i;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<EvalSplit> BuildEvalSplit(const InteractionTable& train, const std::string& train_name,
                                   const InteractionTable& history, const std::string& history_name,
                                   const InteractionTable& target, const std::string& target_name) {
  auto train_matrix = BuildInteractionMatrix(train);
  if (!train_matrix.ok()) return Status(train_matrix.status().code(), train_name + ": " + train_matrix.status().message());
  EvalSplit split;
  split.train = std::move(train_matrix).value();
  IdIndex test_users;
  std::vector<int32_t> hu, hi, tu, ti;
  ZX_RETURN_IF_ERROR(MapHeldOut(history, history_name, split.train, &test_users, true, &hu, &hi));
  ZX_RETURN_IF_ERROR(MapHeldOut(target, target_name, split.train, &test_users, false, &tu, &ti));
  split.test_users = test_users.ids();
  const int32_t users = test_users.size();
  split.history = BuildCsr(users, split.train.items.size(), hu, hi, history.weights);
  split.target = BuildCsr(users, split.train.items.size(), tu, ti, target.weights);
  for (int32_t u = 0; u < users; ++u)
    if (split.target.RowSize(u) == 0)
      return Status(StatusCode::kMalformedData, target_name + ": test user '" + split.test_users[u] + "' has a history in " +
                                                    history_name + " but no target");
  return split;
}

StatusOr<SplitTables> MakeValidationSplit(const InteractionTable& train, double fraction, uint32_t seed) {
  if (!(fraction > 0 && fraction < 1)) return InvalidArgument("validation fraction must be in (0, 1)");
  IdIndex users;
  std::vector<int32_t> user_of(train.users.size());
  for (size_t k = 0; k < train.users.size(); ++k) user_of[k] = users.Add(train.users[k]);
  std::vector<int32_t> order(static_cast<size_t>(users.size()));
  for (int32_t u = 0; u < users.size(); ++u) order[u] = u;
  SeededRandom rng(seed);
  rng.Shuffle(order.begin(), order.end());
  const int32_t held_count = static_cast<int32_t>(fraction * users.size());
  if (held_count == 0 || held_count == users.size()) return InvalidArgument("validation split leaves no held-out or no training users");
  std::vector<uint8_t> held(static_cast<size_t>(users.size()), 0);
  for (int32_t k = 0; k < held_count; ++k) held[order[k]] = 1;

  SplitTables out;
  auto copy_row = [&](InteractionTable* t, size_t k) {
    t->users.push_back(train.users[k]);
    t->items.push_back(train.items[k]);
    t->weights.push_back(train.weights[k]);
    t->lines.push_back(train.lines.empty() ? static_cast<int64_t>(k) + 2 : train.lines[k]);
  };
  std::unordered_set<std::string> train_items;
  for (size_t k = 0; k < train.users.size(); ++k)
    if (!held[user_of[k]]) {
      copy_row(&out.train, k);
      if (train.weights[k] > 0) train_items.insert(train.items[k]);
    }
  // Rows of each held-out user (positives among the remaining items, first occurrence only).
  std::vector<std::vector<size_t>> rows_of(static_cast<size_t>(users.size()));
  std::vector<std::unordered_set<std::string>> seen(static_cast<size_t>(users.size()));
  for (size_t k = 0; k < train.users.size(); ++k) {
    const int32_t u = user_of[k];
    if (held[u] && train.weights[k] > 0 && train_items.count(train.items[k]) && seen[u].insert(train.items[k]).second)
      rows_of[u].push_back(k);
  }
  for (int32_t k = 0; k < held_count; ++k) {
    std::vector<size_t>& rows = rows_of[order[k]];
    if (rows.size() < 5) continue;
    rng.Shuffle(rows.begin(), rows.end());
    const size_t n_target = static_cast<size_t>(0.2 * static_cast<double>(rows.size()));
    for (size_t j = 0; j < rows.size(); ++j) copy_row(j < n_target ? &out.target : &out.history, rows[j]);
  }
  if (out.history.users.empty()) return InvalidArgument("validation split has no held-out user with >= 5 positives");
  return out;
}

double RecallAtK(const std::vector<int32_t>& ranked, const std::vector<int32_t>& target_sorted, int k) {
  if (target_sorted.empty()) return 0;
  int hits = 0;
  for (int r = 0; r < k && r < static_cast<int>(ranked.size()); ++r)
    hits += std::binary_search(target_sorted.begin(), target_sorted.end(), ranked[r]);
  return static_cast<double>(hits) / std::min<double>(k, static_cast<double>(target_sorted.size()));
}

double NdcgAtK(const std::vector<int32_t>& ranked, const std::vector<int32_t>& target_sorted, int k) {
  if (target_sorted.empty()) return 0;
  double dcg = 0, ideal = 0;
  for (int r = 0; r < k && r < static_cast<int>(ranked.size()); ++r)
    if (std::binary_search(target_sorted.begin(), target_sorted.end(), ranked[r])) dcg += 1.0 / std::log2(r + 2.0);
  const int ideal_hits = std::min<int>(k, static_cast<int>(target_sorted.size()));
  for (int r = 0; r < ideal_hits; ++r) ideal += 1.0 / std::log2(r + 2.0);
  return dcg / ideal;
}

StatusOr<Metrics> Evaluate(const Rankings& rankings, const SparseMatrix& target) {
  if (static_cast<int64_t>(rankings.size()) != target.rows)
    return InvalidArgument("rankings for " + std::to_string(rankings.size()) + " users but the target has " + std::to_string(target.rows));
  Metrics m;
  std::vector<int32_t> t;
  for (int32_t u = 0; u < target.rows; ++u) {
    t.assign(target.indices.begin() + target.offsets[u], target.indices.begin() + target.offsets[u + 1]);
    if (t.empty()) continue;
    std::sort(t.begin(), t.end());
    m.recall20 += RecallAtK(rankings[u], t, 20);
    m.recall50 += RecallAtK(rankings[u], t, 50);
    m.ndcg100 += NdcgAtK(rankings[u], t, 100);
    ++m.users;
  }
  if (m.users == 0) return InvalidArgument("no test user has a target");
  m.recall20 /= m.users;
  m.recall50 /= m.users;
  m.ndcg100 /= m.users;
  return m;
}

Rankings PopularityRankings(const EvalSplit& split, int k) {
  const SparseMatrix& train = split.train.by_user;
  std::vector<float> count(static_cast<size_t>(train.cols), 0.f);
  for (int64_t e = 0; e < train.nnz(); ++e)
    if (train.values[e] > 0) count[train.indices[e]] += 1.f;
  Rankings out(static_cast<size_t>(split.history.rows));
  std::vector<uint8_t> allowed;
  for (int32_t u = 0; u < split.history.rows; ++u) {
    allowed.assign(count.size(), 1);
    for (int64_t e = split.history.offsets[u]; e < split.history.offsets[u + 1]; ++e) allowed[split.history.indices[e]] = 0;
    out[u] = SelectTopK(count.data(), train.cols, k, allowed.data()).rows;
  }
  return out;
}

StatusOr<Metrics> EvaluateShippedModel(const Model& model, const EvalSplit& split, int k) {
  const std::vector<uint8_t> bytes = SaveModel(model);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  if (!loaded.ok()) return loaded.status();
  auto rec = Recommender::Create(std::move(loaded).value(), std::nullopt);
  if (!rec.ok()) return rec.status();
  auto rankings = RecommenderRankings(**rec, split, k);
  if (!rankings.ok()) return rankings.status();
  return Evaluate(*rankings, split.target);
}

StatusOr<Rankings> RecommenderRankings(const Recommender& rec, const EvalSplit& split, int k) {
  std::vector<int32_t> split_item_of_row(static_cast<size_t>(rec.item_count()), -1);
  std::vector<int32_t> row_of_split_item(static_cast<size_t>(split.train.items.size()), -1);
  for (int32_t j = 0; j < split.train.items.size(); ++j) {
    const int32_t r = rec.RowOf(split.train.items.ids()[j]);
    row_of_split_item[j] = r;
    if (r >= 0) split_item_of_row[r] = j;
  }
  Rankings out(static_cast<size_t>(split.history.rows));
  std::vector<Status> errors(static_cast<size_t>(split.history.rows));
  ParallelFor(0, split.history.rows, 0, [&](int64_t u, int) {
    std::vector<int32_t> rows;
    std::vector<float> weights;
    for (int64_t e = split.history.offsets[u]; e < split.history.offsets[u + 1]; ++e) {
      const int32_t r = row_of_split_item[split.history.indices[e]];
      if (r < 0) continue;  // an item the model does not know: the device would skip it too
      rows.push_back(r);
      weights.push_back(split.history.values[e]);
    }
    auto x = rec.FoldIn({rows.data(), weights.data(), static_cast<int64_t>(rows.size())});
    if (!x.ok()) {
      errors[u] = x.status();
      return;
    }
    Query q;
    q.user_vector = x->data();
    q.k = k;
    q.exclude_rows = rows;
    auto top = rec.Recommend(q);
    if (!top.ok()) {
      errors[u] = top.status();
      return;
    }
    for (int32_t r : top->rows) out[u].push_back(split_item_of_row[r]);
  }, 4);
  for (const Status& s : errors) ZX_RETURN_IF_ERROR(s);
  return out;
}

}  // namespace zhixuan

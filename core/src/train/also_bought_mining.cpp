#include "zhixuan/train/also_bought_mining.hpp"

#include <algorithm>

#include "zhixuan/base/parallel.hpp"

namespace zhixuan {
namespace {

struct Pair {
  int32_t item;
  int32_t support;
  float lift;
};

}  // namespace

StatusOr<AlsoBoughtTable> MineAlsoBought(const SparseMatrix& baskets, const AlsoBoughtOptions& options, int threads) {
  if (options.top_k < 0 || options.min_support < 1) return InvalidArgument("also-bought needs top_k >= 0 and min_support >= 1");
  const int32_t n = baskets.cols;
  AlsoBoughtTable table;
  table.offsets.assign(static_cast<size_t>(n) + 1, 0);
  if (options.top_k == 0) return table;
  // Positive entries only.
  std::vector<int32_t> pos_items;
  std::vector<int64_t> pos_offsets(static_cast<size_t>(baskets.rows) + 1, 0);
  std::vector<int32_t> item_count(static_cast<size_t>(n), 0);
  int64_t basket_count = 0;
  for (int32_t b = 0; b < baskets.rows; ++b) {
    for (int64_t e = baskets.offsets[b]; e < baskets.offsets[b + 1]; ++e)
      if (baskets.values[e] > 0) {
        pos_items.push_back(baskets.indices[e]);
        ++item_count[baskets.indices[e]];
      }
    pos_offsets[b + 1] = static_cast<int64_t>(pos_items.size());
    basket_count += pos_offsets[b + 1] > pos_offsets[b];
  }
  std::vector<int32_t> basket_of_item_offsets(static_cast<size_t>(n) + 1, 0), baskets_of_item(pos_items.size());
  for (int32_t i : pos_items) ++basket_of_item_offsets[i + 1];
  for (int32_t i = 0; i < n; ++i) basket_of_item_offsets[i + 1] += basket_of_item_offsets[i];
  {
    std::vector<int32_t> cursor(basket_of_item_offsets.begin(), basket_of_item_offsets.end() - 1);
    for (int32_t b = 0; b < baskets.rows; ++b)
      for (int64_t e = pos_offsets[b]; e < pos_offsets[b + 1]; ++e) baskets_of_item[cursor[pos_items[e]]++] = b;
  }
  const int workers = threads <= 0 ? DefaultThreadCount() : threads;
  std::vector<std::vector<int32_t>> counts(static_cast<size_t>(workers));
  std::vector<std::vector<Pair>> partners(static_cast<size_t>(n));
  ParallelFor(0, n, workers, [&](int64_t i, int t) {
    std::vector<int32_t>& count = counts[t];
    if (count.empty()) count.assign(static_cast<size_t>(n), 0);
    std::vector<int32_t> touched;
    for (int32_t k = basket_of_item_offsets[i]; k < basket_of_item_offsets[i + 1]; ++k) {
      const int32_t b = baskets_of_item[k];
      for (int64_t e = pos_offsets[b]; e < pos_offsets[b + 1]; ++e) {
        const int32_t j = pos_items[e];
        if (j != i && count[j]++ == 0) touched.push_back(j);
      }
    }
    std::vector<Pair>& out = partners[i];
    for (int32_t j : touched) {
      if (count[j] >= options.min_support) {
        const double lift = static_cast<double>(count[j]) * static_cast<double>(basket_count) /
                            (static_cast<double>(item_count[i]) * static_cast<double>(item_count[j]));
        out.push_back({j, count[j], static_cast<float>(lift)});
      }
      count[j] = 0;
    }
    auto better = [](const Pair& a, const Pair& b) {
      if (a.lift != b.lift) return a.lift > b.lift;
      if (a.support != b.support) return a.support > b.support;
      return a.item < b.item;
    };
    const size_t keep = std::min(out.size(), static_cast<size_t>(options.top_k));
    std::partial_sort(out.begin(), out.begin() + keep, out.end(), better);
    out.resize(keep);
  }, 8);
  for (int32_t i = 0; i < n; ++i) {
    for (const Pair& p : partners[i]) {
      table.items.push_back(p.item);
      table.lift.push_back(p.lift);
    }
    table.offsets[i + 1] = static_cast<int32_t>(table.items.size());
  }
  return table;
}

void AddAlsoBoughtExtras(const AlsoBoughtTable& table, Model* model) {
  const int64_t nnz = static_cast<int64_t>(table.items.size());
  model->extras[kAlsoBoughtOffsets] = MakeI32Tensor({static_cast<int64_t>(table.offsets.size())}, table.offsets.data());
  model->extras[kAlsoBoughtItems] = MakeI32Tensor({nnz}, table.items.data());
  model->extras[kAlsoBoughtLift] = MakeF32Tensor({nnz}, table.lift.data());
}

}  // namespace zhixuan

// Mining "bought together" pairs from training baskets by lift (association rules), for the
// bundle's also-bought table (model/also_bought.hpp). lift(i, j) = n_ij * B / (n_i * n_j) over
// B baskets; only pairs seen together in >= min_support baskets are kept.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/model/also_bought.hpp"
#include "zhixuan/train/interactions.hpp"

namespace zhixuan {

struct AlsoBoughtOptions {
  int top_k = 20;        // partners kept per item
  int min_support = 3;   // baskets that must contain both items
};

struct AlsoBoughtTable {
  std::vector<int32_t> offsets;  // items + 1
  std::vector<int32_t> items;
  std::vector<float> lift;
};

// Baskets are the rows of `baskets` (e.g. users x items); entries with weight > 0 count.
StatusOr<AlsoBoughtTable> MineAlsoBought(const SparseMatrix& baskets, const AlsoBoughtOptions& options, int threads = 0);

// Stores the table as the bundle's three extras tensors (replacing any present).
void AddAlsoBoughtExtras(const AlsoBoughtTable& table, Model* model);

}  // namespace zhixuan

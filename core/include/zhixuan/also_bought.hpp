// "Bought together": item pairs mined from training baskets by lift (association rules),
// shipped in the bundle as a CSR table over model rows:
//   also_bought_offsets [N+1] I32, also_bought_items [nnz] I32, also_bought_lift [nnz] F32,
// each row's partners sorted by lift (best first). lift(i, j) = n_ij * B / (n_i * n_j) over
// B baskets; only pairs seen together in >= min_support baskets are kept.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/bundle.hpp"
#include "zhixuan/interactions.hpp"
#include "zhixuan/scoring.hpp"
#include "zhixuan/status.hpp"

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

// Up to k partners of a model row, best lift first (scores are lifts). Rows added on the
// device after the table was mined have no partners (empty result). kUnsupported when the
// bundle has no table, kUnknownItem for a row out of range, kMalformedModel for a broken table.
StatusOr<TopK> AlsoBought(const Model& model, int32_t row, int k);

}  // namespace zhixuan

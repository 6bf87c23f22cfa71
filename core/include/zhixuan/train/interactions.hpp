// Interaction data for training and evaluation: the CSV reader (header `user,item`
// plus optional `weight`, `rating`, `ts`, `type` columns, in any order) and the
// user x item sparse matrix (CSR both ways) the trainer and the metrics read.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

// One parsed CSV, rows in file order. Ids are kept as strings (MovieLens ids,
// SKUs, course codes all work); weight is `weight` if present, else `rating`, else 1.
struct InteractionTable {
  std::vector<std::string> users;
  std::vector<std::string> items;
  std::vector<float> weights;
  std::vector<double> timestamps;  // empty unless the file has a `ts` column
  std::vector<std::string> types;  // empty unless the file has a `type` column
  std::vector<int64_t> lines;      // 1-based source line of each row (for error messages)
  bool has_weight = false;         // a `weight` or `rating` column was present
};

struct CsvReadOptions {
  std::string source_name = "input";  // used in error messages ("train.csv line 17: ...")
  // Rows whose weight is below this are dropped (e.g. 4 keeps ratings >= 4). NaN: keep all.
  float min_weight = std::numeric_limits<float>::quiet_NaN();
  // Called every `progress_every` lines and once at the end with the bytes of the text parsed
  // and the rows kept so far (a status line while a large file is parsed).
  std::function<void(size_t bytes, int64_t rows)> on_progress;
  int64_t progress_every = 1 << 18;
};

// Parses CSV text. Errors are kMalformedData and name the source and the 1-based line:
// empty input, a header without user/item, unknown or repeated columns, a wrong field
// count, empty ids, non-numeric or non-finite weight/rating/ts, no data rows.
StatusOr<InteractionTable> ParseInteractionsCsv(const std::string& text, const CsvReadOptions& options = {});

// Maps string ids to dense indices in order of first appearance.
class IdIndex {
 public:
  int32_t Add(const std::string& id);                // existing or new index
  int32_t Find(const std::string& id) const;         // -1 when unknown
  const std::vector<std::string>& ids() const { return ids_; }
  int32_t size() const { return static_cast<int32_t>(ids_.size()); }

 private:
  std::unordered_map<std::string, int32_t> index_;
  std::vector<std::string> ids_;
};

// A sparse users x items matrix of weights; duplicate (user, item) pairs are summed.
// Row u lists its items sorted by index; the transpose lists each item's users.
struct SparseMatrix {
  int32_t rows = 0;
  int32_t cols = 0;
  std::vector<int64_t> offsets;  // rows + 1
  std::vector<int32_t> indices;
  std::vector<float> values;

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
  int64_t RowSize(int32_t r) const { return offsets[r + 1] - offsets[r]; }
  SparseMatrix Transposed() const;
};

// Builds a CSR matrix from coordinate triplets (summing duplicates).
SparseMatrix BuildCsr(int32_t rows, int32_t cols, const std::vector<int32_t>& row_of,
                      const std::vector<int32_t>& col_of, const std::vector<float>& values);

// The training view of a table: users and items indexed in order of appearance.
struct InteractionMatrix {
  IdIndex users;
  IdIndex items;
  SparseMatrix by_user;  // users x items
};

// `on_progress` (optional) is called every 2^18 rows and once at the end with the rows whose ids
// are indexed and the table's row count.
StatusOr<InteractionMatrix> BuildInteractionMatrix(const InteractionTable& table,
                                                   const std::function<void(int64_t done, int64_t rows)>& on_progress = {});

}  // namespace zhixuan

// Scoring kernels: one pass over the item matrix per query (or per batch of
// queries), in the matrix's own precision, with wasm SIMD when built for it,
// followed by a partial top-K selection.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/item_matrix.hpp"

namespace zhixuan {

// out[r] = <row r, query> (+ bias[r] when bias is non-null), for rows [begin, end).
void ScoreRows(const ItemMatrix& items, const float* query, const float* bias, int64_t begin, int64_t end,
               float* out);

// Scores `query_count` queries (row-major, query_count x dim) against every row,
// reading the matrix once: out is query_count x rows, row-major.
void ScoreRowsBatch(const ItemMatrix& items, const float* queries, int query_count, const float* bias, float* out);

struct TopK {
  std::vector<int32_t> rows;  // best first
  std::vector<float> scores;
};

// The k best of scores[0, n) whose `allowed` byte is non-zero (all when allowed is null).
// Ties break towards the lower row, so rankings are deterministic across hosts.
TopK SelectTopK(const float* scores, int64_t n, int k, const uint8_t* allowed);

}  // namespace zhixuan

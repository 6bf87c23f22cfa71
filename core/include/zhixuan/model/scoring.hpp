// Scoring kernels: one pass over the item matrix per query (or per batch of
// queries), in the matrix's own precision, with wasm SIMD when built for it,
// followed by a partial top-K selection.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/model/item_matrix.hpp"

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

// ScoreRows over every row fused with SelectTopK: rows are scored a block at a time into a
// small buffer and only scores beating the current k-th best reach the heap, so no N-sized
// score array is written or read again. Same result as ScoreRows + SelectTopK, bit for bit.
TopK ScoreTopK(const ItemMatrix& items, const float* query, const float* bias, int k, const uint8_t* allowed);

// ScoreTopK for `query_count` queries (row-major, query_count x dim), reading each block of
// rows once for all of them while it is in cache. Same results as one ScoreTopK per query.
std::vector<TopK> ScoreTopKBatch(const ItemMatrix& items, const float* queries, int query_count, const float* bias,
                                 int k, const uint8_t* allowed);

// An I8 dot kernel supplied by the host, for engines with faster integer dot products than
// the built-in kernels use (the wasm page installs its relaxed-SIMD module here; js/kernels/).
// It must write exactly the built-in scores: for each of `count` rows (a multiple of 4; dim a
// multiple of 16) out[r] = float(acc_r) * (scales[r] * query_scale), where
//   acc_r = 128 * sum_j row[j] * hi[j] + sum_j row[j] * lo[j] - 8192 * row_sums[r]
// (int32, wrapping: the true sum_j row[j] * q[j] fits, so the wrapped result is exact) and the
// query's integers q[j] in [-8191, 8191] (below) are split as q[j] + 8192 = 128 * hi[j] + lo[j]
// with hi, lo in [0, 127]. query_digits holds them per 16-value chunk c: bytes [32c, 32c + 16)
// are hi of values 16c..16c+15, the next 16 bytes their lo. Keeping both digits in [0, 127]
// is what makes relaxed SIMD's i8 x i7 dot deterministic (x86 reads that operand unsigned).
using I8DotKernel = void (*)(const int8_t* rows, int32_t dim, int32_t count, const uint8_t* query_digits,
                             const int32_t* row_sums, const float* scales, float query_scale, float* out);
// Installs `kernel` for later I8 scoring calls (nullptr: back to the built-in kernels). With
// compare_first, the first large top-K queries (64k rows and up) alternate between it and the
// built-in kernels, timed, and the faster is kept: the scores are the same either way, so only
// speed depends on the choice. Without, the kernel serves every call (tests, benchmarks).
void SetI8DotKernel(I8DotKernel kernel, bool compare_first = false);
// Whether I8 scoring uses the installed kernel (before the comparison ends: whether one is installed).
bool UsesI8DotKernel();

// Scores are computed in one documented order on every host, so native and wasm agree
// bit for bit: lane l of 8 accumulates products j = l (mod 8) in increasing j; then
// s_l = acc_l + acc_{l+4} and dot = (s_0 + s_2) + (s_1 + s_3); products past the last
// multiple of 8 are added one by one. F16 rows are widened to float first; I8 rows are
// summed exactly in int32 against the query quantized to integers in [-8191, 8191]
// (query_scale = max|q| / 8191, q_j = lround(q_j / query_scale)), then times
// (scale[row] * query_scale).

}  // namespace zhixuan

// V^T V of a model's rows (the fold-in's unobserved term), computed only when the fold-in first
// needs it: a bundle written without item_gram (the README's Python recipe) loads as fast as one
// with it. In wasm the kernel is SIMD128 (Eigen has no wasm SIMD path: its rankUpdate took
// 600 ms for 100k x 64 in V8); natively the same lanes in plain C++.
#include <algorithm>
#include <mutex>

#include "zhixuan/base/tiering.hpp"
#include "zhixuan/model/bundle.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace zhixuan {
namespace {

// Rows dequantized per block: 512 rows of 64 floats (128 KiB) stay in L2 while every tile of
// the gram walks them.
constexpr int64_t kBlockRows = 512;

// g[j + i][k + l] (i, l < 4) += the sum over the block's rows, in row order, of
// b[r][j + i] * b[r][k + l]. A tier unit (tiering.hpp): called per tile and block.
ZX_TIER_UNIT void GramTile(const float* b, int64_t count, int stride, int j, int k, float* g) {
#if defined(__wasm_simd128__)
  v128_t acc0 = wasm_f32x4_splat(0.f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (int64_t r = 0; r < count; ++r) {
    const float* row = b + r * stride;
    const v128_t cols = wasm_v128_load(row + k);
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_f32x4_splat(row[j]), cols));
    acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_f32x4_splat(row[j + 1]), cols));
    acc2 = wasm_f32x4_add(acc2, wasm_f32x4_mul(wasm_f32x4_splat(row[j + 2]), cols));
    acc3 = wasm_f32x4_add(acc3, wasm_f32x4_mul(wasm_f32x4_splat(row[j + 3]), cols));
  }
  const v128_t accs[4] = {acc0, acc1, acc2, acc3};
  for (int i = 0; i < 4; ++i) {
    float* out = g + static_cast<size_t>(j + i) * stride + k;
    wasm_v128_store(out, wasm_f32x4_add(wasm_v128_load(out), accs[i]));
  }
#else
  float acc[4][4] = {};
  for (int64_t r = 0; r < count; ++r) {
    const float* row = b + r * stride;
    for (int i = 0; i < 4; ++i)
      for (int l = 0; l < 4; ++l) acc[i][l] += row[j + i] * row[k + l];
  }
  for (int i = 0; i < 4; ++i)
    for (int l = 0; l < 4; ++l) g[static_cast<size_t>(j + i) * stride + k + l] += acc[i][l];
#endif
}

std::mutex gram_mutex;

}  // namespace

std::vector<float> ComputeGram(const ItemMatrix& items) {
  const int d = items.dim();
  const int stride = (d + 3) / 4 * 4;  // rows padded with zeros to whole lanes
  std::vector<float> padded(static_cast<size_t>(stride) * stride, 0.f);
  std::vector<float> block(static_cast<size_t>(kBlockRows) * stride, 0.f);
  for (int64_t start = 0; start < items.rows(); start += kBlockRows) {
    const int64_t count = std::min(kBlockRows, items.rows() - start);
    for (int64_t r = 0; r < count; ++r) items.RowToF32(start + r, block.data() + r * stride);
    // The lower triangle by 4 x 4 tiles (a diagonal tile also fills its upper half).
    for (int j = 0; j < stride; j += 4)
      for (int k = 0; k <= j; k += 4) GramTile(block.data(), count, stride, j, k, padded.data());
  }
  std::vector<float> gram(static_cast<size_t>(d) * d);
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k)
      gram[static_cast<size_t>(j) * d + k] = padded[static_cast<size_t>(std::max(j, k)) * stride + std::min(j, k)];
  return gram;
}

const std::vector<float>& GramOf(const Model& model) {
  // Once per model; the lock costs nothing next to a fold-in's d^3 solve.
  std::lock_guard<std::mutex> lock(gram_mutex);
  if (model.gram.empty()) model.gram = ComputeGram(model.items);
  return model.gram;
}

}  // namespace zhixuan

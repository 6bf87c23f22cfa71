#include "zhixuan/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "zhixuan/half.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace zhixuan {
namespace {

// ---- portable kernels (the native build; g++/clang vectorize the inner loops) ----

float DotF32(const float* a, const float* b, int d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= d; j += 8)
    for (int l = 0; l < 8; ++l) acc[l] += a[j + l] * b[j + l];
  float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; j < d; ++j) sum += a[j] * b[j];
  return sum;
}

#if defined(__wasm_simd128__)

float HorizontalSum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// Two rows per iteration share each query load; four accumulators hide add latency.
void ScoreF32Simd(const float* rows, const float* q, int d, int64_t count, float* out) {
  int64_t r = 0;
  for (; r + 2 <= count; r += 2) {
    const float* a = rows + r * d;
    const float* b = a + d;
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, b0 = a0, b1 = a0;
    for (int j = 0; j < d; j += 8) {
      v128_t q0 = wasm_v128_load(q + j), q1 = wasm_v128_load(q + j + 4);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(a + j), q0));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), q1));
      b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(wasm_v128_load(b + j), q0));
      b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(wasm_v128_load(b + j + 4), q1));
    }
    out[r] = HorizontalSum(wasm_f32x4_add(a0, a1));
    out[r + 1] = HorizontalSum(wasm_f32x4_add(b0, b1));
  }
  for (; r < count; ++r) out[r] = DotF32(rows + r * d, q, d);
}

// Halves to floats: magnitude bits shifted into float position times 2^112, sign or-ed back.
void ScoreF16Simd(const uint16_t* rows, const float* q, int d, int64_t count, float* out) {
  const v128_t mag_mask = wasm_i16x8_splat(0x7fff), sign_mask = wasm_i16x8_splat(static_cast<int16_t>(0x8000));
  const v128_t scale = wasm_f32x4_splat(5.192296858534828e+33f);
  for (int64_t r = 0; r < count; ++r) {
    const uint16_t* row = rows + r * d;
    v128_t acc0 = wasm_f32x4_splat(0), acc1 = acc0;
    for (int j = 0; j < d; j += 8) {
      v128_t h = wasm_v128_load(row + j);
      v128_t mag = wasm_v128_and(h, mag_mask), sign = wasm_v128_and(h, sign_mask);
      v128_t lo = wasm_f32x4_mul(wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(mag), 13), scale);
      v128_t hi = wasm_f32x4_mul(wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(mag), 13), scale);
      lo = wasm_v128_or(lo, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(sign), 16));
      hi = wasm_v128_or(hi, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(sign), 16));
      acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(lo, wasm_v128_load(q + j)));
      acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(hi, wasm_v128_load(q + j + 4)));
    }
    out[r] = HorizontalSum(wasm_f32x4_add(acc0, acc1));
  }
}

// int8 rows against an int16 query: i32x4.dot_i16x8_s on sign-extended halves.
// d <= 1024 keeps |sum| < 127 * 32767 * 1024 < 2^32 / 2.
void ScoreI8Simd(const int8_t* rows, const int16_t* q16, int d, int64_t count, float* out) {
  for (int64_t r = 0; r < count; ++r) {
    const int8_t* row = rows + r * d;
    v128_t acc0 = wasm_i32x4_splat(0), acc1 = acc0;
    for (int j = 0; j < d; j += 16) {
      v128_t v = wasm_v128_load(row + j);
      acc0 = wasm_i32x4_add(acc0, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(v), wasm_v128_load(q16 + j)));
      acc1 = wasm_i32x4_add(acc1, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(v), wasm_v128_load(q16 + j + 8)));
    }
    v128_t acc = wasm_i32x4_add(acc0, acc1);
    acc = wasm_i32x4_add(acc, wasm_i32x4_shuffle(acc, acc, 2, 3, 0, 1));
    acc = wasm_i32x4_add(acc, wasm_i32x4_shuffle(acc, acc, 1, 0, 3, 2));
    out[r] = static_cast<float>(wasm_i32x4_extract_lane(acc, 0));
  }
}

#endif  // __wasm_simd128__

void ScoreI8Portable(const int8_t* rows, const int16_t* q16, int d, int64_t count, float* out) {
  for (int64_t r = 0; r < count; ++r) {
    const int8_t* row = rows + r * d;
    int32_t acc = 0;
    for (int j = 0; j < d; ++j) acc += static_cast<int32_t>(row[j]) * q16[j];
    out[r] = static_cast<float>(acc);
  }
}

// The query is quantized to int16 (not int8): its error stays far below the rows' own.
float QuantizeQuery(const float* q, int d, int16_t* q16) {
  float max_abs = 0.f;
  for (int j = 0; j < d; ++j) max_abs = std::max(max_abs, std::fabs(q[j]));
  const float scale = max_abs > 0.f ? max_abs / 32767.f : 1.f;
  for (int j = 0; j < d; ++j) q16[j] = static_cast<int16_t>(std::lround(q[j] / scale));
  return scale;
}

#if defined(__wasm_simd128__)
// SIMD paths need dim to be a multiple of the vector width; other dims use the portable loop.
bool SimdFits(int d, int width) { return d % width == 0; }
#endif

}  // namespace

void ScoreRows(const ItemMatrix& items, const float* query, const float* bias, int64_t begin, int64_t end,
               float* out) {
  const int d = items.dim();
  const int64_t count = end - begin;
  if (count <= 0) return;
  switch (items.dtype()) {
    case DType::kF32: {
      const float* rows = items.f32() + begin * d;
#if defined(__wasm_simd128__)
      if (SimdFits(d, 8)) { ScoreF32Simd(rows, query, d, count, out); break; }
#endif
      for (int64_t r = 0; r < count; ++r) out[r] = DotF32(rows + r * d, query, d);
      break;
    }
    case DType::kF16: {
      const uint16_t* rows = items.f16() + begin * d;
#if defined(__wasm_simd128__)
      if (SimdFits(d, 8)) { ScoreF16Simd(rows, query, d, count, out); break; }
#endif
      std::vector<float> row(d);
      for (int64_t r = 0; r < count; ++r) {
        for (int j = 0; j < d; ++j) row[j] = HalfToFloat(rows[r * d + j]);
        out[r] = DotF32(row.data(), query, d);
      }
      break;
    }
    default: {
      std::vector<int16_t> q16(d);
      const float q_scale = QuantizeQuery(query, d, q16.data());
      const int8_t* rows = items.i8() + begin * d;
#if defined(__wasm_simd128__)
      if (SimdFits(d, 16)) ScoreI8Simd(rows, q16.data(), d, count, out);
      else ScoreI8Portable(rows, q16.data(), d, count, out);
#else
      ScoreI8Portable(rows, q16.data(), d, count, out);
#endif
      const float* scales = items.scales() + begin;
      for (int64_t r = 0; r < count; ++r) out[r] *= scales[r] * q_scale;
      break;
    }
  }
  if (bias != nullptr)
    for (int64_t r = 0; r < count; ++r) out[r] += bias[begin + r];
}

void ScoreRowsBatch(const ItemMatrix& items, const float* queries, int query_count, const float* bias, float* out) {
  // Blocks small enough to stay in L2 while every query passes over them.
  const int64_t block = std::max<int64_t>(64, (256 << 10) / std::max<size_t>(1, items.bytes() / std::max<int64_t>(1, items.rows())));
  const int64_t n = items.rows();
  std::vector<float> tmp(static_cast<size_t>(block));
  for (int64_t begin = 0; begin < n; begin += block) {
    const int64_t end = std::min(n, begin + block);
    for (int q = 0; q < query_count; ++q) {
      ScoreRows(items, queries + static_cast<size_t>(q) * items.dim(), bias, begin, end, tmp.data());
      std::memcpy(out + static_cast<size_t>(q) * n + begin, tmp.data(), (end - begin) * sizeof(float));
    }
  }
}

TopK SelectTopK(const float* scores, int64_t n, int k, const uint8_t* allowed) {
  TopK result;
  if (k <= 0 || n <= 0) return result;
  // A min-heap of the best k so far: (score, row) ordered so the worst is on top.
  auto worse = [](const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::vector<std::pair<float, int32_t>> heap;
  heap.reserve(static_cast<size_t>(std::min<int64_t>(k, n)));
  for (int64_t i = 0; i < n; ++i) {
    if (allowed != nullptr && !allowed[i]) continue;
    const float s = scores[i];
    if (static_cast<int64_t>(heap.size()) < k) {
      heap.emplace_back(s, static_cast<int32_t>(i));
      std::push_heap(heap.begin(), heap.end(), worse);
    } else if (s > heap.front().first) {  // ties keep the earlier (lower) row
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.back() = {s, static_cast<int32_t>(i)};
      std::push_heap(heap.begin(), heap.end(), worse);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse);
  result.rows.reserve(heap.size());
  result.scores.reserve(heap.size());
  for (const auto& [score, row] : heap) {
    result.rows.push_back(row);
    result.scores.push_back(score);
  }
  return result;
}

}  // namespace zhixuan


#include "zhixuan/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "zhixuan/half.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace zhixuan {
namespace {

// Rows scored per block by the fused top-K: their scores (1 KiB) stay in L1.
constexpr int64_t kBlockRows = 256;
// Batched scoring keeps a block of the matrix this large in L2 while every query reads it.
constexpr size_t kBatchBlockBytes = 128 << 10;

// ---- portable kernels (the native build; g++/clang vectorize the lane loops) ----

// The documented summation order (see scoring.hpp) that the SIMD kernels reproduce.
float DotF32(const float* a, const float* b, int d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= d; j += 8)
    for (int l = 0; l < 8; ++l) acc[l] += a[j + l] * b[j + l];
  float sum = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
  for (; j < d; ++j) sum += a[j] * b[j];
  return sum;
}

void ScoreI8Portable(const int8_t* rows, const int16_t* q16, const float* scales, float q_scale, int d, int64_t count,
                     float* out) {
  for (int64_t r = 0; r < count; ++r) {
    const int8_t* row = rows + r * d;
    int32_t acc = 0;
    for (int j = 0; j < d; ++j) acc += static_cast<int32_t>(row[j]) * q16[j];
    out[r] = static_cast<float>(acc) * (scales[r] * q_scale);
  }
}

#if defined(__wasm_simd128__)

// Lane 0 = (v0 + v2) + (v1 + v3): the documented order.
float HorizontalSum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// Four horizontal sums at once: lane i = (x0 + x2) + (x1 + x3) of the i-th argument.
v128_t HorizontalSum4I32(v128_t a, v128_t b, v128_t c, v128_t e) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t ce = wasm_i32x4_add(wasm_i32x4_shuffle(c, e, 0, 4, 1, 5), wasm_i32x4_shuffle(c, e, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, ce, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, ce, 2, 3, 6, 7));
}

// Two rows per iteration share each query load; per row, lanes 0-3 and 4-7 of every
// 8-float chunk have their own accumulator (the documented order). Four rows measured
// slower in V8 (register pressure: the loop spills), so two it is.
void ScoreF32Simd(const float* rows, const float* q, int d, int64_t count, float* out) {
  int64_t r = 0;
  for (; r + 2 <= count; r += 2) {
    const float* a = rows + r * d;
    const float* b = a + d;
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, b0 = a0, b1 = a0;
    for (int j = 0; j < d; j += 8) {
      const v128_t q0 = wasm_v128_load(q + j), q1 = wasm_v128_load(q + j + 4);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(a + j), q0));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), q1));
      b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(wasm_v128_load(b + j), q0));
      b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(wasm_v128_load(b + j + 4), q1));
    }
    // [(a0 + a2) + (a1 + a3), (b0 + b2) + (b1 + b3), ...] for both rows at once.
    const v128_t sa = wasm_f32x4_add(a0, a1), sb = wasm_f32x4_add(b0, b1);
    v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(sa, sb, 0, 4, 1, 5), wasm_i32x4_shuffle(sa, sb, 2, 6, 3, 7));
    ab = wasm_f32x4_add(ab, wasm_i32x4_shuffle(ab, ab, 2, 3, 0, 1));
    out[r] = wasm_f32x4_extract_lane(ab, 0);
    out[r + 1] = wasm_f32x4_extract_lane(ab, 1);
  }
  for (; r < count; ++r) {
    const float* a = rows + r * d;
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
    for (int j = 0; j < d; j += 8) {
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(q + j)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), wasm_v128_load(q + j + 4)));
    }
    out[r] = HorizontalSum(wasm_f32x4_add(a0, a1));
  }
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

// 16 int8 values of a row against the int16 query: i32x4.dot_i16x8_s on sign-extended halves.
inline v128_t DotI8Chunk(const int8_t* row, v128_t q_lo, v128_t q_hi) {
  const v128_t v = wasm_v128_load(row);
  return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(v), q_lo),
                        wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(v), q_hi));
}

// Four rows per iteration; sums are exact in int32 (d <= 1024 keeps |sum| < 127 * 32767 * 1024 < 2^31),
// then one convert and one multiply by (scale[row] * query_scale) for four rows.
void ScoreI8Simd(const int8_t* rows, const int16_t* q16, const float* scales, float q_scale, int d, int64_t count,
                 float* out) {
  const v128_t qs = wasm_f32x4_splat(q_scale);
  int64_t r = 0;
  for (; r + 4 <= count; r += 4) {
    const int8_t* a = rows + r * d;
    v128_t sa = wasm_i32x4_splat(0), sb = sa, sc = sa, se = sa;
    for (int j = 0; j < d; j += 16) {
      const v128_t q_lo = wasm_v128_load(q16 + j), q_hi = wasm_v128_load(q16 + j + 8);
      sa = wasm_i32x4_add(sa, DotI8Chunk(a + j, q_lo, q_hi));
      sb = wasm_i32x4_add(sb, DotI8Chunk(a + d + j, q_lo, q_hi));
      sc = wasm_i32x4_add(sc, DotI8Chunk(a + 2 * d + j, q_lo, q_hi));
      se = wasm_i32x4_add(se, DotI8Chunk(a + 3 * d + j, q_lo, q_hi));
    }
    const v128_t sums = wasm_f32x4_convert_i32x4(HorizontalSum4I32(sa, sb, sc, se));
    wasm_v128_store(out + r, wasm_f32x4_mul(sums, wasm_f32x4_mul(wasm_v128_load(scales + r), qs)));
  }
  if (r < count) ScoreI8Portable(rows + r * d, q16, scales + r, q_scale, d, count - r, out + r);
}

#endif  // __wasm_simd128__

// The query in the form the matrix's kernel wants: I8 rows take an int16 query (not int8:
// its error stays far below the rows' own).
struct PreparedQuery {
  const float* f32 = nullptr;
  std::vector<int16_t> q16;
  float q_scale = 1.f;
};

PreparedQuery Prepare(const ItemMatrix& items, const float* query) {
  PreparedQuery p;
  p.f32 = query;
  if (items.dtype() == DType::kI8) {
    const int d = items.dim();
    float max_abs = 0.f;
    for (int j = 0; j < d; ++j) max_abs = std::max(max_abs, std::fabs(query[j]));
    p.q_scale = max_abs > 0.f ? max_abs / 32767.f : 1.f;
    p.q16.resize(d);
    for (int j = 0; j < d; ++j) p.q16[j] = static_cast<int16_t>(std::lround(query[j] / p.q_scale));
  }
  return p;
}

// out[r - begin] = score of row r, for rows [begin, end).
void ScoreBlock(const ItemMatrix& items, const PreparedQuery& query, const float* bias, int64_t begin, int64_t end,
                float* out) {
  const int d = items.dim();
  const int64_t count = end - begin;
  if (count <= 0) return;
  switch (items.dtype()) {
    case DType::kF32: {
      const float* rows = items.f32() + begin * d;
#if defined(__wasm_simd128__)
      if (d % 8 == 0) { ScoreF32Simd(rows, query.f32, d, count, out); break; }
#endif
      for (int64_t r = 0; r < count; ++r) out[r] = DotF32(rows + r * d, query.f32, d);
      break;
    }
    case DType::kF16: {
      const uint16_t* rows = items.f16() + begin * d;
#if defined(__wasm_simd128__)
      if (d % 8 == 0) { ScoreF16Simd(rows, query.f32, d, count, out); break; }
#endif
      std::vector<float> row(d);
      for (int64_t r = 0; r < count; ++r) {
        for (int j = 0; j < d; ++j) row[j] = HalfToFloat(rows[r * d + j]);
        out[r] = DotF32(row.data(), query.f32, d);
      }
      break;
    }
    default: {
      const int8_t* rows = items.i8() + begin * d;
      const float* scales = items.scales() + begin;
#if defined(__wasm_simd128__)
      if (d % 16 == 0) { ScoreI8Simd(rows, query.q16.data(), scales, query.q_scale, d, count, out); break; }
#endif
      ScoreI8Portable(rows, query.q16.data(), scales, query.q_scale, d, count, out);
      break;
    }
  }
  if (bias != nullptr)
    for (int64_t r = 0; r < count; ++r) out[r] += bias[begin + r];
}

// The best k offered so far: a min-heap of (score, row) with the worst on top. Rows are
// offered in increasing order and a tie never displaces, so ties go to the lower row.
class TopKCollector {
 public:
  TopKCollector(int k, int64_t n) : k_(k) { heap_.reserve(static_cast<size_t>(std::min<int64_t>(k, n))); }

  void Offer(const float* scores, int64_t first_row, int64_t count, const uint8_t* allowed) {
    int64_t i = 0;
    while (i < count) {
#if defined(__wasm_simd128__)
      // Once full, most groups of four hold nothing better than the k-th best: skip them whole.
      if (full_ && i + 4 <= count &&
          !wasm_v128_any_true(wasm_f32x4_gt(wasm_v128_load(scores + i), wasm_f32x4_splat(threshold_)))) {
        i += 4;
        continue;
      }
      const int64_t stop = std::min(count, i + 4);
#else
      const int64_t stop = count;
#endif
      for (; i < stop; ++i) {
        const float s = scores[i];
        if (full_ && !(s > threshold_)) continue;
        const int64_t row = first_row + i;
        if (allowed != nullptr && !allowed[row]) continue;
        Push(s, static_cast<int32_t>(row));
      }
    }
  }

  TopK Finish() {
    std::sort_heap(heap_.begin(), heap_.end(), Worse());
    TopK result;
    result.rows.reserve(heap_.size());
    result.scores.reserve(heap_.size());
    for (const auto& [score, row] : heap_) {
      result.rows.push_back(row);
      result.scores.push_back(score);
    }
    return result;
  }

 private:
  // A functor, not a function pointer: the heap operations inline it.
  struct Worse {
    bool operator()(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) const {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    }
  };

  void Push(float s, int32_t row) {
    if (!full_) {
      heap_.emplace_back(s, row);
      std::push_heap(heap_.begin(), heap_.end(), Worse());
      full_ = static_cast<int64_t>(heap_.size()) >= k_;
    } else {
      std::pop_heap(heap_.begin(), heap_.end(), Worse());
      heap_.back() = {s, row};
      std::push_heap(heap_.begin(), heap_.end(), Worse());
    }
    if (full_) threshold_ = heap_.front().first;
  }

  int64_t k_;
  bool full_ = false;
  float threshold_ = 0.f;  // the k-th best score, once full
  std::vector<std::pair<float, int32_t>> heap_;
};

int64_t BatchBlockRows(const ItemMatrix& items) {
  const size_t row_bytes = std::max<size_t>(1, items.bytes() / static_cast<size_t>(std::max<int64_t>(1, items.rows())));
  return std::clamp<int64_t>(static_cast<int64_t>(kBatchBlockBytes / row_bytes) / 4 * 4, 64, 4096);
}

}  // namespace

void ScoreRows(const ItemMatrix& items, const float* query, const float* bias, int64_t begin, int64_t end,
               float* out) {
  if (end <= begin) return;
  ScoreBlock(items, Prepare(items, query), bias, begin, end, out);
}

void ScoreRowsBatch(const ItemMatrix& items, const float* queries, int query_count, const float* bias, float* out) {
  const int64_t n = items.rows();
  std::vector<PreparedQuery> prepared;
  prepared.reserve(query_count);
  for (int q = 0; q < query_count; ++q) prepared.push_back(Prepare(items, queries + static_cast<size_t>(q) * items.dim()));
  const int64_t block = BatchBlockRows(items);
  for (int64_t begin = 0; begin < n; begin += block) {
    const int64_t end = std::min(n, begin + block);
    for (int q = 0; q < query_count; ++q)
      ScoreBlock(items, prepared[q], bias, begin, end, out + static_cast<size_t>(q) * n + begin);
  }
}

TopK SelectTopK(const float* scores, int64_t n, int k, const uint8_t* allowed) {
  if (k <= 0 || n <= 0) return TopK();
  TopKCollector top(k, n);
  top.Offer(scores, 0, n, allowed);
  return top.Finish();
}

TopK ScoreTopK(const ItemMatrix& items, const float* query, const float* bias, int k, const uint8_t* allowed) {
  const int64_t n = items.rows();
  if (k <= 0 || n <= 0) return TopK();
  const PreparedQuery prepared = Prepare(items, query);
  TopKCollector top(k, n);
  alignas(16) float scores[kBlockRows];
  for (int64_t begin = 0; begin < n; begin += kBlockRows) {
    const int64_t end = std::min(n, begin + kBlockRows);
    ScoreBlock(items, prepared, bias, begin, end, scores);
    top.Offer(scores, begin, end - begin, allowed);
  }
  return top.Finish();
}

std::vector<TopK> ScoreTopKBatch(const ItemMatrix& items, const float* queries, int query_count, const float* bias,
                                 int k, const uint8_t* allowed) {
  const int64_t n = items.rows();
  if (query_count <= 0) return {};
  if (k <= 0 || n <= 0) return std::vector<TopK>(static_cast<size_t>(query_count));
  std::vector<PreparedQuery> prepared;
  std::vector<TopKCollector> tops;
  prepared.reserve(query_count);
  tops.reserve(query_count);
  for (int q = 0; q < query_count; ++q) {
    prepared.push_back(Prepare(items, queries + static_cast<size_t>(q) * items.dim()));
    tops.emplace_back(k, n);
  }
  const int64_t block = BatchBlockRows(items);
  std::vector<float> scores(static_cast<size_t>(block));
  for (int64_t begin = 0; begin < n; begin += block) {
    const int64_t end = std::min(n, begin + block);
    for (int q = 0; q < query_count; ++q) {
      ScoreBlock(items, prepared[q], bias, begin, end, scores.data());
      tops[q].Offer(scores.data(), begin, end - begin, allowed);
    }
  }
  std::vector<TopK> out;
  out.reserve(query_count);
  for (TopKCollector& top : tops) out.push_back(top.Finish());
  return out;
}

}  // namespace zhixuan

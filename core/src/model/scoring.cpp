#include "zhixuan/model/scoring.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "zhixuan/base/half.hpp"
#include "zhixuan/base/tiering.hpp"

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

// Forced: in the release link (LTO, most files -Oz) these per-row helpers were left as calls
// returning vectors through memory (a profile showed DotI8Rows2 and HorizontalSum4I32 as their
// own functions, ~20% of an I8 query), though inlined in a plain -O3 build.
#define ZX_FORCE_INLINE inline __attribute__((always_inline))

// Lane 0 = (v0 + v2) + (v1 + v3): the documented order.
ZX_FORCE_INLINE float HorizontalSum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// Four horizontal sums at once: lane i = (x0 + x2) + (x1 + x3) of the i-th argument.
ZX_FORCE_INLINE v128_t HorizontalSum4I32(v128_t a, v128_t b, v128_t c, v128_t e) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t ce = wasm_i32x4_add(wasm_i32x4_shuffle(c, e, 0, 4, 1, 5), wasm_i32x4_shuffle(c, e, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, ce, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, ce, 2, 3, 6, 7));
}

// Three rows per iteration share each query load; per row, lanes 0-3 and 4-7 of every 8-float
// chunk have their own accumulator (the documented order). Measured in V8 (10k x 64, in cache):
// three rows 5% faster than two; four rows 1.7x slower, fully unrolled or not (V8 issues the
// loads of an iteration first and spills accumulators). Rows of 512 bytes or more (d >= 128)
// go one at a time: three streams 512+ bytes apart defeat the hardware prefetcher once the
// matrix is beyond the cache (7 GB/s instead of 24, measured natively and in V8 on 100k x 128).
constexpr int kInterleaveMaxDim = 127;

ZX_TIER_UNIT void ScoreF32Simd(const float* rows, const float* q, int d, int64_t count, float* out) {
  int64_t r = 0;
  for (; d <= kInterleaveMaxDim && r + 3 <= count; r += 3) {
    const float* a = rows + r * d;
    const float* b = a + d;
    const float* c = b + d;
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0;
    for (int j = 0; j < d; j += 8) {
      const v128_t q0 = wasm_v128_load(q + j), q1 = wasm_v128_load(q + j + 4);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(a + j), q0));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), q1));
      b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(wasm_v128_load(b + j), q0));
      b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(wasm_v128_load(b + j + 4), q1));
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_v128_load(c + j), q0));
      c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(wasm_v128_load(c + j + 4), q1));
    }
    out[r] = HorizontalSum(wasm_f32x4_add(a0, a1));
    out[r + 1] = HorizontalSum(wasm_f32x4_add(b0, b1));
    out[r + 2] = HorizontalSum(wasm_f32x4_add(c0, c1));
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

// Halves to floats (finite: the loader checked): each half sign-extended to 32 bits and shifted
// left by 13 puts its sign at bit 31 and its exponent and mantissa below bit 28, with copies of
// the sign at bits 28-30 that the mask clears. That float is the half's value times 2^-112,
// exactly (a subnormal half included), so it meets the query times 2^112 (Prepare): the product
// is the same real number as half * query, rounded the same way.
ZX_TIER_UNIT void ScoreF16Simd(const uint16_t* rows, const float* q_times_2_112, int d, int64_t count, float* out) {
  const v128_t keep = wasm_i32x4_splat(static_cast<int32_t>(0x8FFFE000u));
  const float* q = q_times_2_112;
  for (int64_t r = 0; r < count; ++r) {
    const uint16_t* row = rows + r * d;
    v128_t acc0 = wasm_f32x4_splat(0), acc1 = acc0;
    for (int j = 0; j < d; j += 8) {
      const v128_t h = wasm_v128_load(row + j);
      const v128_t lo = wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_extend_low_i16x8(h), 13), keep);
      const v128_t hi = wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_extend_high_i16x8(h), 13), keep);
      acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(lo, wasm_v128_load(q + j)));
      acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(hi, wasm_v128_load(q + j + 4)));
    }
    out[r] = HorizontalSum(wasm_f32x4_add(acc0, acc1));
  }
}

// I8 rows against the quantized query, sixteen bytes at a time without widening instructions:
// as eight int16 lanes, `v << 8` holds 256 * (even byte) and `v >> 8` (arithmetic) the odd byte,
// so one i32x4.dot_i16x8_s each against the query's even and odd values (q16 is permuted per
// 16-value chunk: 8 even, then 8 odd; see Prepare). The even sums carry a factor 256 and
// are folded into the total (>> 8, exact) every 64 bytes, before they could overflow:
// 8 products per lane * 256 * 128 * kQueryMax < 2^31 (an int8 of -128 included).
struct I8Sums2 {
  v128_t a, b;  // per row, four int32 partial sums
};

// Two rows (`a`, stride d) over values [begin, end), end - begin <= 64, folded to plain sums.
// Two rows per loop, not four: V8 keeps 4 accumulators in registers but spills 8 (12% faster).
ZX_FORCE_INLINE I8Sums2 DotI8Rows2(const int8_t* a, int d, const int16_t* q16_permuted, int begin, int end) {
  v128_t ea = wasm_i32x4_splat(0), eb = ea, oa = ea, ob = ea;
  for (int j = begin; j < end; j += 16) {
    const v128_t q_even = wasm_v128_load(q16_permuted + j), q_odd = wasm_v128_load(q16_permuted + j + 8);
    v128_t v = wasm_v128_load(a + j);
    ea = wasm_i32x4_add(ea, wasm_i32x4_dot_i16x8(wasm_i16x8_shl(v, 8), q_even));
    oa = wasm_i32x4_add(oa, wasm_i32x4_dot_i16x8(wasm_i16x8_shr(v, 8), q_odd));
    v = wasm_v128_load(a + d + j);
    eb = wasm_i32x4_add(eb, wasm_i32x4_dot_i16x8(wasm_i16x8_shl(v, 8), q_even));
    ob = wasm_i32x4_add(ob, wasm_i32x4_dot_i16x8(wasm_i16x8_shr(v, 8), q_odd));
  }
  return {wasm_i32x4_add(wasm_i32x4_shr(ea, 8), oa), wasm_i32x4_add(wasm_i32x4_shr(eb, 8), ob)};
}

// Two rows over all d values: 64-value blocks, running totals only past the first.
ZX_FORCE_INLINE I8Sums2 DotI8Rows2All(const int8_t* a, int d, const int16_t* q16_permuted) {
  I8Sums2 t = DotI8Rows2(a, d, q16_permuted, 0, std::min(d, 64));
  for (int block = 64; block < d; block += 64) {
    const I8Sums2 s = DotI8Rows2(a, d, q16_permuted, block, std::min(d, block + 64));
    t = {wasm_i32x4_add(t.a, s.a), wasm_i32x4_add(t.b, s.b)};
  }
  return t;
}

// count must be a multiple of 4: one int32 -> float convert and one multiply by
// (scale[row] * query_scale) per four rows.
template <bool kOneBlock>  // d <= 64: a loop of its own (the block loop costs 10% even when it runs once)
void ScoreI8Rows(const int8_t* rows, const int16_t* q16_permuted, const float* scales, float q_scale, int d,
                 int64_t count, float* out) {
  const v128_t qs = wasm_f32x4_splat(q_scale);
  for (int64_t r = 0; r + 4 <= count; r += 4) {
    const int8_t* a = rows + r * d;
    const I8Sums2 first = kOneBlock ? DotI8Rows2(a, d, q16_permuted, 0, std::min(d, 64)) : DotI8Rows2All(a, d, q16_permuted);
    const I8Sums2 second =
        kOneBlock ? DotI8Rows2(a + 2 * d, d, q16_permuted, 0, std::min(d, 64)) : DotI8Rows2All(a + 2 * d, d, q16_permuted);
    const v128_t sums = wasm_f32x4_convert_i32x4(HorizontalSum4I32(first.a, first.b, second.a, second.b));
    wasm_v128_store(out + r, wasm_f32x4_mul(sums, wasm_f32x4_mul(wasm_v128_load(scales + r), qs)));
  }
}

ZX_TIER_UNIT void ScoreI8Simd(const int8_t* rows, const int16_t* q16_permuted, const float* scales, float q_scale, int d,
                 int64_t count, float* out) {
  if (d <= 64)
    ScoreI8Rows<true>(rows, q16_permuted, scales, q_scale, d, count, out);
  else
    ScoreI8Rows<false>(rows, q16_permuted, scales, q_scale, d, count, out);
}

#endif  // __wasm_simd128__

// I8 rows take the query quantized to integers in [-kQueryMax, kQueryMax] (its error stays far below
// the rows' own int8 rounding). The bound keeps every int32 sum exact: |sum| <= 1024 * 128 * kQueryMax
// < 2^31 for the largest dim, and it is what the SIMD kernel's 256-scaled even sums need (above).
constexpr int kQueryMax = 8191;

// The host's I8 kernel, when one is installed (SetI8DotKernel), and whether it beat the built-in
// kernels. It is only worth it where the engine has a fast int8 dot: V8 on x86 without AVX-VNNI
// lowers the relaxed dot to five instructions, and the two-digit kernel then ran at 0.78x the
// SIMD128 kernel (bench/i8-kernels.bench.mjs). Both give the same scores, so the first large
// top-K queries take them in turn, timed, and the faster one stays: a choice of speed only.
class I8KernelChoice {
 public:
  void Install(I8DotKernel kernel, bool compare_first) {
    kernel_ = kernel;
    deciding_ = kernel != nullptr && compare_first;
    use_kernel_ = kernel != nullptr;
    trials_ = 0;
    best_[0] = best_[1] = std::numeric_limits<double>::infinity();
  }
  bool uses_kernel() const { return use_kernel_; }
  // The kernel a query over `rows` rows should use (null: the built-in kernels); `trial` says
  // whether to time it for the comparison.
  I8DotKernel ForQuery(int64_t rows, bool* trial) const {
    *trial = deciding_ && rows >= kTrialMinRows;
    if (*trial) return trials_ % 2 == 0 ? kernel_ : nullptr;
    return use_kernel_ ? kernel_ : nullptr;
  }
  void Report(I8DotKernel used, double seconds) {
    double& best = best_[used != nullptr ? 1 : 0];
    best = std::min(best, seconds);
    if (++trials_ < 2 * kTrialsEach) return;
    deciding_ = false;
    use_kernel_ = best_[1] < best_[0];
  }

 private:
  // Queries this large take milliseconds: a timer's resolution (and a page's coarse clock) is far below.
  static constexpr int64_t kTrialMinRows = 1 << 16;
  static constexpr int kTrialsEach = 4;  // the first of each warms up (V8 tiers hot code up meanwhile)
  I8DotKernel kernel_ = nullptr;
  bool deciding_ = false;
  bool use_kernel_ = false;
  int trials_ = 0;
  double best_[2] = {0, 0};  // built-in, host: the fastest query of each
};
I8KernelChoice g_i8_kernel;

// The query in the form the matrix's kernel wants.
struct PreparedQuery {
  const float* f32 = nullptr;
  std::vector<float> f32_times_2_112;  // F16 with SIMD: the query scaled to meet the rows' halves
  std::vector<int16_t> q16;           // I8: the quantized query, in row order
  std::vector<int16_t> q16_permuted;  // I8 with SIMD: per 16-value chunk, the 8 even values then the 8 odd
  I8DotKernel host = nullptr;         // I8: the host's kernel, when this query uses it
  std::vector<uint8_t> digits;        // I8 with a host kernel: q16 + 8192 in base 128 (see I8DotKernel)
  float q_scale = 1.f;
};

PreparedQuery Prepare(const ItemMatrix& items, const float* query, I8DotKernel host = nullptr) {
  PreparedQuery p;
  p.f32 = query;
#if defined(__wasm_simd128__)
  // |query| < 2^15 keeps query * 2^112 finite; a larger query (no fold-in makes one) takes the
  // portable loop, same scores.
  if (items.dtype() == DType::kF16 && items.dim() % 8 == 0) {
    const int d = items.dim();
    float max_abs = 0.f;
    for (int j = 0; j < d; ++j) max_abs = std::max(max_abs, std::fabs(query[j]));
    if (max_abs < 32768.f) {
      p.f32_times_2_112.resize(d);
      for (int j = 0; j < d; ++j) p.f32_times_2_112[j] = query[j] * 5.192296858534828e+33f;  // 2^112: exact
    }
  }
#endif
  if (items.dtype() == DType::kI8) {
    const int d = items.dim();
    float max_abs = 0.f;
    for (int j = 0; j < d; ++j) max_abs = std::max(max_abs, std::fabs(query[j]));
    p.q_scale = max_abs > 0.f ? max_abs / static_cast<float>(kQueryMax) : 1.f;
    p.q16.resize(d);
    for (int j = 0; j < d; ++j) p.q16[j] = static_cast<int16_t>(std::lround(query[j] / p.q_scale));
    if (host != nullptr && d % 16 == 0) {
      p.host = host;
      p.digits.resize(2 * static_cast<size_t>(d));
      for (int j = 0; j < d; ++j) {
        const int u = p.q16[j] + kQueryMax + 1;  // in [1, 16383]
        const int chunk = j & ~15, lane = j & 15;
        p.digits[2 * chunk + lane] = static_cast<uint8_t>(u >> 7);
        p.digits[2 * chunk + 16 + lane] = static_cast<uint8_t>(u & 127);
      }
    }
#if defined(__wasm_simd128__)
    if (d % 16 == 0) {
      p.q16_permuted.resize(d);
      for (int j = 0; j < d; ++j) {
        const int chunk = j & ~15, lane = j & 15;
        p.q16_permuted[chunk + (lane & 1) * 8 + lane / 2] = p.q16[j];
      }
    }
#endif
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
      if (!query.f32_times_2_112.empty()) { ScoreF16Simd(rows, query.f32_times_2_112.data(), d, count, out); break; }
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
      if (!query.digits.empty()) {
        // The host's kernel, four rows at a time; the last count % 4 rows take the portable loop.
        const int64_t kernel_rows = count / 4 * 4;
        // The rows' sums: summed here the first time (the block is then in cache for the kernel).
        query.host(rows, d, static_cast<int32_t>(kernel_rows), query.digits.data(), items.row_sums(begin, begin + kernel_rows), scales,
                   query.q_scale, out);
        ScoreI8Portable(rows + kernel_rows * d, query.q16.data(), scales + kernel_rows, query.q_scale, d,
                        count - kernel_rows, out + kernel_rows);
        break;
      }
#if defined(__wasm_simd128__)
      if (d % 16 == 0) {
        // Four rows at a time; the last count % 4 rows take the portable loop (same exact sums).
        const int64_t simd_rows = count / 4 * 4;
        ScoreI8Simd(rows, query.q16_permuted.data(), scales, query.q_scale, d, simd_rows, out);
        ScoreI8Portable(rows + simd_rows * d, query.q16.data(), scales + simd_rows, query.q_scale, d,
                        count - simd_rows, out + simd_rows);
        break;
      }
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

  ZX_TIER_UNIT void Offer(const float* scores, int64_t first_row, int64_t count, const uint8_t* allowed) {
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
    std::sort(heap_.begin(), heap_.end(), Better);
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
  using Entry = std::pair<float, int32_t>;

  // Higher score first, then the lower row: a strict total order, so the result is unique.
  static bool Better(const Entry& a, const Entry& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  }

  // The heap is written out here rather than taken from <algorithm>: in the LTO link with
  // -Oz files, std::push_heap / pop_heap and their iterators stayed out-of-line calls (10-20%
  // of a 10k-row query in a profile). Every parent is no better than its children.
  void Push(float s, int32_t row) {
    if (!full_) {
      heap_.emplace_back(s, row);
      SiftUp(heap_.size() - 1);
      full_ = static_cast<int64_t>(heap_.size()) >= k_;
    } else {
      heap_[0] = {s, row};  // replaces the worst
      SiftDown(0);
    }
    if (full_) threshold_ = heap_[0].first;
  }

  void SiftUp(size_t i) {
    Entry* h = heap_.data();
    const Entry x = h[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!Better(h[parent], x)) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = x;
  }

  void SiftDown(size_t i) {
    Entry* h = heap_.data();
    const size_t n = heap_.size();
    const Entry x = h[i];
    for (size_t child = 2 * i + 1; child < n; child = 2 * i + 1) {
      if (child + 1 < n && Better(h[child], h[child + 1])) ++child;  // the worse child
      if (!Better(x, h[child])) break;
      h[i] = h[child];
      i = child;
    }
    h[i] = x;
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

void SetI8DotKernel(I8DotKernel kernel, bool compare_first) { g_i8_kernel.Install(kernel, compare_first); }

bool UsesI8DotKernel() { return g_i8_kernel.uses_kernel(); }

void ScoreRows(const ItemMatrix& items, const float* query, const float* bias, int64_t begin, int64_t end,
               float* out) {
  if (end <= begin) return;
  bool trial = false;
  ScoreBlock(items, Prepare(items, query, g_i8_kernel.ForQuery(0, &trial)), bias, begin, end, out);
}

void ScoreRowsBatch(const ItemMatrix& items, const float* queries, int query_count, const float* bias, float* out) {
  const int64_t n = items.rows();
  std::vector<PreparedQuery> prepared;
  prepared.reserve(query_count);
  bool trial = false;
  const I8DotKernel host = g_i8_kernel.ForQuery(0, &trial);
  for (int q = 0; q < query_count; ++q) prepared.push_back(Prepare(items, queries + static_cast<size_t>(q) * items.dim(), host));
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
  bool trial = false;
  const I8DotKernel host = items.dtype() == DType::kI8 ? g_i8_kernel.ForQuery(n, &trial) : nullptr;
  const auto start = std::chrono::steady_clock::now();
  const PreparedQuery prepared = Prepare(items, query, host);
  TopKCollector top(k, n);
  alignas(16) float scores[kBlockRows];
  for (int64_t begin = 0; begin < n; begin += kBlockRows) {
    const int64_t end = std::min(n, begin + kBlockRows);
    ScoreBlock(items, prepared, bias, begin, end, scores);
    top.Offer(scores, begin, end - begin, allowed);
  }
  if (trial) g_i8_kernel.Report(host, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
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
  bool trial = false;
  const I8DotKernel host = g_i8_kernel.ForQuery(0, &trial);
  for (int q = 0; q < query_count; ++q) {
    prepared.push_back(Prepare(items, queries + static_cast<size_t>(q) * items.dim(), host));
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

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fixtures.hpp"
#include "zhixuan/base/half.hpp"
#include "zhixuan/model/scoring.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

TEST_CASE("top-K returns the best k in order, ties to the lower row", "[scoring]") {
  std::vector<float> scores{0.1f, 0.9f, 0.5f, 0.9f, -1.f, 0.7f};
  TopK top = SelectTopK(scores.data(), 6, 3, nullptr);
  REQUIRE(top.rows == std::vector<int32_t>{1, 3, 5});
  REQUIRE(top.scores == std::vector<float>{0.9f, 0.9f, 0.7f});
  SECTION("k larger than the catalog returns every allowed item") {
    std::vector<uint8_t> allowed{1, 0, 1, 0, 1, 1};
    TopK all = SelectTopK(scores.data(), 6, 100, allowed.data());
    REQUIRE(all.rows == std::vector<int32_t>{5, 2, 0, 4});
  }
}

TEST_CASE("kernels agree with a plain dot product for every dtype and odd dims", "[scoring]") {
  for (int dim : {8, 13, 64}) {
    auto rows = RandomRows(101, dim, dim);
    auto query = RandomRows(1, dim, 99);
    for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
      ItemMatrix m = ItemMatrix::FromF32(rows.data(), 101, dim, dtype);
      auto deq = m.ToF32();
      std::vector<float> out(101);
      ScoreRows(m, query.data(), nullptr, 0, 101, out.data());
      for (int r = 0; r < 101; ++r) {
        double expect = 0;
        for (int j = 0; j < dim; ++j) expect += double(deq[r * dim + j]) * query[j];
        INFO("dim " << dim << " dtype " << DTypeName(dtype) << " row " << r);
        REQUIRE(out[r] == Approx(expect).margin(dtype == DType::kI8 ? 2e-2 : 1e-3));
      }
    }
  }
}

TEST_CASE("batched scoring equals one query at a time", "[scoring]") {
  auto rows = RandomRows(3000, 32, 1);
  ItemMatrix m = ItemMatrix::FromF32(rows.data(), 3000, 32, DType::kF32);
  auto queries = RandomRows(5, 32, 2);
  std::vector<float> batch(5 * 3000), single(3000);
  ScoreRowsBatch(m, queries.data(), 5, nullptr, batch.data());
  for (int q = 0; q < 5; ++q) {
    ScoreRows(m, queries.data() + q * 32, nullptr, 0, 3000, single.data());
    REQUIRE(std::equal(single.begin(), single.end(), batch.begin() + q * 3000));
  }
}

TEST_CASE("an I8 matrix keeps recall@10 of the F32 ranking", "[scoring][quantization]") {
  const int n = 20000, d = 64;
  auto rows = RandomRows(n, d, 11);
  ItemMatrix f32 = ItemMatrix::FromF32(rows.data(), n, d, DType::kF32);
  ItemMatrix i8 = ItemMatrix::FromF32(rows.data(), n, d, DType::kI8);
  auto queries = RandomRows(50, d, 12);
  std::vector<float> a(n), b(n);
  double hits = 0;
  for (int q = 0; q < 50; ++q) {
    ScoreRows(f32, queries.data() + q * d, nullptr, 0, n, a.data());
    ScoreRows(i8, queries.data() + q * d, nullptr, 0, n, b.data());
    auto ta = SelectTopK(a.data(), n, 10, nullptr), tb = SelectTopK(b.data(), n, 10, nullptr);
    for (int32_t r : tb.rows) hits += std::count(ta.rows.begin(), ta.rows.end(), r);
  }
  REQUIRE(hits / 500.0 >= 0.98);
}

namespace {

// The summation order scoring.hpp documents, written out plainly.
float ReferenceDot(const float* a, const float* b, int d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= d; j += 8)
    for (int l = 0; l < 8; ++l) acc[l] = acc[l] + a[j + l] * b[j + l];
  float s[4];
  for (int l = 0; l < 4; ++l) s[l] = acc[l] + acc[l + 4];
  float sum = (s[0] + s[2]) + (s[1] + s[3]);
  for (; j < d; ++j) sum = sum + a[j] * b[j];
  return sum;
}

float ReferenceScore(const ItemMatrix& m, int64_t row, const float* query) {
  const int d = m.dim();
  if (m.dtype() != DType::kI8) {
    std::vector<float> v(d);
    m.RowToF32(row, v.data());  // F16 widens exactly
    return ReferenceDot(v.data(), query, d);
  }
  float max_abs = 0.f;
  for (int j = 0; j < d; ++j) max_abs = std::max(max_abs, std::fabs(query[j]));
  const float q_scale = max_abs > 0.f ? max_abs / 8191.f : 1.f;
  int32_t acc = 0;
  for (int j = 0; j < d; ++j)
    acc += int32_t{m.i8()[row * d + j]} * static_cast<int16_t>(std::lround(query[j] / q_scale));
  return static_cast<float>(acc) * (m.scales()[row] * q_scale);
}

}  // namespace

// Run by the native and the wasm suites alike: both equal the reference, so they equal each other.
TEST_CASE("scores follow the documented summation order bit for bit on every host", "[scoring]") {
  for (int dim : {8, 13, 16, 64, 128}) {
    const int n = 37;  // not a multiple of the 4-row kernels
    auto rows = RandomRows(n, dim, 5 + dim);
    auto query = RandomRows(1, dim, 6 + dim);
    for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
      ItemMatrix m = ItemMatrix::FromF32(rows.data(), n, dim, dtype);
      std::vector<float> out(n);
      ScoreRows(m, query.data(), nullptr, 0, n, out.data());
      for (int r = 0; r < n; ++r) {
        INFO("dim " << dim << " dtype " << DTypeName(dtype) << " row " << r);
        REQUIRE(out[r] == ReferenceScore(m, r, query.data()));
      }
    }
  }
}

TEST_CASE("the F16 kernel widens every finite half exactly: signs, zeros, subnormals, the largest", "[scoring][f16]") {
  // Every finite half, eight to a row; a one-hot query reads one column's halves back.
  std::vector<float> values;
  for (uint32_t h = 0; h < 0x10000; ++h)
    if ((h & 0x7C00) != 0x7C00) values.push_back(HalfToFloat(static_cast<uint16_t>(h)));
  const int dim = 8;
  const int64_t n = static_cast<int64_t>(values.size()) / dim;
  REQUIRE(values.size() == static_cast<size_t>(n * dim));
  ItemMatrix m = ItemMatrix::FromF32(values.data(), n, dim, DType::kF16);
  std::vector<float> out(static_cast<size_t>(n));
  for (int column = 0; column < dim; ++column) {
    std::vector<float> query(dim, 0.f);
    query[column] = 1.f;
    ScoreRows(m, query.data(), nullptr, 0, n, out.data());
    for (int64_t r = 0; r < n; ++r) {
      INFO("row " << r << " column " << column);
      REQUIRE(out[static_cast<size_t>(r)] == values[static_cast<size_t>(r * dim + column)]);
    }
  }
  // Queries up to 2^15 are scaled by 2^112 to meet the halves; larger ones take the plain loop.
  // Both give the documented sums, at the edges of the largest half too.
  auto rows = RandomRows(40, 16, 31);
  rows[5 * 16 + 3] = 65504.f;
  rows[7 * 16 + 1] = -65504.f;
  rows[9 * 16] = 5.96e-8f;  // the smallest subnormal half
  ItemMatrix wide = ItemMatrix::FromF32(rows.data(), 40, 16, DType::kF16);
  for (float big : {1.f, 32767.f, 32768.f, 1e30f}) {
    auto query = RandomRows(1, 16, 32);
    query[3] = big;
    query[1] = -big / 3;
    std::vector<float> scores(40);
    ScoreRows(wide, query.data(), nullptr, 0, 40, scores.data());
    for (int64_t r = 0; r < 40; ++r) {
      INFO("query entry " << big << " row " << r);
      REQUIRE(scores[static_cast<size_t>(r)] == ReferenceScore(wide, r, query.data()));
    }
  }
}

TEST_CASE("I8 sums stay exact up to the largest dim, at the extremes of rows and query", "[scoring][quantization]") {
  // Rows of +-127 against a query of +-8191 give the largest |sum| there is (1024 * 127 * 8191 < 2^31);
  // dims past 64 and not multiples of 64 take the SIMD kernel's 64-value blocks and a partial one.
  for (int dim : {80, 208, 1024}) {
    const int n = 9;  // two groups of four rows and a tail row
    std::vector<float> rows(static_cast<size_t>(n) * dim), query(dim);
    for (int j = 0; j < dim; ++j) query[j] = (j % 3 == 0) ? -2.f : 2.f;
    for (int r = 0; r < n; ++r)
      for (int j = 0; j < dim; ++j) rows[static_cast<size_t>(r) * dim + j] = ((j % 3 == 0) == (r % 2 == 0) ? -0.5f : 0.5f);
    ItemMatrix m = ItemMatrix::FromF32(rows.data(), n, dim, DType::kI8);
    std::vector<float> out(n);
    ScoreRows(m, query.data(), nullptr, 0, n, out.data());
    const float q_scale = 2.f / 8191.f;
    for (int r = 0; r < n; ++r) {
      int64_t exact = 0;
      for (int j = 0; j < dim; ++j) exact += int64_t{m.i8()[static_cast<size_t>(r) * dim + j]} * (query[j] < 0 ? -8191 : 8191);
      INFO("dim " << dim << " row " << r);
      REQUIRE(std::llabs(exact) == int64_t{127} * 8191 * dim);
      REQUIRE(out[r] == static_cast<float>(exact) * (m.scales()[r] * q_scale));
    }
  }
}

TEST_CASE("fused scoring + top-K equals scoring every row then selecting", "[scoring]") {
  const int64_t n = 1029;  // several blocks and a ragged tail
  const int dim = 64;
  auto rows = RandomRows(n, dim, 21);
  auto query = RandomRows(1, dim, 22);
  std::vector<float> bias(n);
  for (int64_t r = 0; r < n; ++r) bias[r] = 0.01f * static_cast<float>(r % 7);
  std::vector<uint8_t> allowed(n);
  for (int64_t r = 0; r < n; ++r) allowed[r] = (r * 2654435761u >> 7) % 5 != 0;
  // Duplicate rows give tied scores: the lower row must win in both paths.
  for (int j = 0; j < dim; ++j) rows[500 * dim + j] = rows[3 * dim + j];
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
    ItemMatrix m = ItemMatrix::FromF32(rows.data(), n, dim, dtype);
    for (int k : {1, 10, 100, 257, 5000}) {
      for (bool filtered : {false, true}) {
        for (bool biased : {false, true}) {
          const uint8_t* mask = filtered ? allowed.data() : nullptr;
          const float* b = biased ? bias.data() : nullptr;
          std::vector<float> scores(n);
          ScoreRows(m, query.data(), b, 0, n, scores.data());
          TopK expect = SelectTopK(scores.data(), n, k, mask);
          TopK fused = ScoreTopK(m, query.data(), b, k, mask);
          INFO(DTypeName(dtype) << " k " << k << " filtered " << filtered << " biased " << biased);
          REQUIRE(fused.rows == expect.rows);
          REQUIRE(fused.scores == expect.scores);
        }
      }
    }
  }
}

TEST_CASE("batched top-K equals one fused query at a time", "[scoring]") {
  const int64_t n = 5000;
  for (int dim : {13, 64}) {
    auto rows = RandomRows(n, dim, 31);
    auto queries = RandomRows(7, dim, 32);
    std::vector<uint8_t> allowed(n, 1);
    for (int64_t r = 0; r < n; r += 3) allowed[r] = 0;
    for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
      ItemMatrix m = ItemMatrix::FromF32(rows.data(), n, dim, dtype);
      std::vector<TopK> batch = ScoreTopKBatch(m, queries.data(), 7, nullptr, 20, allowed.data());
      REQUIRE(batch.size() == 7);
      for (int q = 0; q < 7; ++q) {
        TopK single = ScoreTopK(m, queries.data() + q * dim, nullptr, 20, allowed.data());
        INFO(DTypeName(dtype) << " dim " << dim << " query " << q);
        REQUIRE(batch[q].rows == single.rows);
        REQUIRE(batch[q].scores == single.scores);
      }
    }
  }
}

namespace {
int g_host_kernel_calls = 0;

// The I8DotKernel contract in scalar code, as the relaxed-SIMD module computes it: two dots
// against the query's base-128 digits and the offset taken back through the row sums, in
// wrapping uint32 arithmetic (what i32x4 lanes do).
void ScalarHostKernel(const int8_t* rows, int32_t dim, int32_t count, const uint8_t* digits, const int32_t* row_sums,
                      const float* scales, float query_scale, float* out) {
  ++g_host_kernel_calls;
  for (int32_t r = 0; r < count; ++r) {
    uint32_t hi = 0, lo = 0;
    for (int32_t j = 0; j < dim; ++j) {
      const int chunk = j & ~15, lane = j & 15;
      hi += static_cast<uint32_t>(rows[r * dim + j] * digits[2 * chunk + lane]);
      lo += static_cast<uint32_t>(rows[r * dim + j] * digits[2 * chunk + 16 + lane]);
    }
    const uint32_t acc = hi * 128u + lo - static_cast<uint32_t>(row_sums[r]) * 8192u;
    out[r] = static_cast<float>(static_cast<int32_t>(acc)) * (scales[r] * query_scale);
  }
}
}  // namespace

TEST_CASE("an installed I8 dot kernel gets what it needs to reproduce the built-in scores bit for bit", "[scoring][quantization]") {
  // dim 1024 at the extremes: 128 * sum(row * hi) passes 2^31, so only wrapping sums come out right.
  for (int dim : {16, 64, 208, 1024}) {
    const int64_t n = 263;  // a ragged tail of 3 rows after the kernel's groups of four
    auto rows = RandomRows(n, dim, 7 + dim);
    auto query = RandomRows(1, dim, 70 + dim);
    if (dim == 1024) {
      for (int j = 0; j < dim; ++j) query[j] = (j % 3 == 0) ? -2.f : 2.f;
      for (int64_t r = 0; r < n; ++r)
        for (int j = 0; j < dim; ++j) rows[r * dim + j] = ((j % 3 == 0) == (r % 2 == 0) ? -0.5f : 0.5f);
    }
    ItemMatrix m = ItemMatrix::FromF32(rows.data(), n, dim, DType::kI8);
    std::vector<float> built_in(n), hosted(n);
    ScoreRows(m, query.data(), nullptr, 0, n, built_in.data());
    const TopK top_built_in = ScoreTopK(m, query.data(), nullptr, 10, nullptr);
    g_host_kernel_calls = 0;
    SetI8DotKernel(&ScalarHostKernel);
    ScoreRows(m, query.data(), nullptr, 0, n, hosted.data());
    const TopK top_hosted = ScoreTopK(m, query.data(), nullptr, 10, nullptr);
    SetI8DotKernel(nullptr);
    INFO("dim " << dim);
    REQUIRE(g_host_kernel_calls > 0);
    for (int64_t r = 0; r < n; ++r) REQUIRE(hosted[r] == built_in[r]);
    REQUIRE(top_hosted.rows == top_built_in.rows);
    REQUIRE(top_hosted.scores == top_built_in.scores);
  }
  SECTION("row sums follow appended rows") {
    auto rows = RandomRows(8, 16, 5);
    ItemMatrix m = ItemMatrix::FromF32(rows.data(), 4, 16, DType::kI8);
    const int32_t first = m.row_sums()[0];
    m.AppendRows(rows.data() + 4 * 16, 4);
    REQUIRE(m.row_sums()[0] == first);
    int32_t last = 0;
    for (int j = 0; j < 16; ++j) last += m.i8()[7 * 16 + j];
    REQUIRE(m.row_sums()[7] == last);
  }
  SECTION("row sums asked for block by block, from the middle first, equal the whole pass") {
    const int64_t n = 1000;  // blocks of 256: three whole and one of 232
    auto rows = RandomRows(n, 32, 8);
    ItemMatrix m = ItemMatrix::FromF32(rows.data(), n, 32, DType::kI8);
    const int32_t* middle = m.row_sums(300, 310);
    for (int64_t r = 300; r < 310; ++r) {
      int32_t want = 0;
      for (int j = 0; j < 32; ++j) want += m.i8()[r * 32 + j];
      REQUIRE(middle[r - 300] == want);
    }
    REQUIRE(m.row_sums(999, 1000) == m.row_sums() + 999);
    for (int64_t r = 0; r < n; ++r) {
      int32_t want = 0;
      for (int j = 0; j < 32; ++j) want += m.i8()[r * 32 + j];
      REQUIRE(m.row_sums()[r] == want);
    }
  }
}

namespace {
// The scalar contract kernel, made slow enough that the comparison must notice.
void SlowHostKernel(const int8_t* rows, int32_t dim, int32_t count, const uint8_t* digits, const int32_t* row_sums,
                    const float* scales, float query_scale, float* out) {
  for (int i = 0; i < 20; ++i) ScalarHostKernel(rows, dim, count, digits, row_sums, scales, query_scale, out);
}
}  // namespace

TEST_CASE("with compare_first, the first large top-K queries time both kernels and keep the faster, same results throughout", "[scoring]") {
  const int64_t n = 1 << 16;
  const int dim = 16;
  auto rows = RandomRows(n, dim, 17);
  ItemMatrix m = ItemMatrix::FromF32(rows.data(), n, dim, DType::kI8);
  std::vector<TopK> built_in;
  for (int q = 0; q < 10; ++q) built_in.push_back(ScoreTopK(m, RandomRows(1, dim, 100 + q).data(), nullptr, 10, nullptr));
  SetI8DotKernel(&SlowHostKernel, true);
  REQUIRE(UsesI8DotKernel());  // installed: small queries use it while the comparison is open
  g_host_kernel_calls = 0;
  for (int q = 0; q < 10; ++q) {
    const TopK top = ScoreTopK(m, RandomRows(1, dim, 100 + q).data(), nullptr, 10, nullptr);
    REQUIRE(top.rows == built_in[q].rows);
    REQUIRE(top.scores == built_in[q].scores);
  }
  REQUIRE(g_host_kernel_calls > 0);   // it took part
  REQUIRE_FALSE(UsesI8DotKernel());  // and lost: 20x the work of the scalar loop
  const int calls_after = g_host_kernel_calls;
  ScoreTopK(m, RandomRows(1, dim, 7).data(), nullptr, 10, nullptr);
  REQUIRE(g_host_kernel_calls == calls_after);
  SetI8DotKernel(nullptr);
  REQUIRE_FALSE(UsesI8DotKernel());
}

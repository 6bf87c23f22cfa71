#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

#include "fixtures.hpp"
#include "zhixuan/scoring.hpp"

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

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "fixtures.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/foldin.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

// A saved bundle without its item_gram tensor: what the README's Python recipe writes.
std::vector<uint8_t> WithoutGram(const Model& model) {
  auto bytes = SaveModel(model);
  auto view = ParseSafetensors(bytes.data(), bytes.size()).value();
  std::map<std::string, TensorData> tensors;
  for (const auto& [name, t] : view.tensors) {
    if (name == "item_gram") continue;
    TensorData d;
    d.dtype = t.dtype;
    d.shape = t.shape;
    d.bytes.assign(t.data, t.data + t.size_bytes);
    tensors[name] = d;
  }
  return WriteSafetensors(tensors, view.metadata);
}

// V^T V in double, the slow obvious way.
std::vector<double> GramInDouble(const ItemMatrix& items) {
  const int d = items.dim();
  std::vector<double> g(static_cast<size_t>(d) * d, 0.0);
  std::vector<float> row(d);
  for (int64_t r = 0; r < items.rows(); ++r) {
    items.RowToF32(r, row.data());
    for (int j = 0; j < d; ++j)
      for (int k = 0; k < d; ++k) g[static_cast<size_t>(j) * d + k] += double(row[j]) * row[k];
  }
  return g;
}

}  // namespace

TEST_CASE("the gram is V^T V for every dtype, any dim and any row count, and symmetric", "[bundle][gram]") {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
    for (int dim : {1, 7, 16, 33}) {
      for (int items : {1, 511, 513, 1300}) {  // around the kernel's 512-row blocks
        DYNAMIC_SECTION(DTypeName(dtype) << " " << items << " x " << dim) {
          auto rows = RandomRows(items, dim, 5);
          ItemMatrix m = ItemMatrix::FromF32(rows.data(), items, dim, dtype);
          const std::vector<float> gram = ComputeGram(m);
          const std::vector<double> want = GramInDouble(m);
          REQUIRE(gram.size() == want.size());
          for (int j = 0; j < dim; ++j) {
            for (int k = 0; k < dim; ++k) {
              const size_t at = static_cast<size_t>(j) * dim + k;
              REQUIRE(gram[at] == gram[static_cast<size_t>(k) * dim + j]);
              REQUIRE(std::fabs(gram[at] - want[at]) <= 1e-4 * (1.0 + std::fabs(want[at])) * std::sqrt(double(items)));
            }
          }
        }
      }
    }
  }
}

TEST_CASE("a bundle without item_gram loads without computing it; the first fold-in does, as if shipped", "[bundle][gram]") {
  const Model model = CheckerboardModel(40, 16);
  const auto shipped = SaveModel(model);
  const auto bytes = WithoutGram(model);
  REQUIRE(ParseSafetensors(bytes.data(), bytes.size())->find("item_gram") == nullptr);
  auto with = LoadModel(shipped.data(), shipped.size());
  auto without = LoadModel(bytes.data(), bytes.size());
  REQUIRE(with.ok());
  REQUIRE(without.ok());
  REQUIRE(without->gram.empty());  // nothing computed on load
  const std::vector<int32_t> rows = {0, 2, 4};
  const std::vector<float> weights = {1, 1, 2};
  const FoldInInput history{rows.data(), weights.data(), 3};
  auto a = FoldIn(with->items, GramOf(*with), with->manifest.foldin, history);
  const std::vector<float>& computed = GramOf(*without);
  REQUIRE(&computed == &GramOf(*without));  // once
  auto b = FoldIn(without->items, computed, without->manifest.foldin, history);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(computed == with->gram);  // SaveModel wrote the same function's result
  REQUIRE(a.value() == b.value());
  // Saved again, it ships the gram it computed.
  const auto resaved = SaveModel(without.value());
  REQUIRE(ParseSafetensors(resaved.data(), resaved.size())->find("item_gram") != nullptr);
}

TEST_CASE("rows too large for the bound are checked on load: huge but fine loads, overflowing is named", "[bundle][gram][bad-input]") {
  const int items = 2100, dim = 4;  // three blocks of the load's row check, which finds the largest value
  for (int at : {0, items * dim - 1}) {
    INFO("the large value at " << at);
    auto load = [&](float value) {
      std::vector<float> rows(items * dim, 0.f);
      rows[at] = value;  // one large value: one diagonal entry of V^T V is value^2
      auto made = MakeModel(ItemIds(items), rows.data(), dim, DType::kF32, {}, "v");
      // MakeModel refuses nothing finite; the bundle is written without a gram (SaveModel would
      // write an Inf one).
      made->gram.assign(static_cast<size_t>(dim) * dim, 0.f);
      const auto bytes = WithoutGram(made.value());
      return LoadModel(bytes.data(), bytes.size());
    };
    // 3e18^2 = 9e36 fits a float, but 2100 x 4 x 9e36 exceeds the bound: checked by computing it.
    auto huge = load(3e18f);
    REQUIRE(huge.ok());
    REQUIRE_FALSE(huge->gram.empty());
    REQUIRE(std::isfinite(huge->gram[static_cast<size_t>(at % dim) * (dim + 1)]));
    auto overflowing = load(1e20f);
    REQUIRE_FALSE(overflowing.ok());
    REQUIRE(overflowing.status().message() == "item rows are too large: their Gram matrix V^T V overflows float");
    auto small = load(3.f);
    REQUIRE(small.ok());
    REQUIRE(small->gram.empty());
  }
}

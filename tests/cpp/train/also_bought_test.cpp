#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "zhixuan/train/also_bought_mining.hpp"
#include "zhixuan/train/kmeans.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

// Six baskets over items 0..4:
//   {0,1} x3, {0,1,2}, {2,3}, {2,3,4}
// n0=4 n1=4 n2=3 n3=2 n4=1, B=6.
// lift(0,1) = 4*6/(4*4) = 1.5; lift(0,2) = 1*6/(4*3) = 0.5; lift(2,3) = 2*6/(3*2) = 2;
// lift(3,4) = 1*6/(2*1) = 3; lift(2,4) = 1*6/(3*1) = 2.
SparseMatrix Baskets() {
  std::vector<std::vector<int32_t>> baskets{{0, 1}, {0, 1}, {0, 1}, {0, 1, 2}, {2, 3}, {2, 3, 4}};
  std::vector<int32_t> row, col;
  for (size_t b = 0; b < baskets.size(); ++b)
    for (int32_t i : baskets[b]) {
      row.push_back(static_cast<int32_t>(b));
      col.push_back(i);
    }
  return BuildCsr(6, 5, row, col, {});
}

}  // namespace

TEST_CASE("also-bought ranks partners by lift above the minimum support", "[also-bought]") {
  AlsoBoughtOptions options;
  options.min_support = 1;
  options.top_k = 10;
  auto table = MineAlsoBought(Baskets(), options, 2);
  REQUIRE(table.ok());
  REQUIRE(table->offsets.size() == 6);
  // Item 2's partners: 3 (lift 2, support 2), 4 (lift 2, support 1), 0 and 1 (lift 0.5).
  const std::vector<int32_t> partners_of_2(table->items.begin() + table->offsets[2], table->items.begin() + table->offsets[3]);
  REQUIRE(partners_of_2 == std::vector<int32_t>{3, 4, 0, 1});
  REQUIRE(table->lift[table->offsets[2]] == Approx(2.0));
  REQUIRE(table->lift[table->offsets[2] + 2] == Approx(0.5));

  SECTION("min support drops rare pairs") {
    options.min_support = 2;
    auto strict = MineAlsoBought(Baskets(), options, 1);
    REQUIRE(strict.ok());
    const std::vector<int32_t> p2(strict->items.begin() + strict->offsets[2], strict->items.begin() + strict->offsets[3]);
    REQUIRE(p2 == std::vector<int32_t>{3});
    REQUIRE(strict->offsets[5] - strict->offsets[4] == 0);  // item 4 has no pair seen twice
  }
}

TEST_CASE("AlsoBought serves the table from a model bundle", "[also-bought]") {
  Model model = CheckerboardModel(5, 4);
  AlsoBoughtOptions options;
  options.min_support = 1;
  options.top_k = 2;
  AddAlsoBoughtExtras(MineAlsoBought(Baskets(), options).value(), &model);
  const std::vector<uint8_t> bytes = SaveModel(model);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  auto top = AlsoBought(*loaded, 3, 5);
  REQUIRE(top.ok());
  REQUIRE(top->rows == std::vector<int32_t>{4, 2});  // lift 3, then 2
  REQUIRE(top->scores[0] == Approx(3.0));
  auto one = AlsoBought(*loaded, 0, 1);
  REQUIRE(one->rows == std::vector<int32_t>{1});

  SECTION("bad input") {
    REQUIRE(AlsoBought(*loaded, 9, 5).status().code() == StatusCode::kUnknownItem);
    REQUIRE(AlsoBought(*loaded, 0, 0).status().code() == StatusCode::kInvalidArgument);
    REQUIRE(AlsoBought(CheckerboardModel(5, 4), 0, 5).status().code() == StatusCode::kUnsupported);
    Model broken = *loaded;
    const int32_t bad_offsets[6] = {0, 2, 1, 0, 0, 0};
    broken.extras["also_bought_offsets"] = MakeI32Tensor({6}, bad_offsets);
    REQUIRE(AlsoBought(broken, 1, 5).status().code() == StatusCode::kMalformedModel);
  }
}

TEST_CASE("k-means finds well-separated groups and is deterministic", "[kmeans]") {
  std::vector<float> points;
  for (int g = 0; g < 3; ++g)
    for (int i = 0; i < 20; ++i) {
      points.push_back(10.f * g + 0.01f * i);
      points.push_back(-5.f * g);
    }
  auto a = KMeans(points.data(), 60, 2, 3, 25, 7, 2);
  auto b = KMeans(points.data(), 60, 2, 3, 25, 7, 1);
  REQUIRE(a.ok());
  REQUIRE(a->centroids == b->centroids);
  for (int g = 0; g < 3; ++g)
    for (int i = 1; i < 20; ++i) REQUIRE(a->assignment[g * 20 + i] == a->assignment[g * 20]);
  REQUIRE(a->assignment[0] != a->assignment[20]);
  REQUIRE(a->assignment[20] != a->assignment[40]);
  REQUIRE(a->inertia < 1.0);
  SECTION("k is clipped to the number of points; bad input is rejected") {
    REQUIRE(KMeans(points.data(), 2, 2, 8).value().clusters == 2);
    REQUIRE(KMeans(points.data(), 0, 2, 8).status().code() == StatusCode::kInvalidArgument);
  }
}

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>

#include "fixtures.hpp"
#include "zhixuan/profile/fast_foldin.hpp"
#include "zhixuan/model/foldin.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

Model RandomModel(int items, int dim, FoldInParams params, uint32_t seed = 11) {
  auto rows = RandomRows(items, dim, seed);
  for (float& v : rows) v *= 0.3f;
  auto model = MakeModel(ItemIds(items), rows.data(), dim, DType::kF32, params, "random-1");
  REQUIRE(model.ok());
  return std::move(model).value();
}

// Max |a - b| relative to max |b|.
double RelativeError(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 1e-12;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
  }
  return diff / scale;
}

std::vector<float> Exact(const Model& m, const std::map<int32_t, double>& weights) {
  std::vector<int32_t> rows;
  std::vector<float> w;
  for (auto [r, x] : weights) {
    rows.push_back(r);
    w.push_back(static_cast<float>(x));
  }
  auto x = FoldIn(m.items, m.gram, m.manifest.foldin, {rows.data(), w.data(), static_cast<int64_t>(rows.size())});
  REQUIRE(x.ok());
  return std::move(x).value();
}

}  // namespace

TEST_CASE("incremental fold-in matches the exact FoldIn after every event", "[profile][fast-foldin]") {
  FoldInParams params;
  params.reg = 0.05f;
  params.alpha = 2.f;
  params.unobserved_weight = 0.2f;
  SECTION("constant lambda") {}
  SECTION("lambda grows with the history (reg_exponent 1)") { params.reg_exponent = 1.f; params.reg = 1e-4f; }
  Model m = RandomModel(300, 32, params);
  auto inc = IncrementalFoldIn::Create(&m, params);
  REQUIRE(inc.ok());
  std::mt19937 rng(3);
  std::uniform_int_distribution<int32_t> pick(0, 59);
  std::uniform_real_distribution<double> weight(-1.0, 3.0);  // some events turn rows unobserved
  std::map<int32_t, double> weights;
  for (int step = 0; step < 400; ++step) {
    const int32_t row = pick(rng);
    const double w = weight(rng);
    weights[row] = w;
    REQUIRE(inc->SetWeight(row, w).ok());
    auto x = inc->Solve();
    REQUIRE(x.ok());
    REQUIRE(RelativeError(*x, Exact(m, weights)) < 1e-4);
  }
  // Rank-1 updates did most of the work: far fewer refactorizations than steps.
  REQUIRE(inc->refactor_count() < (params.reg_exponent == 0.f ? 20 : 400));
}

TEST_CASE("incremental fold-in: empty history is the zero vector; Reset equals step-by-step", "[profile][fast-foldin]") {
  FoldInParams params;
  Model m = RandomModel(100, 16, params);
  auto inc = IncrementalFoldIn::Create(&m, params);
  REQUIRE(inc.ok());
  auto zero = inc->Solve();
  REQUIRE(zero.ok());
  for (float v : *zero) REQUIRE(v == 0.f);
  std::vector<int32_t> rows{1, 5, 9, 20};
  std::vector<double> w{1, 2, 0.5, 4};
  for (size_t i = 0; i < rows.size(); ++i) REQUIRE(inc->SetWeight(rows[i], w[i]).ok());
  auto stepwise = inc->Solve();
  auto fresh = IncrementalFoldIn::Create(&m, params);
  REQUIRE(fresh->Reset(rows.data(), w.data(), 4).ok());
  auto reset = fresh->Solve();
  REQUIRE(RelativeError(*stepwise, *reset) < 1e-6);
  SECTION("setting every weight to a non-positive confidence empties the history again") {
    for (int32_t r : rows) REQUIRE(inc->SetWeight(r, -10).ok());
    REQUIRE(inc->observed_count() == 0);
    auto x = inc->Solve();
    for (float v : *x) REQUIRE(v == 0.f);
  }
}

TEST_CASE("incremental fold-in contributions sum to the score and name the right item", "[profile][fast-foldin]") {
  FoldInParams params;
  params.alpha = 4.f;
  params.unobserved_weight = 0.1f;
  Model m = CheckerboardModel(40, 16);
  auto inc = IncrementalFoldIn::Create(&m, m.manifest.foldin);
  REQUIRE(inc.ok());
  REQUIRE(inc->SetWeight(0, 1).ok());  // an even (axis-0) item
  REQUIRE(inc->SetWeight(3, 1).ok());  // an odd (axis-1) item
  auto x = inc->Solve();
  REQUIRE(x.ok());
  for (int32_t target : {10, 11}) {
    auto parts = inc->Contributions(target);
    REQUIRE(parts.ok());
    REQUIRE(parts->size() == 2);
    std::vector<float> v(16);
    m.items.RowToF32(target, v.data());
    double score = 0, sum = 0;
    for (int j = 0; j < 16; ++j) score += (*x)[j] * v[j];
    for (auto [row, c] : *parts) sum += c;
    REQUIRE(sum == Approx(score).epsilon(1e-4));
    const auto best = std::max_element(parts->begin(), parts->end(),
                                       [](auto a, auto b) { return a.second < b.second; });
    REQUIRE(best->first % 2 == target % 2);  // the same-cluster history item explains it
  }
}

TEST_CASE("incremental fold-in rejects bad rows and weights", "[profile][fast-foldin][bad-input]") {
  Model m = CheckerboardModel(10, 8);
  auto inc = IncrementalFoldIn::Create(&m, m.manifest.foldin);
  REQUIRE(inc->SetWeight(-1, 1).code() == StatusCode::kInvalidArgument);
  REQUIRE(inc->SetWeight(10, 1).code() == StatusCode::kInvalidArgument);
  REQUIRE(inc->SetWeight(1, std::nan("")).code() == StatusCode::kInvalidArgument);
  REQUIRE(inc->Contributions(99).status().code() == StatusCode::kUnknownItem);
}

TEST_CASE("a model without a gram: the incremental fold-in computes it at its first solve, not before, and solves alike", "[profile][fast-foldin][gram]") {
  Model shipped = CheckerboardModel(40, 16);
  Model lazy = shipped;
  lazy.gram.clear();  // as LoadModel leaves a bundle without item_gram
  auto with = IncrementalFoldIn::Create(&shipped, shipped.manifest.foldin);
  auto without = IncrementalFoldIn::Create(&lazy, lazy.manifest.foldin);
  REQUIRE(with.ok());
  REQUIRE(without.ok());
  for (auto* inc : {&with.value(), &without.value()}) {
    REQUIRE(inc->Solve().ok());  // empty history: zero, no factorization
    REQUIRE(inc->SetWeight(0, 2).ok());
    REQUIRE(inc->SetWeight(5, 1).ok());
  }
  REQUIRE(lazy.gram.empty());  // opening and updating a profile computed nothing
  auto a = with->Solve();
  auto b = without->Solve();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(lazy.gram == shipped.gram);
  REQUIRE(RelativeError(*b, *a) < 1e-6);
}

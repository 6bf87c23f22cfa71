#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "zhixuan/model/foldin.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/train/train.hpp"

using namespace zhixuan;

namespace {

// The checkerboard as interactions: 24 users x 20 items, even users like even items, odd
// users odd items, each user misses one item of their cluster (the withheld diagonal).
InteractionMatrix CheckerboardInteractions(int users = 24, int items = 20) {
  InteractionTable t;
  for (int u = 0; u < users; ++u)
    for (int i = u % 2; i < items; i += 2) {
      if (i / 2 == (u / 2) % (items / 2)) continue;  // withheld
      t.users.push_back("u" + std::to_string(u));
      t.items.push_back("i" + std::to_string(i));
      t.weights.push_back(1.f);
    }
  return BuildInteractionMatrix(t).value();
}

TrainParams SmallParams() {
  TrainParams p;
  p.dim = 8;
  p.epochs = 10;
  p.foldin.reg = 0.1f;
  p.foldin.alpha = 2.f;
  p.foldin.unobserved_weight = 0.2f;
  p.foldin.reg_exponent = 0.f;
  p.item_reg = 0.05f;
  p.threads = 2;
  p.compute_loss = true;
  return p;
}

}  // namespace

TEST_CASE("ALS never increases its objective on the checkerboard", "[train]") {
  const InteractionMatrix data = CheckerboardInteractions();
  for (float nu : {0.f, 1.f})
  for (ItemSolver solver : {ItemSolver::kCholesky, ItemSolver::kConjugateGradient}) {
    DYNAMIC_SECTION("reg_exponent " << nu << ", item solver " << (solver == ItemSolver::kCholesky ? "cholesky" : "cg")) {
      TrainParams p = SmallParams();
      p.foldin.reg_exponent = nu;
      p.item_solver = solver;
      if (nu > 0) p.foldin.reg = p.item_reg = 0.01f;
      auto r = TrainImplicitAls(data.by_user, p);
      REQUIRE(r.ok());
      REQUIRE(r->epochs.size() == 10);
      for (size_t e = 1; e < r->epochs.size(); ++e) REQUIRE(r->epochs[e].loss <= r->epochs[e - 1].loss * (1 + 1e-5));
      REQUIRE(r->epochs.back().loss < r->epochs.front().loss);
      REQUIRE(std::isfinite(ImplicitAlsLoss(data.by_user, *r, p)));
    }
  }
}

TEST_CASE("the trained model puts each user's withheld item of their cluster on top", "[train]") {
  const InteractionMatrix data = CheckerboardInteractions();
  auto r = TrainImplicitAls(data.by_user, SmallParams());
  REQUIRE(r.ok());
  BundleOptions options;
  options.segments = 2;
  auto model = MakeTrainedModel(data, *r, SmallParams(), options);
  REQUIRE(model.ok());
  auto rec = Recommender::Create(std::move(model).value(), std::nullopt);
  REQUIRE(rec.ok());
  const SparseMatrix& x = data.by_user;
  for (int32_t u = 0; u < x.rows; ++u) {
    const int user = std::stoi(data.users.ids()[u].substr(1));
    const std::string withheld = "i" + std::to_string(2 * ((user / 2) % 10) + user % 2);
    std::vector<int32_t> history(x.indices.begin() + x.offsets[u], x.indices.begin() + x.offsets[u + 1]);
    auto v = (*rec)->FoldIn({history.data(), nullptr, static_cast<int64_t>(history.size())});
    REQUIRE(v.ok());
    Query q;
    q.user_vector = v->data();
    q.k = 1;
    q.exclude_rows = history;
    auto top = (*rec)->Recommend(q);
    REQUIRE(top.ok());
    INFO("user " << user);
    REQUIRE((*rec)->item_ids()[top->rows[0]] == withheld);
  }
}

TEST_CASE("the device fold-in of a training user reproduces the trainer's user vector", "[train][foldin]") {
  const InteractionMatrix data = CheckerboardInteractions();
  for (float nu : {0.f, 1.f}) {
    DYNAMIC_SECTION("reg_exponent " << nu) {
      TrainParams p = SmallParams();
      p.foldin.reg_exponent = nu;
      auto r = TrainImplicitAls(data.by_user, p);
      REQUIRE(r.ok());
      auto model = MakeTrainedModel(data, *r, p, BundleOptions{});
      REQUIRE(model.ok());
      // Through the shipped bytes, as on the device.
      const std::vector<uint8_t> bytes = SaveModel(*model);
      auto loaded = LoadModel(bytes.data(), bytes.size());
      REQUIRE(loaded.ok());
      REQUIRE(loaded->manifest.foldin.reg_exponent == nu);
      auto rec = Recommender::Create(std::move(loaded).value(), std::nullopt);
      REQUIRE(rec.ok());
      const SparseMatrix& x = data.by_user;
      for (int32_t u : {0, 5, 17}) {
        std::vector<int32_t> rows(x.indices.begin() + x.offsets[u], x.indices.begin() + x.offsets[u + 1]);
        std::vector<float> weights(x.values.begin() + x.offsets[u], x.values.begin() + x.offsets[u + 1]);
        auto v = (*rec)->FoldIn({rows.data(), weights.data(), static_cast<int64_t>(rows.size())});
        REQUIRE(v.ok());
        for (int j = 0; j < p.dim; ++j) REQUIRE(std::abs((*v)[j] - r->user_factors[u * p.dim + j]) < 1e-4f);
      }
    }
  }
}

TEST_CASE("the bundle carries popularity, segments, also-bought and the fold-in params", "[train]") {
  const InteractionMatrix data = CheckerboardInteractions();
  const TrainParams p = SmallParams();
  auto r = TrainImplicitAls(data.by_user, p);
  REQUIRE(r.ok());
  BundleOptions options;
  options.segments = 3;
  options.also_bought.min_support = 2;
  options.dtype = DType::kF16;
  auto model = MakeTrainedModel(data, *r, p, options);
  REQUIRE(model.ok());
  const std::vector<uint8_t> bytes = SaveModel(*model);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  REQUIRE(loaded->items.dtype() == DType::kF16);
  REQUIRE(loaded->manifest.foldin.alpha == p.foldin.alpha);
  REQUIRE(loaded->manifest.foldin.unobserved_weight == p.foldin.unobserved_weight);
  REQUIRE(loaded->manifest.json.find("\"training\"") != std::string::npos);
  const TensorData& pop = loaded->extras.at("item_popularity");
  REQUIRE(pop.shape == std::vector<int64_t>{20});
  float sum = 0;
  for (int i = 0; i < 20; ++i) {
    float v;
    std::memcpy(&v, pop.bytes.data() + 4 * i, 4);
    sum += v;
  }
  REQUIRE(sum == Approx(1.f));
  REQUIRE(loaded->extras.at("segment_centroids").shape == std::vector<int64_t>{3, 8});
  REQUIRE(loaded->extras.at("also_bought_offsets").shape == std::vector<int64_t>{21});
}

TEST_CASE("bad training parameters are INVALID_ARGUMENT", "[train][bad-input]") {
  const InteractionMatrix data = CheckerboardInteractions();
  TrainParams p = SmallParams();
  SECTION("dim") { p.dim = 0; }
  SECTION("epochs") { p.epochs = 0; }
  SECTION("negative reg") { p.foldin.reg = -1; }
  SECTION("no regularization at all") { p.foldin.reg = 0; p.foldin.unobserved_weight = 0; }
  SECTION("reg exponent") { p.foldin.reg_exponent = 3; }
  SECTION("cg steps") { p.cg_steps = 0; }
  auto r = TrainImplicitAls(data.by_user, p);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
}

namespace {

// 300 users x 150 items in 5 taste groups (an LCG, no std distributions), 6..25 items each:
// big enough that 3 CG steps at d = 32 do not solve a row's system exactly.
InteractionMatrix GroupedInteractions() {
  InteractionTable t;
  uint64_t state = 99;
  auto next = [&] { return (state = state * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  for (int u = 0; u < 300; ++u) {
    const int want = 6 + static_cast<int>(next() % 20);
    for (int k = 0; k < want; ++k) {
      const int item = next() % 100 < 80 ? (u % 5) * 30 + static_cast<int>(next() % 30) : static_cast<int>(next() % 150);
      t.users.push_back("u" + std::to_string(u));
      t.items.push_back("i" + std::to_string(item));
      t.weights.push_back(1.f);
    }
  }
  return BuildInteractionMatrix(t).value();
}

}  // namespace

TEST_CASE("CG user steps reach the exact solver's objective, deterministically", "[train][cg]") {
  const InteractionMatrix data = GroupedInteractions();
  TrainParams p = SmallParams();
  p.dim = 32;
  p.epochs = 15;
  p.foldin.alpha = 0.f;
  p.foldin.reg_exponent = 0.5f;
  p.foldin.reg = p.item_reg = 0.02f;
  p.item_solver = ItemSolver::kCholesky;
  p.user_solver = UserSolver::kCholesky;
  auto exact = TrainImplicitAls(data.by_user, p);
  REQUIRE(exact.ok());
  p.user_solver = UserSolver::kConjugateGradient;
  auto cg = TrainImplicitAls(data.by_user, p);
  REQUIRE(cg.ok());
  // Never up (each CG step lowers each row's quadratic), and within 1% of the exact objective.
  for (size_t e = 1; e < cg->epochs.size(); ++e) REQUIRE(cg->epochs[e].loss <= cg->epochs[e - 1].loss * (1 + 1e-5));
  const double exact_loss = exact->epochs.back().loss, cg_loss = cg->epochs.back().loss;
  REQUIRE(cg_loss != exact_loss);  // the CG path really ran
  REQUIRE(std::abs(cg_loss - exact_loss) <= 0.01 * std::abs(exact_loss));
  // The same bits for a seed, whatever the thread count.
  p.threads = 1;
  auto again = TrainImplicitAls(data.by_user, p);
  REQUIRE(again.ok());
  REQUIRE(again->item_factors == cg->item_factors);
  REQUIRE(again->user_factors == cg->user_factors);
  // kAuto: exact below kUserCgMinDim, CG from it on.
  p.user_solver = UserSolver::kAuto;
  p.dim = kUserCgMinDim - 1;
  REQUIRE(UserRowSolver(p) == RowSolver::kCholesky);
  p.dim = kUserCgMinDim;
  REQUIRE(UserRowSolver(p) == RowSolver::kConjugateGradient);
}

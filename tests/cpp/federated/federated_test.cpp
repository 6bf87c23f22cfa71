#include <cmath>
#include <cstring>

#include <catch2/catch.hpp>

#include "federated_fixtures.hpp"
#include "fixtures.hpp"
#include "zhixuan/federated/federated.hpp"

using namespace zhixuan;
using testing::Nonce;
using testing::Seed;

namespace {

// FoldIn's objective as a function of the item rows (federated.hpp), written out independently
// in double precision.
double UserLoss(const std::vector<double>& rows, int n, int d, const std::vector<float>& x, const FoldInParams& p,
                const std::vector<int32_t>& hist, const std::vector<float>& weights) {
  auto dot = [&](int i) {
    double s = 0;
    for (int j = 0; j < d; ++j) s += rows[i * d + j] * x[j];
    return s;
  };
  double loss = 0;
  for (int i = 0; i < n; ++i) loss += p.unobserved_weight * dot(i) * dot(i);
  for (size_t k = 0; k < hist.size(); ++k) {
    const double c = 1.0 + p.alpha * weights[k];
    if (c <= 0) continue;
    const double pi = dot(hist[k]);
    loss += c * (1 - pi) * (1 - pi) - p.unobserved_weight * pi * pi;
  }
  return loss;
}

}  // namespace

TEST_CASE("the item gradient matches finite differences of the fold-in objective", "[federated]") {
  const int n = 12, d = 4;
  auto rows_f = testing::RandomRows(n, d, 3);
  for (float& v : rows_f) v *= 0.5f;
  FoldInParams params;
  params.alpha = 3.f;
  params.unobserved_weight = 0.2f;
  ItemMatrix items = ItemMatrix::FromF32(rows_f.data(), n, d, DType::kF32);
  const std::vector<float> x = {0.7f, -0.3f, 0.5f, 0.2f};
  // Item 2 twice (duplicates add one term each), item 7 with a negative weight (c <= 0: unobserved).
  const std::vector<int32_t> hist = {2, 5, 2, 7, 9};
  const std::vector<float> weights = {1.f, 2.f, 0.5f, -1.f, 1.f};
  FoldInInput input{hist.data(), weights.data(), static_cast<int64_t>(hist.size())};

  SECTION("over every row") {
    auto grad = ItemGradient(items, params, x, input, 0, n);
    REQUIRE(grad.ok());
    std::vector<double> rows(rows_f.begin(), rows_f.end());
    const double h = 1e-5;
    for (int i = 0; i < n * d; ++i) {
      std::vector<double> plus = rows, minus = rows;
      plus[i] += h;
      minus[i] -= h;
      const double fd = (UserLoss(plus, n, d, x, params, hist, weights) - UserLoss(minus, n, d, x, params, hist, weights)) / (2 * h);
      INFO("cell " << i);
      CHECK((*grad)[i] == Approx(fd).margin(1e-4).epsilon(1e-3));
    }
  }
  SECTION("a window holds exactly the same rows") {
    auto full = ItemGradient(items, params, x, input, 0, n);
    auto window = ItemGradient(items, params, x, input, 4, 6);
    REQUIRE(window.ok());
    REQUIRE(window->size() == 6u * d);
    for (int i = 0; i < 6 * d; ++i) CHECK((*window)[i] == (*full)[4 * d + i]);
  }
  SECTION("bad input is InvalidArgument") {
    CHECK(ItemGradient(items, params, {1.f}, input, 0, n).status().code() == StatusCode::kInvalidArgument);
    CHECK(ItemGradient(items, params, x, input, 10, 5).status().code() == StatusCode::kInvalidArgument);
    const int32_t bad_row = 99;
    CHECK(ItemGradient(items, params, x, FoldInInput{&bad_row, nullptr, 1}, 0, n).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("clipping bounds the L2 norm and leaves small deltas alone", "[federated]") {
  std::vector<float> big = {3.f, 4.f};
  CHECK(ClipToNorm(big, 1.0) == Approx(5.0));
  CHECK(L2Norm(big) == Approx(1.0).epsilon(1e-6));
  CHECK(big[0] == Approx(0.6f));
  std::vector<float> small = {0.3f, 0.4f};
  ClipToNorm(small, 1.0);
  CHECK(small[0] == 0.3f);
}

TEST_CASE("Gaussian noise is deterministic per seed and has the requested scale", "[federated]") {
  std::vector<float> a(20000, 0.f), b(20000, 0.f), c(20000, 0.f);
  AddGaussianNoise(a, 2.0, Seed(1));
  AddGaussianNoise(b, 2.0, Seed(1));
  AddGaussianNoise(c, 2.0, Seed(2));
  CHECK(a == b);
  CHECK(a != c);
  CHECK(L2Norm(a) / std::sqrt(20000.0) == Approx(2.0).epsilon(0.03));
}

TEST_CASE("round configs parse strictly", "[federated]") {
  auto ok = ParseRoundConfigJson(R"({"round_id":3,"base_version":"v1","clip":0.5,"noise_multiplier":1.1,
      "noise_mode":"local","encoding":"int8","row_offset":2,"row_count":10,"server_learning_rate":2,
      "sampling_rate":0.1,"delta":1e-6,"deadline_ms":123})");
  REQUIRE(ok.ok());
  CHECK(ok->round_id == 3);
  CHECK(ok->noise_mode == NoiseMode::kLocal);
  CHECK(ok->encoding == PayloadEncoding::kInt8);
  CHECK(ok->accountant().sampling_rate == 1.0);  // local noise gets no amplification
  auto back = ParseRoundConfigJson(RoundConfigToJson(*ok));
  REQUIRE(back.ok());
  CHECK(back->row_count == 10);
  CHECK(back->clip == 0.5);
  for (const char* bad : {"[]", "{", R"({"base_version":"v"})", R"({"round_id":1})", R"({"round_id":-1,"base_version":"v"})",
                          R"({"round_id":1,"base_version":"v","clip":0})", R"({"round_id":1,"base_version":"v","noise_mode":"loud"})",
                          R"({"round_id":1,"base_version":"v","encoding":"f8"})", R"({"round_id":1,"base_version":"v","sampling_rate":2})"}) {
    INFO(bad);
    CHECK(ParseRoundConfigJson(bad).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a client update decodes, respects the clip bound and carries the round header", "[federated]") {
  Model model = testing::CheckerboardModel(40, 16);
  const std::vector<int32_t> hist = {0, 2, 4, 6};
  FoldInInput input{hist.data(), nullptr, 4};
  RoundConfig config;
  config.round_id = 7;
  config.base_version = model.manifest.model_version;
  config.clip = 0.05;

  for (PayloadEncoding enc : {PayloadEncoding::kF16, PayloadEncoding::kInt8}) {
    config.encoding = enc;
    auto update = ComputeClientUpdate(model, input, config, Nonce(9), Seed(1));
    REQUIRE(update.ok());
    CHECK(update->norm_before_clip > config.clip);  // the bound is active in this fixture
    CHECK(update->norm_sent <= config.clip);
    CHECK(update->norm_sent > 0.9 * config.clip);
    auto decoded = DecodeUpdate(update->payload.data(), update->payload.size());
    REQUIRE(decoded.ok());
    CHECK(decoded->header.round_id == 7);
    CHECK(decoded->header.base_version == "checkerboard-1");
    CHECK(decoded->header.nonce == Nonce(9));
    CHECK(decoded->header.row_count == 40u);
    CHECK(L2Norm(decoded->values) <= config.clip);
  }
  SECTION("the update points where the user's loss decreases") {
    config.encoding = PayloadEncoding::kF16;
    config.clip = 1e6;  // unclipped
    auto update = ComputeClientUpdate(model, input, config, Nonce(1), Seed(1));
    REQUIRE(update.ok());
    auto decoded = DecodeUpdate(update->payload.data(), update->payload.size());
    auto x = FoldIn(model.items, GramOf(model), model.manifest.foldin, input);
    auto grad = ItemGradient(model.items, model.manifest.foldin, *x, input, 0, 40);
    double inner = 0;
    for (size_t i = 0; i < grad->size(); ++i) inner += (*grad)[i] * decoded->values[i];
    CHECK(inner < 0);
  }
  SECTION("local noise is added after clipping and flagged") {
    config.noise_mode = NoiseMode::kLocal;
    config.noise_multiplier = 1.0;
    auto update = ComputeClientUpdate(model, input, config, Nonce(2), Seed(3));
    REQUIRE(update.ok());
    auto decoded = DecodeUpdate(update->payload.data(), update->payload.size());
    CHECK(decoded->header.local_noise);
    CHECK(update->norm_sent > 5 * config.clip);  // 640 cells of stddev C dominate
    CHECK(update->norm_sent <= UpdateNormBound(config, 640));
  }
  SECTION("a round for another model version, an empty history or a bad window is refused") {
    RoundConfig stale = config;
    stale.base_version = "old";
    CHECK(ComputeClientUpdate(model, input, stale, Nonce(1), Seed(1)).status().code() == StatusCode::kModelMismatch);
    CHECK(ComputeClientUpdate(model, FoldInInput{}, config, Nonce(1), Seed(1)).status().code() == StatusCode::kInvalidArgument);
    RoundConfig wide = config;
    wide.row_offset = 30;
    wide.row_count = 20;
    CHECK(ComputeClientUpdate(model, input, wide, Nonce(1), Seed(1)).status().code() == StatusCode::kModelMismatch);
  }
}

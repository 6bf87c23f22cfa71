#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "federated_fixtures.hpp"
#include "fixtures.hpp"
#include "zhixuan/federated/aggregate.hpp"

using namespace zhixuan;
using testing::Nonce;
using testing::Seed;

namespace {

RoundConfig Config(const Model& model) {
  RoundConfig c;
  c.round_id = 5;
  c.base_version = model.manifest.model_version;
  c.clip = 0.5;
  c.noise_mode = NoiseMode::kNone;
  c.server_learning_rate = 1.0;
  return c;
}

std::vector<uint8_t> Payload(const RoundConfig& c, uint8_t nonce, std::vector<float> values, int dim = 16, uint32_t rows = 40) {
  UpdateHeader h;
  h.round_id = c.round_id;
  h.base_version = c.base_version;
  h.nonce = Nonce(nonce);
  h.row_count = rows;
  h.dim = dim;
  h.encoding = c.encoding;
  h.local_noise = c.noise_mode == NoiseMode::kLocal;
  return EncodeUpdate(h, values).value();
}

std::vector<float> Constant(float v, size_t n = 640) { return std::vector<float>(n, v); }

}  // namespace

TEST_CASE("the aggregator averages accepted deltas into the next model version", "[aggregate]") {
  Model model = testing::CheckerboardModel(40, 16);
  RoundConfig config = Config(model);
  config.server_learning_rate = 2.0;
  auto agg = RoundAggregator::Create(model, config);
  REQUIRE(agg.ok());
  REQUIRE(agg->Add(Payload(config, 1, Constant(0.01f)).data(), 40 * 16 * 2 + 43 + 14 + 4).ok());
  const auto p2 = Payload(config, 2, Constant(-0.005f));
  REQUIRE(agg->Add(p2.data(), p2.size()).ok());
  CHECK(agg->count() == 2);
  auto next = agg->Finish(model, Seed(0), "checkerboard-2");
  REQUIRE(next.ok());
  CHECK(next->manifest.model_version == "checkerboard-2");
  const auto before = model.items.ToF32(), after = next->items.ToF32();
  // lr * mean = 2 * (0.01 - 0.005) / 2 = 0.005 (f16 rounding of the inputs: ~1e-5)
  for (size_t i = 0; i < before.size(); ++i) CHECK(after[i] - before[i] == Approx(0.005).margin(2e-5));
  // The gram follows the new rows, and the bundle round-trips.
  CHECK(next->gram == ComputeGram(next->items));
  auto bytes = SaveModel(*next);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  CHECK(loaded->manifest.model_version == "checkerboard-2");
}

TEST_CASE("central noise lands on the sum, scaled by sigma * C", "[aggregate]") {
  Model model = testing::CheckerboardModel(40, 16);
  RoundConfig config = Config(model);
  config.noise_mode = NoiseMode::kCentral;
  config.noise_multiplier = 2.0;
  config.clip = 0.1;
  auto agg = RoundAggregator::Create(model, config);
  const auto zero = Payload(config, 1, Constant(0.f));
  REQUIRE(agg->Add(zero.data(), zero.size()).ok());
  auto next = agg->Finish(model, Seed(4), "n-2");
  REQUIRE(next.ok());
  const auto before = model.items.ToF32(), after = next->items.ToF32();
  double sq = 0;
  for (size_t i = 0; i < before.size(); ++i) sq += (after[i] - before[i]) * (after[i] - before[i]);
  CHECK(std::sqrt(sq / before.size()) == Approx(0.2).epsilon(0.15));
}

TEST_CASE("the aggregator rejects bad updates and keeps the round intact", "[aggregate]") {
  Model model = testing::CheckerboardModel(40, 16);
  RoundConfig config = Config(model);
  auto agg = RoundAggregator::Create(model, config);
  REQUIRE(agg.ok());
  const auto good = Payload(config, 1, Constant(0.01f));
  REQUIRE(agg->Add(good.data(), good.size()).ok());

  SECTION("replayed nonce") {
    auto status = agg->Add(good.data(), good.size());
    CHECK(status.code() == StatusCode::kInvalidArgument);
    CHECK(status.message().find("replay") != std::string::npos);
  }
  SECTION("stale and future rounds") {
    RoundConfig old = config;
    old.round_id = 4;
    auto status = agg->Add(Payload(old, 2, Constant(0.01f)).data(), good.size());
    CHECK(status.code() == StatusCode::kModelMismatch);
    CHECK(status.message().find("stale") != std::string::npos);
    old.round_id = 6;
    CHECK(agg->Add(Payload(old, 2, Constant(0.01f)).data(), good.size()).code() == StatusCode::kModelMismatch);
  }
  SECTION("wrong base version, shape, encoding, noise flag") {
    RoundConfig other = config;
    other.base_version = "checkerboard-0";
    auto p = Payload(other, 3, Constant(0.01f));
    CHECK(agg->Add(p.data(), p.size()).code() == StatusCode::kModelMismatch);
    p = Payload(config, 3, Constant(0.01f, 39 * 16), 16, 39);
    CHECK(agg->Add(p.data(), p.size()).code() == StatusCode::kModelMismatch);
    p = Payload(config, 3, Constant(0.01f, 40 * 8), 8, 40);
    CHECK(agg->Add(p.data(), p.size()).code() == StatusCode::kModelMismatch);
    other = config;
    other.encoding = PayloadEncoding::kInt8;
    p = Payload(other, 3, Constant(0.01f));
    CHECK(agg->Add(p.data(), p.size()).code() == StatusCode::kModelMismatch);
    other = config;
    other.noise_mode = NoiseMode::kLocal;
    p = Payload(other, 3, Constant(0.01f));
    CHECK(agg->Add(p.data(), p.size()).code() == StatusCode::kModelMismatch);
  }
  SECTION("norm above the bound") {
    const auto p = Payload(config, 3, Constant(0.05f));  // norm 0.05 * sqrt(640) = 1.26 > 0.5
    auto status = agg->Add(p.data(), p.size());
    CHECK(status.code() == StatusCode::kInvalidArgument);
    CHECK(status.message().find("norm") != std::string::npos);
  }
  SECTION("truncated and oversized") {
    CHECK(agg->Add(good.data(), good.size() - 1).code() == StatusCode::kMalformedPayload);
    auto small = RoundAggregator::Create(model, config, DecodeLimits{1000, 1000});
    CHECK(small->Add(good.data(), good.size()).code() == StatusCode::kTooLarge);
  }
  // Whatever was rejected above, the round still holds exactly the one good update.
  CHECK(agg->count() == 1);
  auto next = agg->Finish(model, Seed(0), "checkerboard-2");
  REQUIRE(next.ok());
  CHECK(next->items.ToF32()[0] - model.items.ToF32()[0] == Approx(0.01).margin(2e-5));
}

TEST_CASE("a round of real client updates lowers the clients' total loss", "[aggregate][federated]") {
  Model model = testing::CheckerboardModel(40, 16);
  RoundConfig config = Config(model);
  config.clip = 1.0;
  config.server_learning_rate = 0.05;
  auto agg = RoundAggregator::Create(model, config);
  std::vector<std::vector<int32_t>> users = {{0, 2, 4}, {1, 3, 5, 7}, {6, 8, 10}, {9, 11}};
  // Loss with each user re-folded against the given model: what a device sees after re-fold.
  const auto total_loss = [&](const Model& m) {
    double total = 0;
    for (const auto& h : users) {
      FoldInInput input{h.data(), nullptr, static_cast<int64_t>(h.size())};
      auto x = FoldIn(m.items, GramOf(m), m.manifest.foldin, input);
      const auto rows = m.items.ToF32();
      const float w0 = m.manifest.foldin.unobserved_weight, c = 1 + m.manifest.foldin.alpha;
      for (int64_t i = 0; i < m.items.rows(); ++i) {
        double p = 0;
        for (int j = 0; j < 16; ++j) p += rows[i * 16 + j] * (*x)[j];
        const bool seen = std::find(h.begin(), h.end(), i) != h.end();
        total += seen ? c * (1 - p) * (1 - p) : w0 * p * p;
      }
    }
    return total;
  };
  uint8_t nonce = 1;
  for (const auto& h : users) {
    auto update = ComputeClientUpdate(model, FoldInInput{h.data(), nullptr, static_cast<int64_t>(h.size())}, config, Nonce(nonce++), Seed(0));
    REQUIRE(update.ok());
    REQUIRE(agg->Add(update->payload.data(), update->payload.size()).ok());
  }
  auto next = agg->Finish(model, Seed(0), "checkerboard-2");
  REQUIRE(next.ok());
  CHECK(total_loss(*next) < total_loss(model));
}

TEST_CASE("max_row_step caps each row's change per round", "[aggregate]") {
  Model model = testing::CheckerboardModel(40, 16);
  RoundConfig config = Config(model);
  config.max_row_step = 0.01;
  auto agg = RoundAggregator::Create(model, config);
  std::vector<float> values = Constant(0.f);
  for (int j = 0; j < 16; ++j) values[j] = 0.1f;  // row 0 moves by 0.4 uncapped
  values[16] = 0.005f;                            // row 1 moves by 0.005: under the cap
  const auto p = Payload(config, 1, values);
  REQUIRE(agg->Add(p.data(), p.size()).ok());
  auto next = agg->Finish(model, Seed(0), "capped");
  REQUIRE(next.ok());
  const auto before = model.items.ToF32(), after = next->items.ToF32();
  auto row_change = [&](int r) {
    double sq = 0;
    for (int j = 0; j < 16; ++j) sq += (after[r * 16 + j] - before[r * 16 + j]) * (after[r * 16 + j] - before[r * 16 + j]);
    return std::sqrt(sq);
  };
  CHECK(row_change(0) == Approx(0.01).epsilon(1e-3));
  CHECK(row_change(1) == Approx(0.005).epsilon(1e-2));
  CHECK(row_change(2) == 0);
}

TEST_CASE("a validated update is accepted once without decoding it again", "[aggregate]") {
  Model model = testing::CheckerboardModel(40, 16);
  RoundConfig config = Config(model);
  auto agg = RoundAggregator::Create(model, config);
  REQUIRE(agg.ok());
  const auto bytes = Payload(config, 7, Constant(0.015f));
  auto decoded = agg->Validate(bytes.data(), bytes.size());
  REQUIRE(decoded.ok());
  CHECK(agg->count() == 0);  // Validate alone adds nothing
  REQUIRE(agg->Accept(*decoded).ok());
  CHECK(agg->count() == 1);
  auto replay = agg->Accept(*decoded);
  CHECK(replay.code() == StatusCode::kInvalidArgument);
  CHECK(replay.message().find("replay") != std::string::npos);
  DecodedUpdate foreign = *decoded;
  foreign.header.nonce = Nonce(8);
  foreign.values.resize(10);  // not this round's window
  CHECK(agg->Accept(foreign).code() == StatusCode::kInvalidArgument);
  CHECK(agg->count() == 1);
}

#include <catch2/catch.hpp>

#include "federated_fixtures.hpp"
#include "fixtures.hpp"
#include "zhixuan/federated/accountant.hpp"
#include "zhixuan/federated/federated.hpp"

using namespace zhixuan;
using testing::Nonce;
using testing::Seed;

namespace {

const std::string kRound = R"({"round_id": 3, "base_version": "checkerboard-1", "clip": 0.5, "noise_multiplier": 1.0})";

}  // namespace

TEST_CASE("a charged update is the update plus one round on the ledger, in one call", "[federated]") {
  const Model model = testing::CheckerboardModel(40, 16);
  const std::vector<int32_t> hist = {0, 2, 4, 6};
  const FoldInInput input{hist.data(), nullptr, 4};
  const std::string ledger = PrivacyLedger(8.0).ToJson();

  auto charged = ComputeChargedUpdate(model, input, kRound, 0.5, ledger, Nonce(2), Seed(3));
  REQUIRE(charged.ok());
  REQUIRE(charged->affordable);
  // The same payload as the update alone, and the same ledger as a separate charge at q = 0.5.
  RoundConfig config = ParseRoundConfigJson(kRound).value();
  REQUIRE(charged->update.payload == ComputeClientUpdate(model, input, config, Nonce(2), Seed(3)).value().payload);
  PrivacyLedger expected(8.0);
  config.sampling_rate = 0.5;
  REQUIRE(expected.Charge(config.accountant()).ok());
  REQUIRE(charged->ledger_json == expected.ToJson());
  REQUIRE(charged->epsilon_after == Approx(expected.EpsilonSpent(config.delta)));

  SECTION("beyond the budget: no update and the ledger as it was") {
    const std::string tight = PrivacyLedger(charged->epsilon_after * 0.5).ToJson();
    auto refused = ComputeChargedUpdate(model, input, kRound, 0.5, tight, Nonce(2), Seed(3));
    REQUIRE(refused.ok());
    REQUIRE_FALSE(refused->affordable);
    REQUIRE(refused->update.payload.empty());
    REQUIRE(refused->ledger_json.empty());
    REQUIRE(refused->epsilon_after == Approx(charged->epsilon_after));
  }
  SECTION("bad input is named and charges nothing") {
    REQUIRE(ComputeChargedUpdate(model, input, "{}", 1, ledger, Nonce(2), Seed(3)).status().code() == StatusCode::kInvalidArgument);
    REQUIRE(ComputeChargedUpdate(model, input, kRound, 1.5, ledger, Nonce(2), Seed(3)).status().code() == StatusCode::kInvalidArgument);
    REQUIRE_FALSE(ComputeChargedUpdate(model, input, kRound, 1, "not a ledger", Nonce(2), Seed(3)).ok());
    const FoldInInput empty{nullptr, nullptr, 0};
    REQUIRE(ComputeChargedUpdate(model, empty, kRound, 1, ledger, Nonce(2), Seed(3)).status().code() == StatusCode::kInvalidArgument);
  }
}

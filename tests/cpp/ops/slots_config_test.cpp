#include <catch2/catch.hpp>

#include "slots_fixtures.hpp"
#include "zhixuan/ops/experiments.hpp"
#include "zhixuan/ops/slots_config.hpp"

using namespace zhixuan;

TEST_CASE("the bandits member of an experiments file declares slots, arms and priors", "[ops][slots]") {
  const std::string file = test::SlotsFile();
  REQUIRE(ParseExperiments(file).ok());  // the experiments parser accepts the member
  auto config = ParseSlotsConfig(file);
  REQUIRE(config.ok());
  REQUIRE(config->slots.size() == 3);
  const SlotSpec* banner = config->find("banner");
  REQUIRE(banner);
  CHECK(banner->model == BanditModel::kBeta);
  CHECK(banner->arms.size() == 3);
  CHECK(banner->arms[2].item == "py-101");
  CHECK(banner->Examination(0) == 1.0);
  CHECK(banner->Examination(7) == 0.5);  // beyond the list: its last entry
  const SlotSpec* shelf = config->find("shelf");
  CHECK(shelf->reward == RewardKind::kRevenue);  // a lognormal slot learns amounts by default
  CHECK(config->find("nope") == nullptr);
  CHECK(ParseSlotsConfig(R"({"version": "x"})")->slots.empty());
}

TEST_CASE("a slot config with an unknown strategy or a bad value is a named error", "[ops][slots]") {
  SECTION("unknown strategy") {
    std::string file = test::SlotsFile();
    file.replace(file.find("\"popular\"}"), 9, "\"trending\"");
    auto config = ParseSlotsConfig(file);
    REQUIRE(!config.ok());
    CHECK(config.status().code() == StatusCode::kUnknownStrategy);
    CHECK(config.status().message().find("trending") != std::string::npos);
  }
  SECTION("ranges, keys, models") {
    for (const std::string fields : {R"("model": "beta", "reward": "revenue")", R"("exploration": 0.9)", R"("bogus": 1)",
                                     R"("examination": [0])", R"("model": "ucb")", R"("split_by": ["weather"])",
                                     R"("model": "linear", "split_by": ["channel"])", R"("delay_window_seconds": 1)"}) {
      auto config = ParseSlotsConfig(R"({"bandits": {"slots": [{"slot": "s", )" + fields +
                                     R"(, "arms": [{"id": "a", "item": "x"}, {"id": "b", "item": "y"}]}]}})");
      INFO(fields);
      REQUIRE(!config.ok());
      CHECK(config.status().code() == StatusCode::kMalformedExperiments);
    }
    auto one_arm = ParseSlotsConfig(R"({"bandits": {"slots": [{"slot": "s", "arms": [{"id": "a", "strategy": "new"}]}]}})");
    CHECK(one_arm.status().code() == StatusCode::kMalformedExperiments);
    auto dup = ParseSlotsConfig(R"({"bandits": {"slots": [{"slot": "s", "arms": [{"id": "a", "item": "x"}, {"id": "a", "item": "y"}]}]}})");
    CHECK(dup.status().code() == StatusCode::kMalformedExperiments);
    auto bad_prior = ParseSlotsConfig(R"({"bandits": {"slots": [{"slot": "s", "prior": {"alpha": -1}, "arms": [{"id": "a", "item": "x"}, {"id": "b", "item": "y"}]}]}})");
    CHECK(bad_prior.status().code() == StatusCode::kMalformedExperiments);
  }
}

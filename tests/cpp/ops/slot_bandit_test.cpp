#include <cmath>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "slots_fixtures.hpp"
#include "zhixuan/ops/slot_bandit.hpp"
#include "zhixuan/ops/slot_priors.hpp"

using namespace zhixuan;

namespace {

constexpr double kT0 = 1764633600;

SlotContext On(const std::string& channel, int position = 0) {
  SlotContext c;
  c.channel = channel;
  c.position = position;
  return c;
}

// The banner's arm probabilities for a channel, read from a fresh choice.
std::vector<double> Policy(SlotBandit& b, const std::string& channel, double t) {
  auto choice = b.Choose("banner", On(channel), t);
  REQUIRE(choice.ok());
  return choice->probabilities;
}

nlohmann::json Stats(const SlotBandit& b) { return nlohmann::json::parse(b.StatsJson()); }

}  // namespace

TEST_CASE("Thompson sampling learns a different best arm per channel from clicks", "[ops][slots][bandit]") {
  SlotBandit b(7);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  SlotRandom world(99);
  // web: personal clicks 30%, the rest 5%; app: popular 30%.
  double t = kT0;
  for (int i = 0; i < 4000; ++i, t += 1) {
    const std::string channel = i % 2 ? "web" : "app";
    auto choice = b.Choose("banner", On(channel), t);
    REQUIRE(choice.ok());
    const bool best = (channel == "web" && choice->arm_id == "personal") || (channel == "app" && choice->arm_id == "popular");
    if (world.Uniform() < (best ? 0.3 : 0.05)) REQUIRE(b.Reward(choice->render_id, OpsEventType::kClick, 0, t).ok());
  }
  REQUIRE(b.Advance(t + 601).ok());
  const auto web = Policy(b, "web", t + 602), app = Policy(b, "app", t + 603);
  CHECK(web[0] > 0.85);  // (1 - 0.1) * ~1 + 0.1 / 3
  CHECK(app[1] > 0.85);
  CHECK(web[1] < 0.1);
  const auto stats = Stats(b);
  const auto& personal = stats["slots"][0]["arms"][0];
  REQUIRE(personal["cells"].size() == 2);
  for (const auto& cell : personal["cells"]) {
    if (cell["cell"] == "web") CHECK(cell["mean"].get<double>() == Approx(0.3).margin(0.05));
  }
}

TEST_CASE("every choice logs its exact action probability, floored by the exploration share", "[ops][slots][bandit]") {
  SlotBandit b(3);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  // Teach the web cell that personal is good, then freeze (no more rewards) and count choices.
  double t = kT0;
  for (int i = 0; i < 60; ++i, t += 1) {
    auto c = b.Choose("banner", On("web"), t);
    REQUIRE(c.ok());
    if (c->arm_id == "personal") REQUIRE(b.Reward(c->render_id, OpsEventType::kClick, 0, t).ok());
  }
  std::vector<double> chosen(3, 0), expected(3, 0);
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    auto c = b.Choose("banner", On("web"), t);  // the same time: no window closes, the posterior is fixed
    REQUIRE(c.ok());
    double sum = 0;
    for (double p : c->probabilities) {
      CHECK(p >= 0.1 / 3 - 1e-12);
      sum += p;
    }
    CHECK(sum == Approx(1.0));
    CHECK(c->propensity == c->probabilities[c->arm]);
    chosen[c->arm] += 1;
    for (int a = 0; a < 3; ++a) expected[a] += c->probabilities[a];
  }
  for (int a = 0; a < 3; ++a) CHECK(chosen[a] == Approx(expected[a]).margin(4 * std::sqrt(expected[a]) + 5));
}

TEST_CASE("rewards wait for their window: a click applies, silence counts as a failure when it closes", "[ops][slots][bandit]") {
  SlotBandit b(5);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  auto clicked = b.Choose("banner", On("web"), kT0);
  auto silent = b.Choose("banner", On("web"), kT0 + 1);
  REQUIRE(clicked.ok());
  REQUIRE(silent.ok());
  CHECK(b.pending() == 2);
  auto outcome = b.Reward(clicked->render_id, OpsEventType::kClick, 0, kT0 + 100);
  REQUIRE(outcome.ok());
  CHECK(*outcome == RewardOutcome::kApplied);
  CHECK(b.Reward(clicked->render_id, OpsEventType::kClick, 0, kT0 + 101).value() == RewardOutcome::kDuplicate);
  CHECK(b.Reward(silent->render_id, OpsEventType::kPurchase, 10, kT0 + 102).value() == RewardOutcome::kIgnored);  // a click slot
  CHECK(b.pending() == 1);
  REQUIRE(b.Advance(kT0 + 601).ok());  // the silent render's window (600 s) has closed
  CHECK(b.pending() == 0);
  CHECK(b.Reward(silent->render_id, OpsEventType::kClick, 0, kT0 + 700).value() == RewardOutcome::kLate);
  double n = 0, sum = 0;
  const auto stats = Stats(b);  // kept: a range-for over a temporary's member would dangle
  for (const auto& arm : stats["slots"][0]["arms"])
    for (const auto& cell : arm["cells"]) n += cell["n"].get<double>(), sum += cell["sum"].get<double>();
  CHECK(n == 2);   // position 0 is always examined: the failure weighs 1
  CHECK(sum == 1);
}

TEST_CASE("bad rewards and clock jumps are named errors or clamped, never a corrupted posterior", "[ops][slots][bandit]") {
  SlotBandit b(5);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  auto shelf = b.Choose("shelf", SlotContext{}, kT0);
  REQUIRE(shelf.ok());
  const std::string before = b.StatsJson();
  CHECK(b.Reward(shelf->render_id, OpsEventType::kPurchase, std::nan(""), kT0 + 1).status().code() == StatusCode::kInvalidArgument);
  CHECK(b.Reward(shelf->render_id, OpsEventType::kPurchase, -5, kT0 + 1).status().code() == StatusCode::kInvalidArgument);
  CHECK(b.Reward(shelf->render_id, OpsEventType::kPurchase, INFINITY, kT0 + 1).status().code() == StatusCode::kInvalidArgument);
  CHECK(b.Reward(shelf->render_id, OpsEventType::kPurchase, 5, std::nan("")).status().code() == StatusCode::kInvalidArgument);
  CHECK(b.Reward(12345, OpsEventType::kPurchase, 5, kT0 + 1).status().code() == StatusCode::kUnknownRender);
  CHECK(b.Choose("nope", SlotContext{}, kT0).status().code() == StatusCode::kUnknownSlot);
  SlotContext bad;
  bad.hour = 24;
  CHECK(b.Choose("rail", bad, kT0).status().code() == StatusCode::kInvalidArgument);
  bad.hour = 3;
  bad.arm_scores = {1.0};  // the rail has two arms
  CHECK(b.Choose("rail", bad, kT0).status().code() == StatusCode::kInvalidArgument);
  CHECK(b.StatsJson() == before);

  // The clock goes back a day: clamped, the render stays pending, the purchase still adds.
  CHECK(b.Reward(shelf->render_id, OpsEventType::kPurchase, 30, kT0 - 86400).value() == RewardOutcome::kAdded);
  CHECK(b.clock() == kT0);
  CHECK(b.pending() == 1);
  // Revenue above max_reward (1e6 by default) is clamped; the window closes with the sum.
  CHECK(b.Reward(shelf->render_id, OpsEventType::kPurchase, 20, kT0 + 10).value() == RewardOutcome::kAdded);
  REQUIRE(b.Advance(kT0 + 10 * 86400).ok());  // a jump forward closes the window
  const auto cells = Stats(b)["slots"][2]["arms"][shelf->arm]["cells"];  // a copy
  REQUIRE(cells.size() == 1);
  CHECK(cells[0]["n"] == 1);
  CHECK(cells[0]["sum"].get<double>() == Approx(std::log1p(50.0)));  // lognormal: log(1 + amount)
}

TEST_CASE("the position-based click model learns attractiveness, not position", "[ops][slots][bandit]") {
  // An arm shown only at position 1 (examined half the time) with attractiveness 0.4 clicks at 0.2;
  // its posterior mean should approach 0.4, not 0.2.
  SlotBandit b(11);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  SlotRandom world(1);
  double t = kT0;
  for (int i = 0; i < 6000; ++i, t += 1) {
    auto c = b.Choose("banner", On("web", 1), t);
    REQUIRE(c.ok());
    if (world.Uniform() < 0.5 * (c->arm_id == "promo" ? 0.4 : 0.1)) REQUIRE(b.Reward(c->render_id, OpsEventType::kClick, 0, t).ok());
  }
  REQUIRE(b.Advance(t + 601).ok());
  const auto arms = Stats(b)["slots"][0]["arms"];
  CHECK(arms[2]["cells"][0]["mean"].get<double>() == Approx(0.4).margin(0.05));
  CHECK(arms[0]["cells"][0]["mean"].get<double>() == Approx(0.1).margin(0.05));
}

TEST_CASE("the linear model learns which arm suits which channel", "[ops][slots][bandit]") {
  SlotBandit b(13);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  SlotRandom world(2);
  double t = kT0;
  for (int i = 0; i < 3000; ++i, t += 1) {
    SlotContext c = On(i % 2 ? "web" : "app");
    c.hour = i % 24;
    c.device = "mobile";
    auto choice = b.Choose("rail", c, t);
    REQUIRE(choice.ok());
    const bool best = (c.channel == "web") == (choice->arm_id == "new");
    if (world.Uniform() < (best ? 0.4 : 0.1)) REQUIRE(b.Reward(choice->render_id, OpsEventType::kClick, 0, t).ok());
  }
  SlotContext web = On("web"), app = On("app");
  web.device = app.device = "mobile";
  REQUIRE(b.Advance(t + 601).ok());
  auto on_web = b.Choose("rail", web, t + 602), on_app = b.Choose("rail", app, t + 602);
  REQUIRE(on_web.ok());
  REQUIRE(on_app.ok());
  CHECK(on_web->probabilities[0] > 0.8);
  CHECK(on_app->probabilities[1] > 0.8);
}

TEST_CASE("a new config keeps what each surviving arm learned", "[ops][slots][bandit]") {
  SlotBandit b(17);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  for (int i = 0; i < 20; ++i) {
    auto c = b.Choose("banner", On("web"), kT0 + i);
    REQUIRE(c.ok());
    REQUIRE(b.Reward(c->render_id, OpsEventType::kClick, 0, kT0 + i).ok());
  }
  const auto before = Stats(b)["slots"][0]["arms"];
  REQUIRE(b.Configure(test::SlotsFile(R"("max_reward": 5,)")).ok());
  CHECK(Stats(b)["slots"][0]["arms"] == before);
  CHECK(b.Configure(R"({"bandits": {"slots": 3}})").code() == StatusCode::kMalformedExperiments);
  CHECK(Stats(b)["slots"][0]["arms"] == before);  // a bad file changes nothing
}

TEST_CASE("the server folds summed device statistics into the next file's priors", "[ops][slots][priors]") {
  SlotBandit day1(21);
  REQUIRE(day1.Configure(test::SlotsFile()).ok());
  for (int i = 0; i < 200; ++i) {
    auto c = day1.Choose("banner", On(i % 2 ? "web" : "app"), kT0 + i);
    REQUIRE(c.ok());
    if (c->arm_id == "personal" && i % 2) REQUIRE(day1.Reward(c->render_id, OpsEventType::kClick, 0, kT0 + i).ok());
    auto s = day1.Choose("shelf", SlotContext{}, kT0 + i);
    REQUIRE(s.ok());
    if (s->arm_id == "b") REQUIRE(day1.Reward(s->render_id, OpsEventType::kPurchase, 99, kT0 + i).ok());
  }
  REQUIRE(day1.Advance(kT0 + 86400).ok());
  auto folded = FoldSlotStats(test::SlotsFile(), day1.StatsJson());
  REQUIRE(folded.ok());
  SlotBandit day2(22);
  REQUIRE(day2.Configure(*folded).ok());
  // Day 2 starts with no statistics of its own, and its priors hold day 1's posteriors.
  const auto before = Stats(day1)["slots"], after = Stats(day2)["slots"];
  for (int slot : {0, 2}) {
    for (size_t a = 0; a < before[slot]["arms"].size(); ++a) {
      for (const auto& cell : before[slot]["arms"][a]["cells"]) {
        auto c = nlohmann::json::parse(*folded)["bandits"]["slots"][slot]["arms"][a]["cell_priors"][cell["cell"].get<std::string>()];
        REQUIRE(!c.is_null());
        if (slot == 0) CHECK(c["alpha"].get<double>() / (c["alpha"].get<double>() + c["beta"].get<double>()) == Approx(cell["mean"].get<double>()));
        else CHECK(c["mean"].get<double>() == Approx(nlohmann::json(cell)["sum"].get<double>() / (1 + cell["n"].get<double>())));
      }
    }
  }
  CHECK(after[0]["arms"][0]["cells"][0]["n"] == 0);
  auto web = day2.Choose("banner", On("web"), kT0 + 86400);
  REQUIRE(web.ok());
  CHECK(web->probabilities[0] > 0.8);  // day 1's lesson, from the prior alone
  CHECK(FoldSlotStats(test::SlotsFile(), R"({"slots": [{"slot": "nope", "arms": []}]})").status().code() == StatusCode::kUnknownSlot);
  CHECK(FoldSlotStats(test::SlotsFile(), R"({"slots": [{"slot": "banner", "arms": [{"id": "personal", "cells": [{"cell": "web", "n": 1, "sum": -1}]}]}]})")
            .status().code() == StatusCode::kMalformedData);
}

namespace {

// A revenue slot on the funnel model: a cheap course clicked often, an expensive one clicked less.
std::string FunnelFile() {
  return R"({"version": "f1", "bandits": {"channels": ["web", "app"], "slots": [
    {"slot": "rail", "model": "funnel", "delay_window_seconds": 600, "exploration": 0.05, "samples": 300,
     "split_by": ["channel"], "examination": [1, 0.5], "prior": {"alpha": 1, "beta": 1, "mean": 0, "kappa": 1, "shape": 1, "scale": 100},
     "arms": [{"id": "cheap", "strategy": "new"}, {"id": "dear", "strategy": "long_tail"}]}]}})";
}

}  // namespace

TEST_CASE("the funnel model ranks by clicks times revenue per click, not by clicks", "[ops][slots][bandit]") {
  // cheap: 15% click, 10% of clicks buy at 49 (0.74 a render); dear: 7% click, 10% buy at 199 (1.39).
  SlotBandit b(31);
  REQUIRE(b.Configure(FunnelFile()).ok());
  SlotRandom world(5);
  double t = kT0;
  for (int i = 0; i < 6000; ++i, t += 1) {
    auto c = b.Choose("rail", On("app", i % 2), t);
    REQUIRE(c.ok());
    const bool dear = c->arm_id == "dear";
    if (world.Uniform() < (i % 2 ? 0.5 : 1) * (dear ? 0.07 : 0.15)) {
      REQUIRE(b.Reward(c->render_id, OpsEventType::kClick, 0, t).value() == RewardOutcome::kAdded);
      if (world.Uniform() < 0.1) REQUIRE(b.Reward(c->render_id, OpsEventType::kPurchase, dear ? 199 : 49, t).value() == RewardOutcome::kAdded);
    }
  }
  REQUIRE(b.Advance(t + 601).ok());
  const auto arms = Stats(b)["slots"][0]["arms"];
  // The click rate is learned on attractiveness (position-weighted), the value per click per arm.
  CHECK(arms[0]["cells"][0]["sum"].get<double>() / arms[0]["cells"][0]["n"].get<double>() == Approx(0.15).margin(0.03));
  CHECK(arms[1]["value"]["mean"].get<double>() == Approx(19.9).margin(10));  // 10% of clicks buy at 199
  CHECK(arms[1]["value"]["purchases"].get<double>() / arms[1]["value"]["clicks"].get<double>() == Approx(0.1).margin(0.05));
  CHECK(arms[1]["cells"][0]["mean"].get<double>() > arms[0]["cells"][0]["mean"].get<double>());
  auto next = b.Choose("rail", On("app"), t + 602);
  REQUIRE(next.ok());
  CHECK(next->probabilities[1] > 0.8);
  // A purchase without its click counts the click; a late click is late, not ignored.
  auto c = b.Choose("rail", On("web"), t + 700);
  REQUIRE(c.ok());
  REQUIRE(b.Reward(c->render_id, OpsEventType::kPurchase, 49, t + 700).value() == RewardOutcome::kAdded);
  REQUIRE(b.Reward(c->render_id, OpsEventType::kCart, 0, t + 700).value() == RewardOutcome::kIgnored);
  REQUIRE(b.Advance(t + 1400).ok());
  const auto cell = Stats(b)["slots"][0]["arms"][c->arm]["cells"];
  bool found = false;
  for (const auto& x : cell) {
    if (x["cell"] != "web") continue;
    found = true;
    CHECK(x["sum"] == 1);
  }
  CHECK(found);
  CHECK(b.Reward(c->render_id, OpsEventType::kClick, 0, t + 1500).value() == RewardOutcome::kLate);
}

TEST_CASE("the server folds a funnel's clicks per cell and its revenue per click per arm", "[ops][slots][priors]") {
  const std::string stats = R"({"slots": [{"slot": "rail", "arms": [
    {"id": "dear", "cells": [{"cell": "app", "n": 100, "sum": 7, "sumSq": 7}], "value": {"clicks": 7, "purchases": 2, "sum": 398, "sumSq": 79202}}]}]})";
  auto folded = FoldSlotStats(FunnelFile(), stats);
  REQUIRE(folded.ok());
  const auto arm = nlohmann::json::parse(*folded)["bandits"]["slots"][0]["arms"][1];
  CHECK(arm["cell_priors"]["app"] == nlohmann::json({{"alpha", 8.0}, {"beta", 94.0}}));
  CHECK(arm["prior"]["conversion_alpha"].get<double>() == 3);  // 1 + purchases
  CHECK(arm["prior"]["conversion_beta"].get<double>() == 6);   // 1 + clicks that did not buy
  CHECK(arm["prior"]["mean"].get<double>() == Approx(398.0 / 3));  // (kappa0 * 0 + sum) / (kappa0 + purchases)
  CHECK(arm["prior"]["kappa"].get<double>() == 3);
  CHECK(arm["prior"]["alpha"].get<double>() == 1);
  SlotBandit b(1);
  REQUIRE(b.Configure(*folded).ok());  // the folded file is a valid file
  CHECK(FoldSlotStats(FunnelFile(), R"({"slots": [{"slot": "rail", "arms": [{"id": "dear", "cells": [], "value": {"n": 1, "sum": "x"}}]}]})")
            .status().code() == StatusCode::kMalformedData);
  // A funnel cell prior holds the click rate only.
  CHECK(b.Configure(R"({"bandits": {"slots": [{"slot": "r", "model": "funnel", "arms": [{"id": "a", "item": "x", "cell_priors": {"web": {"mean": 3}}}, {"id": "b", "item": "y"}]}]}})")
            .code() == StatusCode::kMalformedExperiments);
  CHECK(b.Configure(R"({"bandits": {"slots": [{"slot": "r", "model": "funnel", "reward": "click", "arms": [{"id": "a", "item": "x"}, {"id": "b", "item": "y"}]}]}})")
            .code() == StatusCode::kMalformedExperiments);
}

TEST_CASE("the bandit's state round-trips, and a damaged state changes nothing", "[ops][slots][state]") {
  SlotBandit b(41);
  REQUIRE(b.Configure(test::SlotsFile()).ok());
  for (int i = 0; i < 50; ++i) {
    auto c = b.Choose("banner", On(i % 2 ? "web" : "app", i % 2), kT0 + i);
    REQUIRE(c.ok());
    if (i % 3 == 0) REQUIRE(b.Reward(c->render_id, OpsEventType::kClick, 0, kT0 + i).ok());
    SlotContext x = On("web");
    x.hour = i % 24;
    REQUIRE(b.Choose("rail", x, kT0 + i).ok());
  }
  auto waiting = b.Choose("shelf", SlotContext{}, kT0 + 100);
  REQUIRE(waiting.ok());
  REQUIRE(b.Advance(kT0 + 650).ok());  // the early renders close; the shelf's stays pending

  SlotBandit copy(42);
  REQUIRE(copy.Configure(test::SlotsFile()).ok());
  REQUIRE(copy.RestoreState(b.StateJson()).ok());
  CHECK(copy.StatsJson() == b.StatsJson());
  CHECK(copy.pending() == b.pending());
  CHECK(copy.clock() == b.clock());
  CHECK(copy.Reward(waiting->render_id, OpsEventType::kPurchase, 30, kT0 + 660).value() == RewardOutcome::kAdded);

  const std::string before = copy.StatsJson();
  auto state = nlohmann::json::parse(b.StateJson());
  auto negative = state, short_matrix = state, bad_pending = state;
  negative["slots"][0]["arms"][0]["cells"]["web"] = {-1, 0, 0};
  short_matrix["slots"][1]["arms"][0]["xtx"] = {1, 2, 3};
  bad_pending["pending"][0]["t"] = -5;
  for (const std::string& text : {std::string("{}"), std::string("[1]"), std::string(R"({"format": 5})"), negative.dump(),
                                  short_matrix.dump(), bad_pending.dump()}) {
    CHECK(copy.RestoreState(text).code() == StatusCode::kMalformedPayload);
    CHECK(copy.StatsJson() == before);
  }
}

TEST_CASE("a funnel's arms borrow the slot's conversion with conversion_pooling", "[ops][slots][bandit]") {
  const auto file = [](const std::string& pooling) {
    return R"({"bandits": {"slots": [{"slot": "rail", "model": "funnel", "delay_window_seconds": 600, )" + pooling +
           R"( "prior": {"mean": 100, "kappa": 1, "shape": 1, "scale": 100},
           "arms": [{"id": "seen", "strategy": "new"}, {"id": "unseen", "strategy": "long_tail"}]}]}})";
  };
  const auto unseen_value = [&](const std::string& pooling) {
    SlotBandit b(3);
    REQUIRE(b.Configure(file(pooling)).ok());
    // "seen" gets 200 clicks, 20 of which buy at 100; "unseen" gets none.
    int clicks = 0;
    for (double t = kT0; clicks < 200; t += 1) {
      auto c = b.Choose("rail", SlotContext{}, t);
      REQUIRE(c.ok());
      if (c->arm_id != "seen") continue;
      REQUIRE(b.Reward(c->render_id, OpsEventType::kClick, 0, t).ok());
      if (clicks++ % 10 == 0) REQUIRE(b.Reward(c->render_id, OpsEventType::kPurchase, 100, t).ok());
    }
    REQUIRE(b.Advance(kT0 + 1e6).ok());
    return Stats(b)["slots"][0]["arms"][1]["value"]["mean"].get<double>();
  };
  // Alone, "unseen" keeps its Beta(1, 1) conversion: worth 50 a click. Pooled with m = 100 clicks
  // at the slot's (1 + 20 + 1) / (2 + 200 + 2) = 0.108: (1 + 10.8) / (2 + 100) = 0.116 -> 11.6.
  CHECK(unseen_value("") == Approx(50).margin(0.5));
  CHECK(unseen_value(R"("conversion_pooling": 100,)") == Approx(100 * (1 + 100 * 22.0 / 204) / 102).margin(0.5));
  SlotBandit b(1);
  CHECK(b.Configure(R"({"bandits": {"slots": [{"slot": "r", "conversion_pooling": 5, "arms": [{"id": "a", "item": "x"}, {"id": "b", "item": "y"}]}]}})")
            .code() == StatusCode::kMalformedExperiments);
}

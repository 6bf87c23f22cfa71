#include <cmath>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "ops_fixtures.hpp"
#include "zhixuan/ops/bucket.hpp"
#include "zhixuan/ops/experiments.hpp"

using namespace zhixuan;

namespace {

UserContext User(int i) {
  UserContext u;
  u.stable_id = "user-" + std::to_string(i);
  u.channel = "web";
  u.now_s = 1764633600;  // 2025-12-02
  return u;
}

StatusCode CodeOf(const std::string& json) {
  auto set = ParseExperiments(json);
  return set.ok() ? StatusCode::kOk : set.status().code();
}

std::string OneExperiment(const std::string& variant_params, const std::string& extra = "") {
  return R"({"version": "x", "model_versions": ["v1"], "experiments": [{"id": "e", "salt": "s")" + extra +
         R"(, "variants": [{"id": "a", "params": {}}, {"id": "b", "params": )" + variant_params + "}]}]}";
}

}  // namespace

TEST_CASE("a valid experiments file parses with its layers, variants and boundaries", "[ops][experiments]") {
  auto set = ParseExperiments(test::DiversityExperiments());
  REQUIRE(set.ok());
  CHECK(set->version == "t1");
  REQUIRE(set->experiments.size() == 1);
  const Experiment& e = set->experiments[0];
  CHECK(e.layer == "ranking");
  CHECK(e.variants[0].control);
  CHECK(e.variants[0].bucket_end == 5000);
  CHECK(e.variants[1].bucket_begin == 5000);
  CHECK(e.variants[1].params.diversity.value() == Approx(0.3));
}

TEST_CASE("assignment splits 10^6 ids within 1% of each variant's share", "[ops][experiments]") {
  auto set = ParseExperiments(test::DiversityExperiments(30, 70));
  REQUIRE(set.ok());
  std::map<std::string, int> counts;
  const int n = 1000000;
  for (int i = 0; i < n; ++i) counts[AssignExperiment(*set, "div", User(i)).variant]++;
  CHECK(std::abs(counts["control"] - 0.7 * n) < 0.01 * 0.7 * n);
  CHECK(std::abs(counts["div03"] - 0.3 * n) < 0.01 * 0.3 * n);
}

TEST_CASE("the same id gets the same variant on every load of the file", "[ops][experiments]") {
  auto first = ParseExperiments(test::DiversityExperiments());
  auto second = ParseExperiments(test::DiversityExperiments());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  for (int i = 0; i < 10000; ++i) CHECK(AssignExperiment(*first, "div", User(i)).variant == AssignExperiment(*second, "div", User(i)).variant);
}

TEST_CASE("ramping keeps the users already in where they were", "[ops][experiments]") {
  SECTION("the experiment's allocation from 10% to 20% of its layer") {
    auto ten = ParseExperiments(test::DiversityExperiments(50, 50, 10));
    auto twenty = ParseExperiments(test::DiversityExperiments(50, 50, 20));
    REQUIRE(ten.ok());
    REQUIRE(twenty.ok());
    int in_ten = 0, in_twenty = 0;
    for (int i = 0; i < 100000; ++i) {
      const Assignment a = AssignExperiment(*ten, "div", User(i));
      const Assignment b = AssignExperiment(*twenty, "div", User(i));
      in_ten += a.in_experiment;
      in_twenty += b.in_experiment;
      if (a.in_experiment) {
        REQUIRE(b.in_experiment);
        REQUIRE(a.variant == b.variant);
      }
    }
    CHECK(std::abs(in_ten - 10000) < 400);
    CHECK(std::abs(in_twenty - 20000) < 600);
  }
  SECTION("the last variant's weight from 10% to 20%") {
    auto ten = ParseExperiments(test::DiversityExperiments(10, 90));
    auto twenty = ParseExperiments(test::DiversityExperiments(20, 80));
    REQUIRE(ten.ok());
    REQUIRE(twenty.ok());
    for (int i = 0; i < 100000; ++i)
      if (AssignExperiment(*ten, "div", User(i)).variant == "div03") REQUIRE(AssignExperiment(*twenty, "div", User(i)).variant == "div03");
  }
}

TEST_CASE("layers: exclusive inside, independent across", "[ops][experiments]") {
  const std::string json = R"({"version": "x", "layers": [{"id": "L1", "salt": "s1"}, {"id": "L2", "salt": "s2"}],
    "experiments": [
      {"id": "a", "salt": "sa", "layer": "L1", "allocation": {"start": 0, "percent": 50},
       "variants": [{"id": "c"}, {"id": "t", "params": {"diversity": 0.2}}]},
      {"id": "b", "salt": "sb", "layer": "L1", "allocation": {"start": 50, "percent": 50},
       "variants": [{"id": "c"}, {"id": "t", "params": {"diversity": 0.4}}]},
      {"id": "x", "salt": "sx", "layer": "L2",
       "variants": [{"id": "c"}, {"id": "t", "params": {"exploration": 0.1}}]}]})";
  auto set = ParseExperiments(json);
  REQUIRE(set.ok());
  int a_and_x = 0, a = 0;
  for (int i = 0; i < 100000; ++i) {
    const auto slot = AssignSlot(*set, "any", User(i));
    bool in_a = false, in_b = false, in_x_t = false;
    for (const auto& s : slot) {
      in_a |= s.experiment == "a";
      in_b |= s.experiment == "b";
      in_x_t |= s.experiment == "x" && s.variant == "t";
    }
    REQUIRE(in_a != in_b);  // exactly one of the layer's two experiments
    a += in_a;
    a_and_x += in_a && in_x_t;
  }
  CHECK(std::abs(a_and_x / double(a) - 0.5) < 0.015);  // L2's split is the same inside L1's experiment a
}

TEST_CASE("targeting, time window and holdout decide who is in", "[ops][experiments]") {
  const std::string json = R"({"version": "x", "holdout": {"salt": "h", "percent": 10},
    "experiments": [{"id": "e", "salt": "s", "start": "2025-12-01T00:00:00Z", "stop": "2025-12-03T00:00:00Z",
      "targeting": {"channels": ["web"], "users": "new", "segments": ["考研"]},
      "variants": [{"id": "a"}, {"id": "b"}]}]})";
  auto set = ParseExperiments(json);
  REQUIRE(set.ok());
  int held = 0;
  for (int i = 0; i < 20000; ++i) {
    UserContext u = User(i);
    u.is_new = true;
    u.segment = "考研";
    const Assignment a = AssignExperiment(*set, "e", u);
    if (a.reason == "held-out") {
      ++held;
      continue;
    }
    REQUIRE(a.in_experiment);
    u.channel = "app";
    CHECK(AssignExperiment(*set, "e", u).reason == "not-targeted");
    u.channel = "web";
    u.is_new = false;
    CHECK(AssignExperiment(*set, "e", u).reason == "not-targeted");
    u.is_new = true;
    u.now_s = 1764633600 + 2 * 86400;
    CHECK(AssignExperiment(*set, "e", u).reason == "not-running");
  }
  CHECK(std::abs(held - 2000) < 200);
  CHECK(ParseUtcTimestamp("1970-01-02T00:00:01Z").value() == 86401);
  CHECK(ParseUtcTimestamp("2024-02-29T12:00:00Z").value() == 1709208000);
  CHECK(!ParseUtcTimestamp("2023-02-29T12:00:00Z").ok());
}

TEST_CASE("merged params use recommend() option names", "[ops][experiments]") {
  auto set = ParseExperiments(OneExperiment(R"({"diversity": 0.3, "k": 8, "model_version": "v1", "cold_start": "popular",
                                               "filter": {"tags": ["python"]}, "layout": ["banner", "为你推荐"]})"));
  REQUIRE(set.ok());
  Assignment a;
  a.experiment = "e";
  a.variant = "b";
  a.in_experiment = true;
  a.variant_index = 1;
  CHECK(MergedParamsJson(*set, {a}) ==
        R"({"coldStart":"popular","diversity":0.3,"filter":{"tags":["python"]},"k":8,"layout":["banner","为你推荐"],"modelVersion":"v1"})");
}

TEST_CASE("bad experiments files get named errors", "[ops][experiments]") {
  CHECK(CodeOf("{not json") == StatusCode::kMalformedExperiments);
  CHECK(CodeOf("[]") == StatusCode::kMalformedExperiments);
  CHECK(CodeOf(R"({"experiments": []})") == StatusCode::kMalformedExperiments);  // no version
  CHECK(CodeOf(std::string(5 << 20, ' ')) == StatusCode::kTooLarge);
  CHECK(CodeOf(std::string(100, '[') + std::string(100, ']')) == StatusCode::kMalformedExperiments);
  CHECK(CodeOf(OneExperiment(R"({"diversity": 1.5})")) == StatusCode::kMalformedExperiments);
  CHECK(CodeOf(OneExperiment(R"({"temperature": 1})")) == StatusCode::kUnknownParameter);
  CHECK(CodeOf(OneExperiment("{}", R"(, "targetting": {})")) == StatusCode::kUnknownParameter);
  CHECK(CodeOf(OneExperiment(R"({"model_version": "v9"})")) == StatusCode::kUnknownModelVersion);
  CHECK(CodeOf(OneExperiment("{}", R"(, "start": "2025-12-03T00:00:00Z", "stop": "2025-12-01T00:00:00Z")")) ==
        StatusCode::kMalformedExperiments);
  SECTION("overlapping allocations in one layer") {
    const std::string json = R"({"version": "x", "layers": [{"id": "L", "salt": "l"}], "experiments": [
      {"id": "a", "salt": "sa", "layer": "L", "allocation": {"start": 0, "percent": 30}, "variants": [{"id": "c"}, {"id": "t"}]},
      {"id": "b", "salt": "sb", "layer": "L", "allocation": {"start": 20, "percent": 30}, "variants": [{"id": "c"}, {"id": "t"}]}]})";
    auto set = ParseExperiments(json);
    REQUIRE(!set.ok());
    CHECK(set.status().code() == StatusCode::kOverlappingAllocation);
    CHECK(set.status().message().find("'a'") != std::string::npos);
  }
  SECTION("one parameter set in two layers") {
    const std::string json = R"({"version": "x", "experiments": [
      {"id": "a", "salt": "sa", "variants": [{"id": "c"}, {"id": "t", "params": {"k": 5}}]},
      {"id": "b", "salt": "sb", "variants": [{"id": "c"}, {"id": "t", "params": {"k": 6}}]}]})";
    CHECK(CodeOf(json) == StatusCode::kOverlappingAllocation);
  }
  SECTION("a reused salt, a duplicate id, two controls") {
    CHECK(CodeOf(R"({"version": "x", "experiments": [{"id": "a", "salt": "s", "variants": [{"id": "c"}, {"id": "t"}]},
                                                   {"id": "b", "salt": "s", "variants": [{"id": "c"}, {"id": "t"}]}]})") ==
          StatusCode::kMalformedExperiments);
    CHECK(CodeOf(R"({"version": "x", "experiments": [{"id": "a", "salt": "s", "variants": [{"id": "c"}, {"id": "c"}]}]})") ==
          StatusCode::kMalformedExperiments);
    CHECK(CodeOf(R"({"version": "x", "experiments": [{"id": "a", "salt": "s",
                   "variants": [{"id": "c", "control": true}, {"id": "t", "control": true}]}]})") == StatusCode::kMalformedExperiments);
  }
}

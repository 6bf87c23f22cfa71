#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "zhixuan/ops/off_policy.hpp"
#include "zhixuan/ops/slot_random.hpp"

using namespace zhixuan;

namespace {

// Two slots, contexts web/app, arms a/b/c logged uniformly; click rates differ by context.
double Rate(const std::string& context, const std::string& action) {
  if (action == "a") return context == "web" ? 0.30 : 0.05;
  if (action == "b") return context == "web" ? 0.05 : 0.25;
  return 0.10;
}

std::string UniformLogs(int n, uint64_t seed) {
  SlotRandom rng(seed);
  std::string csv = "slot,context,action,reward,propensity\n";
  const char* actions[] = {"a", "b", "c"};
  for (int i = 0; i < n; ++i) {
    const std::string context = i % 2 ? "web" : "app", action = actions[static_cast<int>(rng.Uniform() * 3)];
    const std::string slot = i % 3 ? "banner" : "rail";
    csv += slot + "," + context + "," + action + "," + (rng.Uniform() < Rate(context, action) ? "1" : "0") + ",0.3333333333\n";
  }
  return csv;
}

// The target: a on web, b on app (90%), else c.
const char* kPolicy = R"({"slots": {"*": {"default": {"a": 0.34, "b": 0.33, "c": 0.33},
  "contexts": {"web": {"a": 0.9, "c": 0.1}, "app": {"b": 0.9, "c": 0.1}}}}})";
constexpr double kTrue = 0.5 * (0.9 * 0.30 + 0.1 * 0.10) + 0.5 * (0.9 * 0.25 + 0.1 * 0.10);

}  // namespace

TEST_CASE("off-policy estimates from uniform logs land on the target policy's true value", "[ops][ope]") {
  auto logs = ParseLoggedRenders(UniformLogs(20000, 4));
  REQUIRE(logs.ok());
  auto policy = TargetPolicy::FromJson(kPolicy);
  REQUIRE(policy.ok());
  auto results = EvaluateOffPolicy(*logs, *policy, {200, 9, 0.95});
  REQUIRE(results.ok());
  REQUIRE(results->size() == 3);  // banner, rail, overall
  const OpeResult& all = results->back();
  CHECK(all.slot == "*");
  CHECK(all.renders == 20000);
  CHECK(all.logged == Approx((0.45 + 0.40) / 6).margin(0.01));  // the uniform logger's own value
  for (const OpeEstimate* e : {&all.ipw, &all.snipw, &all.dr, &all.replay}) {
    CHECK(e->value == Approx(kTrue).margin(0.02));
    CHECK(e->lo < kTrue);
    CHECK(e->hi > kTrue);
    CHECK(e->hi - e->lo < 0.06);
  }
  CHECK(all.dr.hi - all.dr.lo <= all.ipw.hi - all.ipw.lo + 1e-9);  // the model soaks up variance
  CHECK(all.replay_matches == Approx(20000 / 3.0).margin(300));
  CHECK((*results)[0].slot == "banner");
  CHECK((*results)[0].renders + (*results)[1].renders == 20000);
}

TEST_CASE("malformed logs and policies are named errors", "[ops][ope]") {
  CHECK(ParseLoggedRenders("slot,action,reward\nx,a,1\n").status().code() == StatusCode::kMalformedData);
  CHECK(ParseLoggedRenders("slot,action,reward,propensity\nx,a,1,0\n").status().code() == StatusCode::kMalformedData);
  CHECK(ParseLoggedRenders("slot,action,reward,propensity\nx,a,nan,0.5\n").status().code() == StatusCode::kMalformedData);
  auto bad_line = ParseLoggedRenders("slot,action,reward,propensity\nx,a,1,0.5\nx,a,1,1.5\n");
  REQUIRE(!bad_line.ok());
  CHECK(bad_line.status().message().find("line 3") != std::string::npos);
  CHECK(TargetPolicy::FromJson(R"({"slots": {"x": {"default": {"a": 0.5}}}})").status().code() == StatusCode::kMalformedData);
  CHECK(TargetPolicy::FromJson(R"({"slots": {"x": {"default": {"a": -1, "b": 2}}}})").status().code() == StatusCode::kMalformedData);
  auto logs = ParseLoggedRenders("slot,action,reward,propensity\nx,a,1,0.5\n");
  REQUIRE(logs.ok());
  auto policy = TargetPolicy::FromJson(R"({"slots": {"y": {"default": {"a": 1}}}})");
  REQUIRE(policy.ok());
  CHECK(EvaluateOffPolicy(*logs, *policy, {}).status().code() == StatusCode::kUnknownSlot);
  CHECK(EvaluateOffPolicy({}, *policy, {}).status().code() == StatusCode::kInvalidArgument);
}

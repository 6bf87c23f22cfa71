// zhixuan ope: off-policy evaluation of a candidate slot policy from logged renders (the
// devices' bandit logs, or any logs with action probabilities): replay, IPW, self-normalized
// IPW and doubly robust estimates with bootstrap intervals, per slot and overall
// (core/include/zhixuan/ops/off_policy.hpp documents the estimators and both file formats).
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "io.hpp"
#include "zhixuan/ops/off_policy.hpp"

namespace zhixuan::cli {
namespace {

nlohmann::json EstimateJson(const OpeEstimate& e) { return {{"value", e.value}, {"lo", e.lo}, {"hi", e.hi}}; }

Status Run(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"logs", "policy", "bootstrap", "seed", "level"}, {"json"});
  if (!args.ok()) return args.status();
  auto logs_path = args->Required("logs");
  if (!logs_path.ok()) return logs_path.status();
  auto policy_path = args->Required("policy");
  if (!policy_path.ok()) return policy_path.status();
  auto bootstrap = args->Int("bootstrap", 200, 0, 100000);
  if (!bootstrap.ok()) return bootstrap.status();
  auto seed = args->Int("seed", 1, 0, 1 << 30);
  if (!seed.ok()) return seed.status();
  auto level = args->Float("level", 0.95f, 0.5f, 0.999f);
  if (!level.ok()) return level.status();

  auto logs_text = ReadFile(*logs_path);
  if (!logs_text.ok()) return logs_text.status();
  auto logs = ParseLoggedRenders(*logs_text);
  if (!logs.ok()) return Status(logs.status().code(), *logs_path + ": " + logs.status().message());
  auto policy_text = ReadFile(*policy_path);
  if (!policy_text.ok()) return policy_text.status();
  auto policy = TargetPolicy::FromJson(*policy_text);
  if (!policy.ok()) return Status(policy.status().code(), *policy_path + ": " + policy.status().message());
  OpeOptions options;
  options.bootstrap = *bootstrap;
  options.seed = static_cast<uint64_t>(*seed);
  options.level = static_cast<double>(*level);
  auto results = EvaluateOffPolicy(*logs, *policy, options);
  if (!results.ok()) return results.status();

  if (args->Has("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const OpeResult& r : *results) {
      out.push_back({{"slot", r.slot}, {"renders", r.renders}, {"replayMatches", r.replay_matches}, {"logged", r.logged},
                     {"replay", EstimateJson(r.replay)}, {"ipw", EstimateJson(r.ipw)}, {"snipw", EstimateJson(r.snipw)},
                     {"dr", EstimateJson(r.dr)}});
    }
    std::printf("%s\n", nlohmann::json({{"level", options.level}, {"bootstrap", options.bootstrap}, {"results", out}}).dump().c_str());
    return Status::Ok();
  }
  std::printf("ope %s under %s: %zu renders, %d bootstrap resamples, %.0f%% intervals\n", logs_path->c_str(),
              policy_path->c_str(), logs->size(), options.bootstrap, 100 * options.level);
  std::printf("  %-12s %8s %8s  %-26s %-26s %-26s %-26s\n", "slot", "renders", "logged", "replay", "ipw", "snipw", "dr");
  for (const OpeResult& r : *results) {
    auto cell = [](const OpeEstimate& e) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.5f [%.5f, %.5f]", e.value, e.lo, e.hi);
      return std::string(buf);
    };
    std::printf("  %-12s %8zu %8.5f  %-26s %-26s %-26s %-26s\n", r.slot == "*" ? "(overall)" : r.slot.c_str(), r.renders,
                r.logged, cell(r.replay).c_str(), cell(r.ipw).c_str(), cell(r.snipw).c_str(), cell(r.dr).c_str());
  }
  return Status::Ok();
}

std::string Usage() {
  return "--logs renders.csv --policy policy.json [--bootstrap 200] [--seed 1] [--level 0.95] [--json]\n"
         "  --logs F     CSV with a header: slot, context (optional), action, reward, propensity\n"
         "  --policy F   {\"slots\": {\"<slot>\"|\"*\": {\"default\": {action: p}, \"contexts\": {ctx: {action: p}}}}}\n"
         "  --bootstrap  resamples for the percentile intervals (0: none)\n"
         "  --json       one JSON object (per slot and overall: renders, logged, replay, ipw, snipw, dr)\n";
}

}  // namespace

ZX_REGISTER_COMMAND("ope", "off-policy evaluation of a slot policy (replay, IPW, SNIPW, DR)", &Usage, &Run);

}  // namespace zhixuan::cli

// Off-policy evaluation: the value (mean reward per render) a target policy would have had,
// estimated from renders logged under another policy with their action probabilities.
//
//   replay   (Li et al., WSDM 2011): draw the target's action for each logged render (seeded);
//            keep the renders where it equals the logged action; their mean reward. Unbiased
//            only when the logging policy was uniform random; shown for comparison.
//   ipw      mean of pi(a|x) / mu(a|x) * r                           (unbiased, high variance)
//   snipw    sum(w r) / sum(w), w = pi/mu                            (self-normalized: bounded)
//   dr       mean of sum_a pi(a|x) q(x,a) + w (r - q(x,a))           (doubly robust)
//            q: the logged mean reward per (slot, context, action), shrunk to the (slot, action)
//            mean with 1 pseudo-render (refitted on every bootstrap resample)
// Intervals: the percentile bootstrap over renders (B resamples, 95%), per slot and overall.
//
// The logs (CSV with a header; columns in any order, others ignored):
//   slot, context (optional: a string key the policy may condition on), action, reward,
//   propensity (the logging policy's mu(action | slot, context), in (0, 1])
// The policy (JSON): {"slots": {"<slot>" | "*": {"default": {"<action>": p, ...},
//                                                "contexts": {"<context>": {"<action>": p}}}}}
// probabilities >= 0 summing to 1 (+-1e-6) per distribution; the most specific one applies
// (slot's context, slot's default, "*"'s context, "*"'s default).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct LoggedRender {
  std::string slot, context, action;
  double reward = 0, propensity = 1;
};

using ActionDistribution = std::map<std::string, double>;

class TargetPolicy {
 public:
  // MALFORMED_DATA naming the slot and context for a bad distribution.
  static StatusOr<TargetPolicy> FromJson(std::string_view json_text);
  // The distribution for a render (nullptr: the policy says nothing about this slot).
  const ActionDistribution* Find(const std::string& slot, const std::string& context) const;

 private:
  struct SlotPolicy {
    ActionDistribution fallback;
    bool has_default = false;
    std::map<std::string, ActionDistribution> contexts;
  };
  std::map<std::string, SlotPolicy> slots_;
};

// MALFORMED_DATA naming the line: a missing column, a non-numeric or non-finite reward, a
// propensity outside (0, 1]. TOO_LARGE beyond 10 million renders.
StatusOr<std::vector<LoggedRender>> ParseLoggedRenders(const std::string& csv_text);

struct OpeEstimate {
  double value = 0, lo = 0, hi = 0;
};

struct OpeResult {
  std::string slot;  // "*" for overall
  size_t renders = 0, replay_matches = 0;
  double logged = 0;  // the logging policy's own mean reward (on-policy)
  OpeEstimate replay, ipw, snipw, dr;
};

struct OpeOptions {
  int bootstrap = 200;  // resamples (0: no intervals)
  uint64_t seed = 1;
  double level = 0.95;
};

// One result per slot (sorted by name) and then the overall one. UNKNOWN_SLOT when the policy
// has no distribution for a logged slot; INVALID_ARGUMENT for empty logs.
StatusOr<std::vector<OpeResult>> EvaluateOffPolicy(const std::vector<LoggedRender>& logs, const TargetPolicy& policy,
                                                   const OpeOptions& options);

}  // namespace zhixuan

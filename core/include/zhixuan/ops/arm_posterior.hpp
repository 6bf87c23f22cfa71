// One arm's posterior for the Beta and normal models, as the server's prior plus the device's
// own sufficient statistics (weighted count, sum, sum of squares). Keeping the statistics
// rather than the posterior lets a new prior from the server apply to what the device already
// learned, and makes what leaves the device a sum (aggregated privately, like the metrics).
//
//   beta:      Beta(alpha0 + sum, beta0 + n - sum); rewards 0/1, weight w per observation
//   gaussian:  normal-inverse-gamma on the reward (mean, kappa, shape, scale); sampled score = mu
//   lognormal: the same on y = log(1 + amount); sampled score = exp(mu + sigma^2 / 2) - 1
//   funnel:    revenue per render = P(click) x P(purchase | click) x amount per purchase: the
//              click rate's Beta per cell (clicks are ~10x denser than purchases, and
//              position-weighted), the conversion's Beta and the amount's normal-inverse-gamma mu
//              per arm, pooled over cells (what a click is worth depends on what the arm sells
//              more than on who clicks); a draw of the amount below 0 counts as 0. (A normal model
//              of the revenue per click, mostly zeros, is sure of a value near 0 after a few
//              clicks without a purchase; the conversion's Beta keeps the doubt it should.)
//              Purchases are rare, so each arm's conversion may borrow strength from the slot's:
//              with pooling m, Beta(alpha_a + m c, beta_a + m (1 - c)) where c is the conversion
//              of all the slot's arms together (partial pooling, empirical Bayes); an arm's own
//              clicks outweigh the borrowed ones once it has more than m of them.
//
// Weights carry the click model (click_model.hpp): a render at a position examined with
// probability theta enters with weight theta and reward r / theta (Beta: alpha + clicks,
// beta + sum(theta) - clicks, clamped at 0).
#pragma once

#include "zhixuan/ops/slot_random.hpp"
#include "zhixuan/ops/slots_config.hpp"

namespace zhixuan {

struct ArmStats {
  double n = 0, sum = 0, sum_sq = 0;  // of weights, weighted rewards, weighted squared rewards
  void Add(double reward, double weight) {
    n += weight;
    sum += weight * reward;
    sum_sq += weight * reward * reward;
  }
};

struct NormalPosterior {
  double mean, kappa, shape, scale;
};

// The model's reward transform: log(1 + amount) for lognormal, the reward itself otherwise.
double ModelReward(BanditModel model, double reward);

NormalPosterior NormalInverseGamma(const ArmPrior& prior, const ArmStats& stats);

// One draw of the arm's expected reward.
double SamplePosterior(BanditModel model, const ArmPrior& prior, const ArmStats& stats, SlotRandom& rng);

// The posterior mean of the expected reward and its standard deviation (Beta exactly; normal
// models: of mu, then the lognormal's mean at the posterior mode of sigma).
struct PosteriorSummary {
  double mean = 0, sd = 0;
};
PosteriorSummary SummarizePosterior(BanditModel model, const ArmPrior& prior, const ArmStats& stats);

// The funnel model: `clicks` are the cell's (n = sum of examination weights, sum = clicks) under
// the cell's prior; the arm's `value` (under the arm's prior) what its clicks were worth.
struct FunnelValue {
  ArmStats conversion;  // n = clicks, sum = clicks that bought
  ArmStats amount;      // n = purchases, sums of their amounts
  // What the arm borrows from the slot (set by the caller before sampling): pseudo-clicks and
  // pseudo-purchases at the slot's pooled conversion.
  double pooled_clicks = 0, pooled_purchases = 0;
};
// The slot's arms' values (config order) with what each borrows from the slot's conversion over
// all arms, priors and statistics together (the slot's conversion_pooling; none when 0).
std::vector<FunnelValue> PooledFunnelValues(const SlotSpec& spec, const std::vector<FunnelValue>& values);
double SampleFunnel(const ArmPrior& cell_prior, const ArmStats& clicks, const ArmPrior& arm_prior, const FunnelValue& value, SlotRandom& rng);
PosteriorSummary SummarizeFunnel(const ArmPrior& cell_prior, const ArmStats& clicks, const ArmPrior& arm_prior, const FunnelValue& value);
// The revenue per click alone (conversion x amount).
PosteriorSummary SummarizeFunnelValue(const ArmPrior& arm_prior, const FunnelValue& value);

}  // namespace zhixuan

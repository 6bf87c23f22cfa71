#include "zhixuan/ops/arm_posterior.hpp"

#include <algorithm>
#include <cmath>

namespace zhixuan {

double ModelReward(BanditModel model, double reward) {
  return model == BanditModel::kLogNormal ? std::log1p(std::max(0.0, reward)) : reward;
}

NormalPosterior NormalInverseGamma(const ArmPrior& p, const ArmStats& s) {
  if (s.n <= 0) return {p.mean, p.kappa, p.shape, p.scale};
  const double ybar = s.sum / s.n;
  const double within = std::max(0.0, s.sum_sq - s.n * ybar * ybar);  // rounding can dip below 0
  const double kappa = p.kappa + s.n;
  return {(p.kappa * p.mean + s.sum) / kappa, kappa, p.shape + s.n / 2,
          p.scale + 0.5 * within + p.kappa * s.n * (ybar - p.mean) * (ybar - p.mean) / (2 * kappa)};
}

double SamplePosterior(BanditModel model, const ArmPrior& prior, const ArmStats& stats, SlotRandom& rng) {
  if (model == BanditModel::kBeta) {
    return rng.Beta(prior.alpha + stats.sum, prior.beta + std::max(0.0, stats.n - stats.sum));
  }
  const NormalPosterior q = NormalInverseGamma(prior, stats);
  const double variance = q.scale / rng.Gamma(q.shape);  // sigma^2 ~ InvGamma(shape, scale)
  const double mu = q.mean + std::sqrt(variance / q.kappa) * rng.Normal();
  return model == BanditModel::kLogNormal ? std::expm1(mu + variance / 2) : mu;
}

PosteriorSummary SummarizePosterior(BanditModel model, const ArmPrior& prior, const ArmStats& stats) {
  if (model == BanditModel::kBeta) {
    const double a = prior.alpha + stats.sum, b = prior.beta + std::max(0.0, stats.n - stats.sum);
    return {a / (a + b), std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)))};
  }
  const NormalPosterior q = NormalInverseGamma(prior, stats);
  const double variance = q.scale / (q.shape + 1);  // the mode of the inverse gamma
  const double sd_mu = std::sqrt(variance / q.kappa);
  if (model == BanditModel::kGaussian) return {q.mean, sd_mu};
  const double mean = std::expm1(q.mean + variance / 2);
  return {mean, (mean + 1) * sd_mu};  // delta method
}

namespace {

ArmPrior ConversionPrior(const ArmPrior& arm_prior, const FunnelValue& value) {
  ArmPrior p;
  p.alpha = arm_prior.conversion_alpha + value.pooled_purchases;
  p.beta = arm_prior.conversion_beta + std::max(0.0, value.pooled_clicks - value.pooled_purchases);
  return p;
}

// Mean and sd of a product of independent factors: E[X^2] = prod(m^2 + s^2).
PosteriorSummary Product(std::initializer_list<PosteriorSummary> factors) {
  double mean = 1, second = 1;
  for (const PosteriorSummary& f : factors) {
    mean *= f.mean;
    second *= f.mean * f.mean + f.sd * f.sd;
  }
  return {mean, std::sqrt(std::max(0.0, second - mean * mean))};
}

}  // namespace

std::vector<FunnelValue> PooledFunnelValues(const SlotSpec& spec, const std::vector<FunnelValue>& values) {
  std::vector<FunnelValue> out = values;
  if (spec.conversion_pooling <= 0) return out;
  double purchases = 0, clicks = 0;
  for (size_t a = 0; a < values.size(); ++a) {
    const ArmPrior& p = spec.arms[a].prior;
    purchases += p.conversion_alpha + values[a].conversion.sum;
    clicks += p.conversion_alpha + p.conversion_beta + values[a].conversion.n;
  }
  for (FunnelValue& v : out) {
    v.pooled_clicks = spec.conversion_pooling;
    v.pooled_purchases = spec.conversion_pooling * purchases / clicks;  // clicks > 0: the prior's counts are > 0
  }
  return out;
}

double SampleFunnel(const ArmPrior& cell_prior, const ArmStats& clicks, const ArmPrior& arm_prior, const FunnelValue& value, SlotRandom& rng) {
  const double rate = SamplePosterior(BanditModel::kBeta, cell_prior, clicks, rng);
  const double conversion = SamplePosterior(BanditModel::kBeta, ConversionPrior(arm_prior, value), value.conversion, rng);
  return rate * conversion * std::max(0.0, SamplePosterior(BanditModel::kGaussian, arm_prior, value.amount, rng));
}

PosteriorSummary SummarizeFunnelValue(const ArmPrior& arm_prior, const FunnelValue& value) {
  return Product({SummarizePosterior(BanditModel::kBeta, ConversionPrior(arm_prior, value), value.conversion),
                  SummarizePosterior(BanditModel::kGaussian, arm_prior, value.amount)});
}

PosteriorSummary SummarizeFunnel(const ArmPrior& cell_prior, const ArmStats& clicks, const ArmPrior& arm_prior, const FunnelValue& value) {
  return Product({SummarizePosterior(BanditModel::kBeta, cell_prior, clicks), SummarizeFunnelValue(arm_prior, value)});
}

}  // namespace zhixuan

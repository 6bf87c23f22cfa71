// Renyi-DP accounting for the (Poisson-)subsampled Gaussian mechanism (Mironov, Talwar, Zhang
// 2019, "Renyi Differential Privacy of the Sampled Gaussian Mechanism"), integer orders only:
// the same closed form as TensorFlow Privacy's compute_rdp and Opacus for integer alpha.
// RDP composes by addition over rounds; epsilon(delta) uses the conversion of Balle et al. 2020
// (as in current TF Privacy / Opacus): eps = rdp + log1p(-1/a) - log(delta * a) / (a - 1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

// Orders 2..64, 128, 256: fine enough for the noise levels federated rounds use.
std::vector<int> DefaultRdpOrders();

// RDP of `steps` compositions of the sampled Gaussian mechanism with sampling rate q in [0, 1]
// and noise multiplier sigma > 0 (noise stddev / L2 sensitivity), one value per order (>= 2).
StatusOr<std::vector<double>> ComputeRdpSampledGaussian(double q, double noise_multiplier, int64_t steps,
                                                        const std::vector<int>& orders);

struct PrivacySpent {
  double epsilon = 0;  // +inf when no order gives a finite bound
  int order = 0;       // the order that achieved it
};

// Smallest epsilon over the orders for the given delta in (0, 1).
StatusOr<PrivacySpent> EpsilonFromRdp(const std::vector<int>& orders, const std::vector<double>& rdp,
                                      double delta);

// The accountant parameters a server publishes with its round config.
struct AccountantParams {
  double sampling_rate = 1.0;     // q: expected fraction of clients per round
  double noise_multiplier = 0.0;  // sigma; 0 means no DP guarantee (epsilon = inf)
  double delta = 1e-5;
};

// A device's own record of the privacy it has spent. Each round it takes part in is charged
// one step of the server's mechanism; it declines a round whose charge would exceed its budget.
class PrivacyLedger {
 public:
  explicit PrivacyLedger(double epsilon_budget = 8.0);

  double epsilon_budget() const { return epsilon_budget_; }
  int64_t rounds() const { return rounds_; }
  // Epsilon spent so far at `delta` (0 when no round was charged).
  double EpsilonSpent(double delta) const;
  // Epsilon after one more round under `params` (does not charge).
  StatusOr<double> EpsilonAfterRound(const AccountantParams& params) const;
  bool CanAfford(const AccountantParams& params) const;
  Status Charge(const AccountantParams& params);

  // Persisted as JSON by the host (the profile storage): {"budget":..,"rounds":..,"rdp":[..],"inf":bool}
  std::string ToJson() const;
  static StatusOr<PrivacyLedger> FromJson(const std::string& json_text);

 private:
  double epsilon_budget_;
  int64_t rounds_ = 0;
  bool unbounded_ = false;  // a noise-free round was charged: no finite epsilon remains
  std::vector<double> rdp_;  // per DefaultRdpOrders()
};

}  // namespace zhixuan

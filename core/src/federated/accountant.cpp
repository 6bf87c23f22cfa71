#include "zhixuan/federated/accountant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace zhixuan {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double LogAdd(double a, double b) {
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

double LogBinomial(int n, int k) {
  return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

// log A_alpha for integer alpha (Mironov et al. 2019, Sec. 3.3):
//   A_alpha = sum_i C(alpha, i) (1-q)^(alpha-i) q^i exp((i^2 - i) / (2 sigma^2)).
double LogAInteger(double q, double sigma, int alpha) {
  double log_a = -kInf;
  const double log_q = std::log(q), log_1mq = std::log1p(-q);
  for (int i = 0; i <= alpha; ++i) {
    const double term = LogBinomial(alpha, i) + i * log_q + (alpha - i) * log_1mq +
                        (static_cast<double>(i) * i - i) / (2 * sigma * sigma);
    log_a = LogAdd(log_a, term);
  }
  return log_a;
}

}  // namespace

std::vector<int> DefaultRdpOrders() {
  std::vector<int> orders;
  for (int a = 2; a <= 64; ++a) orders.push_back(a);
  orders.push_back(128);
  orders.push_back(256);
  return orders;
}

StatusOr<std::vector<double>> ComputeRdpSampledGaussian(double q, double noise_multiplier, int64_t steps,
                                                        const std::vector<int>& orders) {
  if (!(q >= 0 && q <= 1)) return InvalidArgument("sampling rate q must be in [0, 1]");
  if (!(noise_multiplier >= 0) || !std::isfinite(noise_multiplier)) return InvalidArgument("noise multiplier must be finite and >= 0");
  if (steps < 0) return InvalidArgument("steps must be >= 0");
  std::vector<double> rdp;
  rdp.reserve(orders.size());
  for (int alpha : orders) {
    if (alpha < 2 || alpha > 100000) return InvalidArgument("RDP order " + std::to_string(alpha) + " is outside 2..100000");
    double value;
    if (q == 0 || steps == 0) value = 0;
    else if (noise_multiplier == 0) value = kInf;
    else if (q == 1) value = alpha / (2 * noise_multiplier * noise_multiplier);
    else value = LogAInteger(q, noise_multiplier, alpha) / (alpha - 1);
    rdp.push_back(value * static_cast<double>(steps));
  }
  return rdp;
}

StatusOr<PrivacySpent> EpsilonFromRdp(const std::vector<int>& orders, const std::vector<double>& rdp, double delta) {
  if (!(delta > 0 && delta < 1)) return InvalidArgument("delta must be in (0, 1)");
  if (orders.size() != rdp.size() || orders.empty()) return InvalidArgument("orders and rdp differ in length or are empty");
  PrivacySpent best{kInf, orders.front()};
  for (size_t k = 0; k < orders.size(); ++k) {
    const double a = orders[k], r = rdp[k];
    if (orders[k] < 2) return InvalidArgument("RDP order must be >= 2");
    if (!(r >= 0)) return InvalidArgument("RDP values must be >= 0");
    double eps;
    if (std::isinf(r)) eps = kInf;
    else if (delta * delta + std::expm1(-r) >= 0) eps = 0;  // the KL bound already gives delta
    else eps = r + std::log1p(-1 / a) - std::log(delta * a) / (a - 1);
    if (eps < best.epsilon) best = {eps, orders[k]};
  }
  best.epsilon = std::max(0.0, best.epsilon);
  return best;
}

namespace {
// One participation's charge: central noise is amplified by the server's sampling; a local or
// noise-free mechanism is charged as the plain Gaussian (q = 1) or as unbounded.
StatusOr<std::vector<double>> RoundRdp(const AccountantParams& params) {
  return ComputeRdpSampledGaussian(params.sampling_rate, params.noise_multiplier, 1, DefaultRdpOrders());
}
}  // namespace

PrivacyLedger::PrivacyLedger(double epsilon_budget) : epsilon_budget_(epsilon_budget), rdp_(DefaultRdpOrders().size(), 0.0) {}

double PrivacyLedger::EpsilonSpent(double delta) const {
  if (rounds_ == 0) return 0;
  if (unbounded_) return kInf;
  auto spent = EpsilonFromRdp(DefaultRdpOrders(), rdp_, delta);
  return spent.ok() ? spent->epsilon : kInf;
}

StatusOr<double> PrivacyLedger::EpsilonAfterRound(const AccountantParams& params) const {
  auto round = RoundRdp(params);
  if (!round.ok()) return round.status();
  std::vector<double> total = rdp_;
  for (size_t k = 0; k < total.size(); ++k) total[k] += (*round)[k];
  if (unbounded_) return kInf;
  auto spent = EpsilonFromRdp(DefaultRdpOrders(), total, params.delta);
  if (!spent.ok()) return spent.status();
  return spent->epsilon;
}

bool PrivacyLedger::CanAfford(const AccountantParams& params) const {
  auto after = EpsilonAfterRound(params);
  return after.ok() && *after <= epsilon_budget_;
}

Status PrivacyLedger::Charge(const AccountantParams& params) {
  auto round = RoundRdp(params);
  if (!round.ok()) return round.status();
  for (size_t k = 0; k < rdp_.size(); ++k) {
    if (std::isinf((*round)[k])) unbounded_ = true;
    else rdp_[k] += (*round)[k];
  }
  ++rounds_;
  return Status::Ok();
}

std::string PrivacyLedger::ToJson() const {
  nlohmann::json j;
  j["budget"] = std::isinf(epsilon_budget_) ? -1.0 : epsilon_budget_;
  j["rounds"] = rounds_;
  j["unbounded"] = unbounded_;
  j["rdp"] = rdp_;
  return j.dump();
}

StatusOr<PrivacyLedger> PrivacyLedger::FromJson(const std::string& json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  const auto bad = [](const std::string& what) { return Status(StatusCode::kMalformedPayload, "privacy ledger: " + what); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("budget") || !j["budget"].is_number()) return bad("'budget' must be a number");
  if (!j.contains("rounds") || !j["rounds"].is_number_integer() || j["rounds"].get<int64_t>() < 0) return bad("'rounds' must be an integer >= 0");
  if (!j.contains("unbounded") || !j["unbounded"].is_boolean()) return bad("'unbounded' must be a boolean");
  if (!j.contains("rdp") || !j["rdp"].is_array() || j["rdp"].size() != DefaultRdpOrders().size()) return bad("'rdp' must hold one value per order");
  const double budget = j["budget"].get<double>();
  PrivacyLedger ledger(budget < 0 ? kInf : budget);
  ledger.rounds_ = j["rounds"].get<int64_t>();
  ledger.unbounded_ = j["unbounded"].get<bool>();
  for (size_t k = 0; k < ledger.rdp_.size(); ++k) {
    if (!j["rdp"][k].is_number() || !(j["rdp"][k].get<double>() >= 0) || !std::isfinite(j["rdp"][k].get<double>()))
      return bad("'rdp' values must be finite numbers >= 0");
    ledger.rdp_[k] = j["rdp"][k].get<double>();
  }
  return ledger;
}

}  // namespace zhixuan

// Registrations of the federated room: the device's update and privacy ledger (on Engine),
// and the server's round (FederatedRound) used by js/server in Node. Logic lives in core
// (federated.hpp, aggregate.hpp, accountant.hpp); this file converts and forwards.
#include <emscripten/bind.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>

#include "convert.hpp"
#include "engine.hpp"
#include "zhixuan/accountant.hpp"
#include "zhixuan/aggregate.hpp"
#include "zhixuan/federated.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

template <size_t N>
StatusOr<std::array<uint8_t, N>> FixedBytes(const val& typed_array, const char* name) {
  std::vector<uint8_t> bytes = CopyIn<uint8_t>(typed_array);
  if (bytes.size() != N) return InvalidArgument(std::string(name) + " must be " + std::to_string(N) + " bytes");
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// {payload, normBeforeClip, normSent}: the device's update for one round.
val ComputeUpdate(Engine& engine, const val& rows, const val& weights, const std::string& config_json, const val& nonce,
                  const val& seed) {
  if (!engine.loaded()) return ErrorVal(InvalidArgument("no model is loaded"));
  auto config = ParseRoundConfigJson(config_json);
  if (!config.ok()) return ErrorVal(config.status());
  auto nonce_bytes = FixedBytes<16>(nonce, "nonce");
  if (!nonce_bytes.ok()) return ErrorVal(nonce_bytes.status());
  auto seed_bytes = FixedBytes<32>(seed, "noise seed");
  if (!seed_bytes.ok()) return ErrorVal(seed_bytes.status());
  const std::vector<int32_t> r = CopyIn<int32_t>(rows);
  const std::vector<float> w = CopyIn<float>(weights);
  if (!w.empty() && w.size() != r.size()) return ErrorVal(InvalidArgument("weights and rows differ in length"));
  FoldInInput input{r.data(), w.empty() ? nullptr : w.data(), static_cast<int64_t>(r.size())};
  auto update = ComputeClientUpdate(engine.rec().model(), input, *config, *nonce_bytes, *seed_bytes);
  if (!update.ok()) return ErrorVal(update.status());
  val out = val::object();
  out.set("payload", CopyOut(update->payload));
  out.set("normBeforeClip", update->norm_before_clip);
  out.set("normSent", update->norm_sent);
  return out;
}

val LedgerNew(double epsilon_budget) {
  if (!(epsilon_budget > 0)) return ErrorVal(InvalidArgument("epsilon budget must be > 0 (Infinity for none)"));
  val out = val::object();
  out.set("ledger", PrivacyLedger(epsilon_budget).ToJson());
  return out;
}

// {rounds, budget, epsilonSpent, epsilonAfter, affordable} under the round's accountant params.
val LedgerStatus(const std::string& ledger_json, const std::string& config_json) {
  auto ledger = PrivacyLedger::FromJson(ledger_json);
  if (!ledger.ok()) return ErrorVal(ledger.status());
  auto config = ParseRoundConfigJson(config_json);
  if (!config.ok()) return ErrorVal(config.status());
  auto after = ledger->EpsilonAfterRound(config->accountant());
  if (!after.ok()) return ErrorVal(after.status());
  val out = val::object();
  out.set("rounds", static_cast<double>(ledger->rounds()));
  out.set("budget", ledger->epsilon_budget());
  out.set("epsilonSpent", ledger->EpsilonSpent(config->delta));
  out.set("epsilonAfter", *after);
  out.set("affordable", *after <= ledger->epsilon_budget());
  return out;
}

val LedgerCharge(const std::string& ledger_json, const std::string& config_json) {
  auto ledger = PrivacyLedger::FromJson(ledger_json);
  if (!ledger.ok()) return ErrorVal(ledger.status());
  auto config = ParseRoundConfigJson(config_json);
  if (!config.ok()) return ErrorVal(config.status());
  Status charged = ledger->Charge(config->accountant());
  if (!charged.ok()) return ErrorVal(charged);
  val out = val::object();
  out.set("ledger", ledger->ToJson());
  return out;
}

// {epsilon, order} of `steps` rounds of the sampled Gaussian.
val Epsilon(double q, double sigma, double steps, double delta) {
  if (!(steps >= 0) || steps > 1e12) return ErrorVal(InvalidArgument("steps must be in 0..1e12"));
  const auto orders = DefaultRdpOrders();
  auto rdp = ComputeRdpSampledGaussian(q, sigma, static_cast<int64_t>(steps), orders);
  if (!rdp.ok()) return ErrorVal(rdp.status());
  auto spent = EpsilonFromRdp(orders, *rdp, delta);
  if (!spent.ok()) return ErrorVal(spent.status());
  val out = val::object();
  out.set("epsilon", spent->epsilon);
  out.set("order", spent->order);
  return out;
}

// The server's open round: the base model and the aggregator.
class FederatedRound {
 public:
  val Open(uintptr_t model_ptr, size_t model_len, const std::string& config_json, double max_payload_bytes) {
    auto model = LoadModel(reinterpret_cast<const uint8_t*>(model_ptr), model_len);
    if (!model.ok()) return ErrorVal(model.status());
    auto config = ParseRoundConfigJson(config_json);
    if (!config.ok()) return ErrorVal(config.status());
    DecodeLimits limits;
    if (max_payload_bytes > 0) limits.max_bytes = static_cast<size_t>(max_payload_bytes);
    auto agg = RoundAggregator::Create(*model, *config, limits);
    if (!agg.ok()) return ErrorVal(agg.status());
    model_ = std::make_unique<Model>(std::move(model).value());
    agg_ = std::make_unique<RoundAggregator>(std::move(agg).value());
    val out = val::object();
    out.set("config", RoundConfigToJson(agg_->config()));
    out.set("payloadBytes", static_cast<double>(EncodedPayloadSize(agg_->config().encoding, agg_->config().base_version.size(),
                                                                   agg_->config().row_count, model_->manifest.dim)));
    return out;
  }

  // {nonce (hex), norm} when the payload passes every check of the round.
  val Validate(uintptr_t ptr, size_t len) const {
    if (!agg_) return ErrorVal(InvalidArgument("no round is open"));
    auto decoded = agg_->Validate(reinterpret_cast<const uint8_t*>(ptr), len);
    if (!decoded.ok()) return ErrorVal(decoded.status());
    static const char* kHex = "0123456789abcdef";
    std::string hex;
    for (uint8_t b : decoded->header.nonce) { hex += kHex[b >> 4]; hex += kHex[b & 15]; }
    val out = val::object();
    out.set("nonce", hex);
    out.set("norm", L2Norm(decoded->values));
    return out;
  }

  val Add(uintptr_t ptr, size_t len) {
    if (!agg_) return ErrorVal(InvalidArgument("no round is open"));
    return StatusVal(agg_->Add(reinterpret_cast<const uint8_t*>(ptr), len));
  }

  double Count() const { return agg_ ? static_cast<double>(agg_->count()) : 0; }

  // {model: Uint8Array} the next bundle.
  val Finish(const val& seed, const std::string& next_version) const {
    if (!agg_) return ErrorVal(InvalidArgument("no round is open"));
    auto seed_bytes = FixedBytes<32>(seed, "noise seed");
    if (!seed_bytes.ok()) return ErrorVal(seed_bytes.status());
    auto next = agg_->Finish(*model_, *seed_bytes, next_version);
    if (!next.ok()) return ErrorVal(next.status());
    val out = val::object();
    out.set("model", CopyOut(SaveModel(*next)));
    return out;
  }

 private:
  std::unique_ptr<Model> model_;
  std::unique_ptr<RoundAggregator> agg_;
};

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_federated) {
  using namespace zhixuan::wasm;
  emscripten::function("federatedComputeUpdate", &ComputeUpdate);
  emscripten::function("federatedLedgerNew", &LedgerNew);
  emscripten::function("federatedLedgerStatus", &LedgerStatus);
  emscripten::function("federatedLedgerCharge", &LedgerCharge);
  emscripten::function("federatedEpsilon", &Epsilon);
  emscripten::class_<FederatedRound>("FederatedRound")
      .constructor<>()
      .function("open", &FederatedRound::Open)
      .function("validate", &FederatedRound::Validate)
      .function("add", &FederatedRound::Add)
      .function("count", &FederatedRound::Count)
      .function("finish", &FederatedRound::Finish);
}

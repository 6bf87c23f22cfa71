// Registrations of the server's federated round (js/server, in Node): the aggregator and the
// accountant's epsilon. A module of its own (zhixuan-server), so pages never download it.
// Logic lives in core (aggregate.hpp, accountant.hpp); this file converts and forwards.
#include <emscripten/bind.h>

#include <memory>

#include "convert.hpp"
#include "zhixuan/federated/accountant.hpp"
#include "zhixuan/federated/aggregate.hpp"
#include "zhixuan/federated/federated.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

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

EMSCRIPTEN_BINDINGS(zhixuan_aggregation) {
  using namespace zhixuan::wasm;
  emscripten::function("federatedEpsilon", &Epsilon);
  emscripten::class_<FederatedRound>("FederatedRound")
      .constructor<>()
      .function("open", &FederatedRound::Open)
      .function("validate", &FederatedRound::Validate)
      .function("add", &FederatedRound::Add)
      .function("count", &FederatedRound::Count)
      .function("finish", &FederatedRound::Finish);
}

#include "aggregation_calls.hpp"

#include "convert.hpp"
#include "zhixuan/base/sha256.hpp"
#include "zhixuan/federated/accountant.hpp"
#include "zhixuan/federated/federated.hpp"

namespace zhixuan::wasm {

using emscripten::val;

val FederatedEpsilon(double q, double sigma, double steps, double delta) {
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

val FederatedRound::Open(uintptr_t model_ptr, size_t model_len, const std::string& config_json, double max_payload_bytes) {
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
  validated_.reset();
  const RoundConfig& resolved = agg_->config();
  val out = val::object();
  out.set("config", RoundConfigToJson(resolved));
  out.set("payloadBytes", static_cast<double>(EncodedPayloadSize(resolved.encoding, resolved.base_version.size(),
                                                                 resolved.row_count, model_->manifest.dim)));
  return out;
}

val FederatedRound::Validate(uintptr_t ptr, size_t len) {
  if (!agg_) return ErrorVal(InvalidArgument("no round is open"));
  validated_.reset();
  auto decoded = agg_->Validate(reinterpret_cast<const uint8_t*>(ptr), len);
  if (!decoded.ok()) return ErrorVal(decoded.status());
  validated_ = std::move(decoded).value();
  val out = val::object();
  out.set("nonce", ToHex(validated_->header.nonce.data(), validated_->header.nonce.size()));
  out.set("norm", L2Norm(validated_->values));
  return out;
}

val FederatedRound::AddValidated(const std::string& nonce_hex) {
  if (!agg_) return ErrorVal(InvalidArgument("no round is open"));
  if (!validated_ || ToHex(validated_->header.nonce.data(), validated_->header.nonce.size()) != nonce_hex)
    return ErrorVal(InvalidArgument("update " + nonce_hex + " is not the one last validated"));
  const Status added = agg_->Accept(*validated_);
  validated_.reset();
  return StatusVal(added);
}

val FederatedRound::Add(uintptr_t ptr, size_t len) {
  if (!agg_) return ErrorVal(InvalidArgument("no round is open"));
  return StatusVal(agg_->Add(reinterpret_cast<const uint8_t*>(ptr), len));
}

double FederatedRound::Count() const { return agg_ ? static_cast<double>(agg_->count()) : 0; }

val FederatedRound::Finish(const val& seed, const std::string& next_version) const {
  if (!agg_) return ErrorVal(InvalidArgument("no round is open"));
  auto seed_bytes = FixedBytes<32>(seed, "noise seed");
  if (!seed_bytes.ok()) return ErrorVal(seed_bytes.status());
  auto next = agg_->Finish(*model_, *seed_bytes, next_version);
  if (!next.ok()) return ErrorVal(next.status());
  val out = val::object();
  out.set("model", CopyOut(SaveModel(*next)));
  return out;
}

}  // namespace zhixuan::wasm

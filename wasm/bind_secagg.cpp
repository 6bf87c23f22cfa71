// Registrations of secure aggregation (core/include/zhixuan/federated/secagg_*.hpp): the device's
// masked input (one crossing: delta, quantization, noise, masks), Shamir sharing, SecAgg+'s
// neighbour graph, and the server's streaming unmasking and model step. In the page's full module and in the server's module; logic lives in
// core, this file converts and forwards.
#include <emscripten/bind.h>

#include <memory>

#include "convert.hpp"
#include "zhixuan/session/session.hpp"
#include "zhixuan/federated/secagg_encode.hpp"
#include "zhixuan/federated/secagg_graph.hpp"
#include "zhixuan/federated/secagg_round.hpp"
#include "zhixuan/federated/secagg_shamir.hpp"
#include "zhixuan/model/bundle.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

// N-byte keys packed back to back.
StatusOr<std::vector<SecAggKey>> Keys(const val& packed, size_t count, const char* name) {
  const std::vector<uint8_t> bytes = CopyIn<uint8_t>(packed);
  if (bytes.size() != count * 32) return InvalidArgument(std::string(name) + " must be " + std::to_string(count) + " x 32 bytes");
  std::vector<SecAggKey> keys(count);
  for (size_t i = 0; i < count; ++i) std::copy(bytes.begin() + 32 * i, bytes.begin() + 32 * (i + 1), keys[i].begin());
  return keys;
}

val LayoutVal(const SecAggLayout& l) {
  val out = val::object();
  out.set("block", l.block);
  out.set("padded", l.padded);
  out.set("bits", l.bits);
  out.set("linf", static_cast<double>(l.linf));
  out.set("l2Bound", l.l2_bound);
  out.set("effectiveNoiseMultiplier", l.effective_noise_multiplier);
  out.set("maskedBytes", static_cast<double>(l.masked_bytes));
  return out;
}

val Layout(const std::string& params_json) {
  auto params = ParseSecAggParamsJson(params_json);
  if (!params.ok()) return ErrorVal(params.status());
  auto layout = SecAggLayoutFor(*params);
  if (!layout.ok()) return ErrorVal(layout.status());
  return LayoutVal(*layout);
}

double NoiseVariance(double noise_multiplier, int scale_bits, int threshold) {
  if (scale_bits < 1 || scale_bits > 24 || threshold < 1) return -1;
  return static_cast<double>(SecAggNoiseVariance(noise_multiplier, static_cast<uint32_t>(scale_bits), static_cast<uint32_t>(threshold)));
}

// {shares: Uint8Array of xs.length x 45}
val ShamirSplitVal(const val& secret, const val& xs, int threshold, const val& randomness) {
  auto s = FixedBytes<32>(secret, "secret");
  if (!s.ok()) return ErrorVal(s.status());
  auto r = FixedBytes<32>(randomness, "randomness");
  if (!r.ok()) return ErrorVal(r.status());
  if (threshold < 1) return ErrorVal(InvalidArgument("threshold must be >= 1"));
  auto shares = ShamirSplit(*s, CopyIn<uint32_t>(xs), static_cast<uint32_t>(threshold), *r);
  if (!shares.ok()) return ErrorVal(shares.status());
  std::vector<uint8_t> packed;
  for (const auto& share : *shares) packed.insert(packed.end(), share.begin(), share.end());
  val out = val::object();
  out.set("shares", CopyOut(packed));
  return out;
}

// {secret} from shares packed back to back (45 bytes each).
val ShamirCombineVal(const val& packed, int threshold) {
  const std::vector<uint8_t> bytes = CopyIn<uint8_t>(packed);
  if (bytes.size() % kShamirShareBytes != 0) return ErrorVal(InvalidArgument("shares must be 45 bytes each"));
  std::vector<std::vector<uint8_t>> shares;
  for (size_t at = 0; at < bytes.size(); at += kShamirShareBytes)
    shares.emplace_back(bytes.begin() + at, bytes.begin() + at + kShamirShareBytes);
  if (threshold < 1) return ErrorVal(InvalidArgument("threshold must be >= 1"));
  auto secret = ShamirCombine(shares, static_cast<uint32_t>(threshold));
  if (!secret.ok()) return ErrorVal(secret.status());
  val out = val::object();
  out.set("secret", CopyOut(secret->data(), secret->size()));
  return out;
}

StatusOr<std::vector<uint8_t>> Mask(const std::vector<float>& values, const SecAggParams& params, int sender,
                                    const val& noise_seed, const val& self_seed, const val& peers, const val& secrets) {
  auto noise = FixedBytes<32>(noise_seed, "noise seed");
  if (!noise.ok()) return noise.status();
  auto self = FixedBytes<32>(self_seed, "self-mask seed");
  if (!self.ok()) return self.status();
  const std::vector<uint32_t> peer_ids = CopyIn<uint32_t>(peers);
  auto keys = Keys(secrets, peer_ids.size(), "pair secrets");
  if (!keys.ok()) return keys.status();
  std::vector<PairSecret> pairs;
  for (size_t i = 0; i < peer_ids.size(); ++i) pairs.push_back({peer_ids[i], (*keys)[i]});
  if (sender < 1) return InvalidArgument("sender index must be >= 1");
  return SecAggMaskedInput(values, params, static_cast<uint32_t>(sender), *noise, *self, pairs);
}

// {masked: Uint8Array} for the device's own update of the round (one crossing).
val MaskedInput(Session& session, const val& rows, const val& weights, const std::string& config_json,
                const std::string& params_json, int sender, const val& noise_seed, const val& self_seed,
                const val& peers, const val& secrets) {
  if (!session.loaded()) return ErrorVal(InvalidArgument("no model is loaded"));
  auto config = ParseRoundConfigJson(config_json);
  if (!config.ok()) return ErrorVal(config.status());
  auto params = ParseSecAggParamsJson(params_json);
  if (!params.ok()) return ErrorVal(params.status());
  const std::vector<int32_t> r = CopyIn<int32_t>(rows);
  const std::vector<float> w = CopyIn<float>(weights);
  if (!w.empty() && w.size() != r.size()) return ErrorVal(InvalidArgument("weights and rows differ in length"));
  FoldInInput input{r.data(), w.empty() ? nullptr : w.data(), static_cast<int64_t>(r.size())};
  auto delta = SecAggClientDelta(session.recommender().model(), input, *config);
  if (!delta.ok()) return ErrorVal(delta.status());
  if (delta->size() != params->length) return ErrorVal(InvalidArgument("the round's window does not match the secure params' length"));
  auto masked = Mask(*delta, *params, sender, noise_seed, self_seed, peers, secrets);
  if (!masked.ok()) return ErrorVal(masked.status());
  val out = val::object();
  out.set("masked", CopyOut(*masked));
  return out;
}

// The same from given values (simulations, benchmarks, tests).
val MaskValues(const val& values, const std::string& params_json, int sender, const val& noise_seed, const val& self_seed,
               const val& peers, const val& secrets) {
  auto params = ParseSecAggParamsJson(params_json);
  if (!params.ok()) return ErrorVal(params.status());
  auto masked = Mask(CopyIn<float>(values), *params, sender, noise_seed, self_seed, peers, secrets);
  if (!masked.ok()) return ErrorVal(masked.status());
  val out = val::object();
  out.set("masked", CopyOut(*masked));
  return out;
}

// {coords: Uint32Array}: the quantized, noised vector before masks (tests check exactness with it).
val Quantize(const val& values, const std::string& params_json, const val& noise_seed) {
  auto params = ParseSecAggParamsJson(params_json);
  if (!params.ok()) return ErrorVal(params.status());
  auto noise = FixedBytes<32>(noise_seed, "noise seed");
  if (!noise.ok()) return ErrorVal(noise.status());
  auto coords = SecAggQuantize(CopyIn<float>(values), *params, *noise);
  if (!coords.ok()) return ErrorVal(coords.status());
  val out = val::object();
  out.set("coords", CopyOut(*coords));
  return out;
}

// {neighbours: k} for a cohort of n under the rule of secagg_graph.hpp.
val Degree(int cohort, double dropout, double corruption, int security_bits, int correctness_bits) {
  if (cohort < 0 || security_bits < 0 || correctness_bits < 0) return ErrorVal(InvalidArgument("cohort and bits must be >= 0"));
  SecAggGraphRule rule{dropout, corruption, static_cast<uint32_t>(security_bits), static_cast<uint32_t>(correctness_bits)};
  auto k = SecAggDegree(static_cast<uint32_t>(cohort), rule);
  if (!k.ok()) return ErrorVal(k.status());
  val out = val::object();
  out.set("neighbours", *k);
  out.set("threshold", SecAggNeighbourhoodThreshold(*k));
  return out;
}

// {degree, neighbours: Uint32Array of n x degree}: positions' neighbour lists, sorted, back to back.
val Neighbours(int cohort, int neighbours, const val& seed) {
  auto s = FixedBytes<32>(seed, "graph seed");
  if (!s.ok()) return ErrorVal(s.status());
  if (cohort < 1 || neighbours < 0) return ErrorVal(InvalidArgument("cohort must be >= 1 and neighbours >= 0"));
  auto lists = SecAggNeighbours(static_cast<uint32_t>(cohort), static_cast<uint32_t>(neighbours), *s);
  if (!lists.ok()) return ErrorVal(lists.status());
  std::vector<uint32_t> flat;
  for (const auto& list : *lists) flat.insert(flat.end(), list.begin(), list.end());
  val out = val::object();
  out.set("degree", static_cast<double>(lists->front().size()));
  out.set("neighbours", CopyOut(flat));
  return out;
}

// The server's streaming unmasker (one running sum; inputs and corrections one at a time).
class SecAggStream {
 public:
  val Open(const std::string& params_json) {
    auto params = ParseSecAggParamsJson(params_json);
    if (!params.ok()) return ErrorVal(params.status());
    auto unmasker = SecAggUnmasker::Create(*params);
    if (!unmasker.ok()) return ErrorVal(unmasker.status());
    unmasker_ = std::make_unique<SecAggUnmasker>(std::move(unmasker).value());
    return val::object();
  }
  val AddMasked(const val& masked, const val& self_seed) {
    if (!unmasker_) return ErrorVal(InvalidArgument("no round is open"));
    auto seed = FixedBytes<32>(self_seed, "self seed");
    if (!seed.ok()) return ErrorVal(seed.status());
    const std::vector<uint8_t> bytes = CopyIn<uint8_t>(masked);
    Status added = unmasker_->AddMasked(bytes.data(), bytes.size(), *seed);
    return added.ok() ? val::object() : ErrorVal(added);
  }
  val AddCorrection(int survivor, int dropped, const val& secret) {
    if (!unmasker_) return ErrorVal(InvalidArgument("no round is open"));
    auto s = FixedBytes<32>(secret, "correction secret");
    if (!s.ok()) return ErrorVal(s.status());
    if (survivor < 1 || dropped < 1) return ErrorVal(InvalidArgument("device indices are >= 1"));
    Status added = unmasker_->AddCorrection({static_cast<uint32_t>(survivor), static_cast<uint32_t>(dropped), *s});
    return added.ok() ? val::object() : ErrorVal(added);
  }
  // {modular: Uint32Array, values: Float64Array}
  val Finish() {
    if (!unmasker_) return ErrorVal(InvalidArgument("no round is open"));
    auto sum = unmasker_->Finish();
    unmasker_.reset();
    if (!sum.ok()) return ErrorVal(sum.status());
    val out = val::object();
    out.set("modular", CopyOut(sum->modular));
    out.set("values", CopyOut(sum->values));
    return out;
  }

 private:
  std::unique_ptr<SecAggUnmasker> unmasker_;
};

// {values: Float64Array}: one masked input read as if it were an update (unpacked, centered,
// rotated back, unscaled) -- what anyone holding it alone can compute (the attack tests use it).
val DecodeMasked(const std::string& params_json, const val& masked) {
  auto params = ParseSecAggParamsJson(params_json);
  if (!params.ok()) return ErrorVal(params.status());
  auto layout = SecAggLayoutFor(*params);
  if (!layout.ok()) return ErrorVal(layout.status());
  const std::vector<uint8_t> bytes = CopyIn<uint8_t>(masked);
  auto coords = UnpackMaskedInput(bytes.data(), bytes.size(), *params, *layout, nullptr);
  if (!coords.ok()) return ErrorVal(coords.status());
  auto values = SecAggDecode(*coords, *params);
  if (!values.ok()) return ErrorVal(values.status());
  val out = val::object();
  out.set("values", CopyOut(*values));
  return out;
}

// The server's model step for a secure round: the base model, then apply the decoded sum.
class SecureRoundModel {
 public:
  val Open(uintptr_t model_ptr, size_t model_len) {
    auto model = LoadModel(reinterpret_cast<const uint8_t*>(model_ptr), model_len);
    if (!model.ok()) return ErrorVal(model.status());
    model_ = std::make_unique<Model>(std::move(model).value());
    val out = val::object();
    out.set("rows", static_cast<double>(model_->items.rows()));
    out.set("dim", model_->manifest.dim);
    return out;
  }
  // {model: Uint8Array}
  val Apply(const std::string& config_json, const val& sum, double count, const std::string& next_version) const {
    if (!model_) return ErrorVal(InvalidArgument("no model is open"));
    auto config = ParseRoundConfigJson(config_json);
    if (!config.ok()) return ErrorVal(config.status());
    auto next = ApplySummedDelta(*model_, *config, CopyIn<double>(sum), static_cast<int64_t>(count), next_version);
    if (!next.ok()) return ErrorVal(next.status());
    val out = val::object();
    out.set("model", CopyOut(SaveModel(*next)));
    return out;
  }

 private:
  std::unique_ptr<Model> model_;
};

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_secagg) {
  using namespace zhixuan::wasm;
  emscripten::function("secaggLayout", &Layout);
  emscripten::function("secaggNoiseVariance", &NoiseVariance);
  emscripten::function("secaggShamirSplit", &ShamirSplitVal);
  emscripten::function("secaggShamirCombine", &ShamirCombineVal);
  emscripten::function("secaggMaskedInput", &MaskedInput);
  emscripten::function("secaggMaskValues", &MaskValues);
  emscripten::function("secaggQuantize", &Quantize);
  emscripten::function("secaggDecodeMasked", &DecodeMasked);
  emscripten::function("secaggDegree", &Degree);
  emscripten::function("secaggNeighbours", &Neighbours);
  emscripten::class_<SecAggStream>("SecAggStream")
      .constructor<>()
      .function("open", &SecAggStream::Open)
      .function("addMasked", &SecAggStream::AddMasked)
      .function("addCorrection", &SecAggStream::AddCorrection)
      .function("finish", &SecAggStream::Finish);
  emscripten::class_<SecureRoundModel>("SecureRoundModel")
      .constructor<>()
      .function("open", &SecureRoundModel::Open)
      .function("apply", &SecureRoundModel::Apply);
}

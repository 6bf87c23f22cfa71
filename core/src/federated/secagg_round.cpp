#include "zhixuan/federated/secagg_round.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "zhixuan/federated/payload.hpp"

namespace zhixuan {
namespace {

Status BadParams(const std::string& what) { return InvalidArgument("secure aggregation params: " + what); }

StatusOr<uint64_t> Unsigned(const nlohmann::json& j, const char* key, uint64_t hi) {
  if (!j.contains(key)) return BadParams(std::string("'") + key + "' is required");
  const auto& v = j[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0) return BadParams(std::string("'") + key + "' must be an integer >= 0");
  const uint64_t u = v.get<uint64_t>();
  if (u > hi) return BadParams(std::string("'") + key + "' is too large");
  return u;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

StatusOr<SecAggParams> ParseSecAggParamsJson(const std::string& json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return BadParams("not a JSON object");
  SecAggParams p;
  const char* keys[] = {"round_id", "length", "block_log2", "scale_bits", "noise_variance", "cohort", "threshold"};
  const uint64_t limits[] = {uint64_t{1} << 53, 1u << 28, 20, 24, uint64_t{1} << 48, 100000, 100000};
  uint64_t values[7];
  for (int i = 0; i < 7; ++i) {
    auto v = Unsigned(j, keys[i], limits[i]);
    if (!v.ok()) return v.status();
    values[i] = *v;
  }
  p.round_id = values[0];
  p.length = static_cast<uint32_t>(values[1]);
  p.block_log2 = static_cast<uint32_t>(values[2]);
  p.scale_bits = static_cast<uint32_t>(values[3]);
  p.noise_variance = values[4];
  p.cohort = static_cast<uint32_t>(values[5]);
  p.threshold = static_cast<uint32_t>(values[6]);
  if (!j.contains("clip") || !j["clip"].is_number()) return BadParams("'clip' must be a number");
  p.clip = j["clip"].get<double>();
  if (!j.contains("rotation_seed") || !j["rotation_seed"].is_string()) return BadParams("'rotation_seed' must be 64 hex digits");
  const std::string seed = j["rotation_seed"].get<std::string>();
  if (seed.size() != 64) return BadParams("'rotation_seed' must be 64 hex digits");
  for (size_t i = 0; i < 32; ++i) {
    const int hi = HexDigit(seed[2 * i]), lo = HexDigit(seed[2 * i + 1]);
    if (hi < 0 || lo < 0) return BadParams("'rotation_seed' must be 64 lowercase hex digits");
    p.rotation_seed[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  auto layout = SecAggLayoutFor(p);
  if (!layout.ok()) return layout.status();
  return p;
}

std::string SecAggParamsToJson(const SecAggParams& p) {
  static const char* kHex = "0123456789abcdef";
  std::string seed;
  for (uint8_t b : p.rotation_seed) { seed += kHex[b >> 4]; seed += kHex[b & 15]; }
  nlohmann::json j = {{"round_id", p.round_id}, {"length", p.length}, {"block_log2", p.block_log2}, {"clip", p.clip},
                      {"scale_bits", p.scale_bits}, {"noise_variance", p.noise_variance}, {"cohort", p.cohort},
                      {"threshold", p.threshold}, {"rotation_seed", seed}};
  return j.dump();
}

StatusOr<std::vector<float>> SecAggClientDelta(const Model& model, const FoldInInput& history, const RoundConfig& round) {
  if (round.base_version != model.manifest.model_version)
    return Status(StatusCode::kModelMismatch, "round is for model version '" + round.base_version + "', the device has '" +
                                                  model.manifest.model_version + "' (reload the model first)");
  auto resolved = ResolveWindow(round, model.items.rows());
  if (!resolved.ok()) return resolved.status();
  auto user = FoldIn(model.items, GramOf(model), model.manifest.foldin, history);
  if (!user.ok()) return user.status();
  if (L2Norm(*user) == 0) return InvalidArgument("no usable local events: nothing to learn from (decline the round)");
  auto grad = ItemGradient(model.items, model.manifest.foldin, *user, history, resolved->row_offset, resolved->row_count);
  if (!grad.ok()) return grad.status();
  std::vector<float> delta = std::move(grad).value();
  for (float& v : delta) v = -v;
  ClipToNorm(delta, resolved->clip);
  return delta;
}

StatusOr<Model> ApplySummedDelta(const Model& base, const RoundConfig& round, const std::vector<double>& sum,
                                 int64_t count, const std::string& next_version) {
  if (base.manifest.model_version != round.base_version)
    return Status(StatusCode::kModelMismatch, "the sum is for model '" + round.base_version + "'");
  auto resolved = ResolveWindow(round, base.items.rows());
  if (!resolved.ok()) return resolved.status();
  const RoundConfig& config = *resolved;
  const int dim = base.manifest.dim;
  if (sum.size() != static_cast<size_t>(config.row_count) * dim) return InvalidArgument("the sum does not cover the round's window");
  if (count < 1) return InvalidArgument("no device in the sum");
  if (next_version.empty() || next_version.size() > kMaxBaseVersionBytes || next_version == config.base_version)
    return InvalidArgument("next model version must be 1..128 bytes and differ from the base");
  std::vector<float> rows = base.items.ToF32();
  const double step = config.server_learning_rate / static_cast<double>(count);
  float* window = rows.data() + static_cast<size_t>(config.row_offset) * dim;
  for (uint32_t r = 0; r < config.row_count; ++r) {
    const double* delta = sum.data() + static_cast<size_t>(r) * dim;
    double norm_sq = 0;
    for (int j = 0; j < dim; ++j) norm_sq += (step * delta[j]) * (step * delta[j]);
    const double norm = std::sqrt(norm_sq);
    const double cap = config.max_row_step > 0 && norm > config.max_row_step ? config.max_row_step / norm : 1.0;
    float* row = window + static_cast<size_t>(r) * dim;
    for (int j = 0; j < dim; ++j) {
      row[j] += static_cast<float>(cap * step * delta[j]);
      if (!std::isfinite(row[j])) return Status(StatusCode::kInternal, "aggregated model has a non-finite value");
    }
  }
  Model next = base;
  next.items = ItemMatrix::FromF32(rows.data(), base.items.rows(), dim, base.items.dtype());
  next.gram = ComputeGram(next.items);
  next.manifest.model_version = next_version;
  return next;
}

}  // namespace zhixuan

#include "zhixuan/federated/federated.hpp"

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

namespace zhixuan {
namespace {

Status BadConfig(const std::string& what) { return InvalidArgument("round config: " + what); }

StatusOr<double> NumberField(const nlohmann::json& j, const char* key, double fallback, double lo, double hi) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number()) return BadConfig(std::string("'") + key + "' must be a number");
  const double v = j[key].get<double>();
  if (!std::isfinite(v) || v < lo || v > hi)
    return BadConfig(std::string("'") + key + "' = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

StatusOr<uint64_t> IntegerField(const nlohmann::json& j, const char* key, uint64_t fallback, uint64_t hi, bool required) {
  if (!j.contains(key)) {
    if (required) return BadConfig(std::string("'") + key + "' is required");
    return fallback;
  }
  if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0) return BadConfig(std::string("'") + key + "' must be an integer >= 0");
  const uint64_t v = j[key].get<uint64_t>();
  if (v > hi) return BadConfig(std::string("'") + key + "' is too large");
  return v;
}

}  // namespace

AccountantParams RoundConfig::accountant() const {
  AccountantParams p;
  p.delta = delta;
  // Local noise: each client's own Gaussian, no amplification from the server's sampling.
  p.sampling_rate = noise_mode == NoiseMode::kLocal ? 1.0 : sampling_rate;
  p.noise_multiplier = noise_mode == NoiseMode::kNone ? 0.0 : noise_multiplier;
  return p;
}

StatusOr<RoundConfig> ParseRoundConfigJson(const std::string& json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return BadConfig("not a JSON object");
  RoundConfig c;
#define ZX_ASSIGN(lhs, expr)                   \
  do {                                         \
    auto zx_v_ = (expr);                       \
    if (!zx_v_.ok()) return zx_v_.status();    \
    lhs = *zx_v_;                              \
  } while (0)
  ZX_ASSIGN(c.round_id, IntegerField(j, "round_id", 0, (1ull << 53), true));
  if (!j.contains("base_version") || !j["base_version"].is_string()) return BadConfig("'base_version' must be a string");
  c.base_version = j["base_version"].get<std::string>();
  if (c.base_version.empty() || c.base_version.size() > kMaxBaseVersionBytes) return BadConfig("'base_version' must be 1..128 bytes");
  ZX_ASSIGN(c.clip, NumberField(j, "clip", 1.0, 1e-9, 1e9));
  ZX_ASSIGN(c.noise_multiplier, NumberField(j, "noise_multiplier", 0.0, 0.0, 1e6));
  ZX_ASSIGN(c.server_learning_rate, NumberField(j, "server_learning_rate", 1.0, 0.0, 1e6));
  ZX_ASSIGN(c.max_row_step, NumberField(j, "max_row_step", 0.0, 0.0, 1e9));
  ZX_ASSIGN(c.sampling_rate, NumberField(j, "sampling_rate", 1.0, 0.0, 1.0));
  ZX_ASSIGN(c.delta, NumberField(j, "delta", 1e-5, 1e-300, 0.999999));
  ZX_ASSIGN(c.row_offset, IntegerField(j, "row_offset", 0, 0xFFFFFFFFull, false));
  ZX_ASSIGN(c.row_count, IntegerField(j, "row_count", 0, 0xFFFFFFFFull, false));
#undef ZX_ASSIGN
  if (j.contains("noise_mode")) {
    const auto& m = j["noise_mode"];
    if (m == "none") c.noise_mode = NoiseMode::kNone;
    else if (m == "central") c.noise_mode = NoiseMode::kCentral;
    else if (m == "local") c.noise_mode = NoiseMode::kLocal;
    else return BadConfig("'noise_mode' must be \"none\", \"central\" or \"local\"");
  }
  if (j.contains("encoding")) {
    const auto& e = j["encoding"];
    if (e == "f16") c.encoding = PayloadEncoding::kF16;
    else if (e == "int8") c.encoding = PayloadEncoding::kInt8;
    else return BadConfig("'encoding' must be \"f16\" or \"int8\"");
  }
  return c;
}

std::string RoundConfigToJson(const RoundConfig& c) {
  nlohmann::json j;
  j["round_id"] = c.round_id;
  j["base_version"] = c.base_version;
  j["clip"] = c.clip;
  j["noise_multiplier"] = c.noise_multiplier;
  j["noise_mode"] = c.noise_mode == NoiseMode::kNone ? "none" : c.noise_mode == NoiseMode::kLocal ? "local" : "central";
  j["encoding"] = c.encoding == PayloadEncoding::kInt8 ? "int8" : "f16";
  j["row_offset"] = c.row_offset;
  j["row_count"] = c.row_count;
  j["server_learning_rate"] = c.server_learning_rate;
  j["max_row_step"] = c.max_row_step;
  j["sampling_rate"] = c.sampling_rate;
  j["delta"] = c.delta;
  return j.dump();
}

StatusOr<RoundConfig> ResolveWindow(RoundConfig config, int64_t rows) {
  if (config.row_count == 0) {
    if (config.row_offset != 0) return BadConfig("row_offset without row_count");
    if (rows <= 0 || rows > 0xFFFFFFFFll) return BadConfig("model has no rows or too many");
    config.row_count = static_cast<uint32_t>(rows);
  }
  if (static_cast<int64_t>(config.row_offset) + config.row_count > rows)
    return Status(StatusCode::kModelMismatch, "round config: row window [" + std::to_string(config.row_offset) + ", +" +
                                                  std::to_string(config.row_count) + ") exceeds the model's " + std::to_string(rows) + " rows");
  return config;
}

double UpdateNormBound(const RoundConfig& config, size_t cells) {
  if (config.noise_mode != NoiseMode::kLocal) return config.clip;
  return config.clip + config.noise_multiplier * config.clip * (std::sqrt(static_cast<double>(cells)) + 8.0);
}

double L2Norm(const std::vector<float>& values) {
  double sum = 0;
  for (float v : values) sum += static_cast<double>(v) * v;
  return std::sqrt(sum);
}

StatusOr<std::vector<float>> ItemGradient(const ItemMatrix& items, const FoldInParams& params, const std::vector<float>& user,
                                          const FoldInInput& history, uint32_t row_offset, uint32_t row_count) {
  const int d = items.dim();
  if (static_cast<int>(user.size()) != d) return InvalidArgument("user vector has " + std::to_string(user.size()) + " values, model dim is " + std::to_string(d));
  if (static_cast<int64_t>(row_offset) + row_count > items.rows()) return InvalidArgument("gradient row window exceeds the model");
  const float w0 = params.unobserved_weight;
  std::vector<float> grad(static_cast<size_t>(row_count) * d);
  std::vector<float> row(d);
  // Dense part: 2 w0 (x.v_i) x for every row of the window.
  for (uint32_t r = 0; r < row_count; ++r) {
    items.RowToF32(row_offset + r, row.data());
    float p = 0;
    for (int j = 0; j < d; ++j) p += row[j] * user[j];
    const float coef = 2.f * w0 * p;
    float* g = grad.data() + static_cast<size_t>(r) * d;
    for (int j = 0; j < d; ++j) g[j] = coef * user[j];
  }
  // Observed part: one term per history entry, as FoldIn builds its system.
  for (int64_t k = 0; k < history.count; ++k) {
    const int32_t item = history.rows[k];
    if (item < 0 || item >= items.rows()) return InvalidArgument("history row " + std::to_string(item) + " is out of range");
    const float weight = history.weights ? history.weights[k] : 1.f;
    if (!std::isfinite(weight)) return InvalidArgument("history weight is NaN or Inf");
    const float confidence = 1.f + params.alpha * weight;
    if (confidence <= 0.f) continue;
    if (item < static_cast<int64_t>(row_offset) || item >= static_cast<int64_t>(row_offset) + row_count) continue;
    items.RowToF32(item, row.data());
    float p = 0;
    for (int j = 0; j < d; ++j) p += row[j] * user[j];
    const float coef = 2.f * ((confidence - w0) * p - confidence);
    float* g = grad.data() + static_cast<size_t>(item - row_offset) * d;
    for (int j = 0; j < d; ++j) g[j] += coef * user[j];
  }
  return grad;
}

double ClipToNorm(std::vector<float>& values, double clip) {
  const double norm = L2Norm(values);
  if (norm > clip && norm > 0) {
    const float scale = static_cast<float>(clip / norm);
    for (float& v : values) v *= scale;
  }
  return norm;
}

void AddGaussianNoise(std::vector<float>& values, double stddev, const std::array<uint8_t, 32>& seed) {
  if (stddev <= 0) return;
  std::array<uint32_t, 8> words{};
  for (int i = 0; i < 8; ++i)
    words[i] = seed[4 * i] | (seed[4 * i + 1] << 8) | (seed[4 * i + 2] << 16) | (static_cast<uint32_t>(seed[4 * i + 3]) << 24);
  std::seed_seq seq(words.begin(), words.end());
  std::mt19937_64 rng(seq);
  std::normal_distribution<double> gauss(0.0, stddev);
  for (float& v : values) v += static_cast<float>(gauss(rng));
}

StatusOr<ClientUpdate> ComputeClientUpdate(const Model& model, const FoldInInput& history, const RoundConfig& round,
                                           const std::array<uint8_t, 16>& nonce, const std::array<uint8_t, 32>& noise_seed) {
  if (round.base_version != model.manifest.model_version)
    return Status(StatusCode::kModelMismatch, "round is for model version '" + round.base_version + "', the device has '" +
                                                  model.manifest.model_version + "' (reload the model first)");
  auto resolved = ResolveWindow(round, model.items.rows());
  if (!resolved.ok()) return resolved.status();
  const RoundConfig& config = *resolved;
  auto user = FoldIn(model.items, GramOf(model), model.manifest.foldin, history);
  if (!user.ok()) return user.status();
  if (L2Norm(*user) == 0) return InvalidArgument("no usable local events: nothing to learn from (decline the round)");
  auto grad = ItemGradient(model.items, model.manifest.foldin, *user, history, config.row_offset, config.row_count);
  if (!grad.ok()) return grad.status();
  std::vector<float> delta = std::move(grad).value();
  for (float& v : delta) v = -v;  // descent direction: the server adds it

  ClientUpdate out;
  out.norm_before_clip = ClipToNorm(delta, config.clip);
  if (config.noise_mode == NoiseMode::kLocal) AddGaussianNoise(delta, config.noise_multiplier * config.clip, noise_seed);

  UpdateHeader header;
  header.round_id = config.round_id;
  header.base_version = config.base_version;
  header.nonce = nonce;
  header.row_offset = config.row_offset;
  header.row_count = config.row_count;
  header.dim = model.manifest.dim;
  header.encoding = config.encoding;
  header.local_noise = config.noise_mode == NoiseMode::kLocal;
  const double bound = UpdateNormBound(config, delta.size());
  // Quantization can push the decoded norm a hair over the bound: shrink and re-encode.
  for (int attempt = 0; attempt < 6; ++attempt) {
    double norm = 0;
    auto bytes = EncodeUpdate(header, delta, &norm);
    if (!bytes.ok()) return bytes.status();
    if (norm <= bound) {
      out.payload = std::move(bytes).value();
      out.norm_sent = norm;
      return out;
    }
    const float shrink = static_cast<float>(bound / norm * (1.0 - 1e-3 * (attempt + 1)));
    for (float& v : delta) v *= shrink;
  }
  return Status(StatusCode::kInternal, "could not quantize the update within the norm bound");
}

StatusOr<ChargedUpdate> ComputeChargedUpdate(const Model& model, const FoldInInput& history, const std::string& round_json,
                                             double participation_rate, const std::string& ledger_json,
                                             const std::array<uint8_t, 16>& nonce,
                                             const std::array<uint8_t, 32>& noise_seed) {
  auto config = ParseRoundConfigJson(round_json);
  if (!config.ok()) return config.status();
  if (!std::isfinite(participation_rate) || participation_rate < 0 || participation_rate > 1)
    return BadConfig("'sampling_rate' = " + std::to_string(participation_rate) + " is outside [0.000000, 1.000000]");
  auto ledger = PrivacyLedger::FromJson(ledger_json);
  if (!ledger.ok()) return ledger.status();
  // The ledger counts the device's own q, never the rate the server declares.
  RoundConfig charged = *config;
  charged.sampling_rate = participation_rate;
  const AccountantParams accountant = charged.accountant();
  auto after = ledger->EpsilonAfterRound(accountant);
  if (!after.ok()) return after.status();
  ChargedUpdate out;
  out.epsilon_after = *after;
  out.budget = ledger->epsilon_budget();
  out.affordable = *after <= ledger->epsilon_budget();
  if (!out.affordable) return out;
  auto update = ComputeClientUpdate(model, history, *config, nonce, noise_seed);
  if (!update.ok()) return update.status();
  // Charged once the payload exists: from here on it may leave the device.
  ZX_RETURN_IF_ERROR(ledger->Charge(accountant));
  out.update = std::move(update).value();
  out.ledger_json = ledger->ToJson();
  return out;
}

}  // namespace zhixuan

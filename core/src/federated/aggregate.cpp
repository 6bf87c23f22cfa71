#include "zhixuan/federated/aggregate.hpp"

#include <cmath>

namespace zhixuan {

StatusOr<RoundAggregator> RoundAggregator::Create(const Model& base, const RoundConfig& config, DecodeLimits limits) {
  if (config.base_version != base.manifest.model_version)
    return Status(StatusCode::kModelMismatch, "round base version '" + config.base_version + "' is not the model's '" +
                                                  base.manifest.model_version + "'");
  auto resolved = ResolveWindow(config, base.items.rows());
  if (!resolved.ok()) return resolved.status();
  RoundAggregator agg;
  agg.config_ = *resolved;
  agg.limits_ = limits;
  agg.rows_ = base.items.rows();
  agg.dim_ = base.manifest.dim;
  agg.sum_.assign(static_cast<size_t>(agg.config_.row_count) * agg.dim_, 0.0);
  return agg;
}

StatusOr<DecodedUpdate> RoundAggregator::Validate(const uint8_t* bytes, size_t size) const {
  auto decoded = DecodeUpdate(bytes, size, limits_);
  if (!decoded.ok()) return decoded.status();
  const UpdateHeader& h = decoded->header;
  const auto mismatch = [](const std::string& what) { return Status(StatusCode::kModelMismatch, "update payload: " + what); };
  if (h.round_id != config_.round_id)
    return mismatch("round " + std::to_string(h.round_id) + " is not the open round " + std::to_string(config_.round_id) +
                    (h.round_id < config_.round_id ? " (stale)" : " (not yet open)"));
  if (h.base_version != config_.base_version)
    return mismatch("base version '" + h.base_version + "' is not the round's '" + config_.base_version + "'");
  if (h.dim != dim_) return mismatch("dim " + std::to_string(h.dim) + " is not the model's " + std::to_string(dim_));
  if (h.row_offset != config_.row_offset || h.row_count != config_.row_count)
    return mismatch("row window [" + std::to_string(h.row_offset) + ", +" + std::to_string(h.row_count) + ") is not the round's [" +
                    std::to_string(config_.row_offset) + ", +" + std::to_string(config_.row_count) + ")");
  if (h.encoding != config_.encoding) return mismatch("encoding differs from the round's");
  if (h.local_noise != (config_.noise_mode == NoiseMode::kLocal)) return mismatch("local-noise flag differs from the round's noise mode");
  const double norm = L2Norm(decoded->values);
  const double bound = UpdateNormBound(config_, decoded->values.size());
  if (!(norm <= bound * (1 + 1e-6)))
    return InvalidArgument("update payload: L2 norm " + std::to_string(norm) + " exceeds the round's bound " + std::to_string(bound));
  return decoded;
}

Status RoundAggregator::Add(const uint8_t* bytes, size_t size) {
  auto decoded = Validate(bytes, size);
  if (!decoded.ok()) return decoded.status();
  return Accept(*decoded);
}

Status RoundAggregator::Accept(const DecodedUpdate& update) {
  if (update.values.size() != sum_.size()) return InvalidArgument("update payload: not validated against this round");
  if (!nonces_.insert(update.header.nonce).second) return InvalidArgument("update payload: nonce already accepted in this round (replay)");
  for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += update.values[i];
  ++count_;
  return Status::Ok();
}

StatusOr<Model> RoundAggregator::Finish(const Model& base, const std::array<uint8_t, 32>& noise_seed, const std::string& next_version) const {
  if (base.manifest.model_version != config_.base_version || base.items.rows() != rows_ || base.manifest.dim != dim_)
    return Status(StatusCode::kModelMismatch, "Finish needs the round's base model '" + config_.base_version + "'");
  if (count_ == 0) return InvalidArgument("no accepted update in round " + std::to_string(config_.round_id));
  if (next_version.empty() || next_version.size() > kMaxBaseVersionBytes) return InvalidArgument("next model version must be 1..128 bytes");
  if (next_version == config_.base_version) return InvalidArgument("next model version must differ from the base version");

  std::vector<float> noisy(sum_.size());
  for (size_t i = 0; i < sum_.size(); ++i) noisy[i] = static_cast<float>(sum_[i]);
  if (config_.noise_mode == NoiseMode::kCentral) AddGaussianNoise(noisy, config_.noise_multiplier * config_.clip, noise_seed);

  std::vector<float> rows = base.items.ToF32();
  const float step = static_cast<float>(config_.server_learning_rate / static_cast<double>(count_));
  float* window = rows.data() + static_cast<size_t>(config_.row_offset) * dim_;
  for (uint32_t r = 0; r < config_.row_count; ++r) {
    float* delta = noisy.data() + static_cast<size_t>(r) * dim_;
    double norm_sq = 0;
    for (int j = 0; j < dim_; ++j) norm_sq += static_cast<double>(step * delta[j]) * (step * delta[j]);
    const double norm = std::sqrt(norm_sq);
    const float cap = config_.max_row_step > 0 && norm > config_.max_row_step ? static_cast<float>(config_.max_row_step / norm) : 1.f;
    float* row = window + static_cast<size_t>(r) * dim_;
    for (int j = 0; j < dim_; ++j) {
      row[j] += cap * step * delta[j];
      if (!std::isfinite(row[j])) return Status(StatusCode::kInternal, "aggregated model has a non-finite value");
    }
  }
  Model next = base;
  next.items = ItemMatrix::FromF32(rows.data(), rows_, dim_, base.items.dtype());
  next.gram = ComputeGram(next.items);
  next.manifest.model_version = next_version;
  return next;
}

}  // namespace zhixuan

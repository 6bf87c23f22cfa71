#include "zhixuan/profile/profile_config.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "zhixuan/base/json_reader.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;

Status ReadNumber(const Json& j, const char* key, double lo, double hi, double* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < lo || it->get<double>() > hi)
    return MalformedModel(std::string("manifest profile.") + key + " must be a number in [" + std::to_string(lo) +
                          ", " + std::to_string(hi) + "]");
  *out = it->get<double>();
  return Status::Ok();
}

}  // namespace

double ProfileConfig::WeightOf(const Event& e) const {
  const double w = weights[static_cast<int>(e.type)];
  if (e.type == EventType::kRate && e.has_value()) return w * (2.0 * e.value / rate_scale - 1.0);
  return w;
}

double ProfileConfig::AsOf(double latest_ts) const {
  if (decay_tick_ms <= 0) return latest_ts;
  return std::ceil(latest_ts / decay_tick_ms) * decay_tick_ms;
}

StatusOr<ProfileConfig> ParseProfileConfig(const std::string& manifest_json) {
  ProfileConfig config;
  // Cheap exit for the common manifest without the key (it was validated at load); a key
  // spelled with \u escapes is the one way to hide it from this search, so those parse.
  if (manifest_json.empty() ||
      (manifest_json.find("\"profile\"") == std::string::npos && manifest_json.find("\\u") == std::string::npos))
    return config;
  // The manifest can be large (every item id): find "profile" with the lean reader, then
  // hand only that object to nlohmann.
  JsonDocument manifest;
  if (!manifest.Parse(manifest_json, nullptr) || !manifest.root().is_object()) return MalformedModel("manifest is not a JSON object");
  const JsonValue profile = manifest.root().Find("profile");
  if (!profile.exists() || profile.is_null()) return config;
  if (!profile.is_object()) return MalformedModel("manifest profile is not an object");
  const Json profile_json = Json::parse(profile.raw_json(), nullptr, false);
  const Json* p = &profile_json;
  if (auto w = p->find("weights"); w != p->end() && !w->is_null()) {
    if (!w->is_object()) return MalformedModel("manifest profile.weights is not an object {type: weight}");
    for (auto it = w->begin(); it != w->end(); ++it) {
      EventType type;
      if (!ParseEventType(it.key(), &type)) return MalformedModel("manifest profile.weights names unknown event type '" + it.key() + "'");
      if (!it->is_number() || !std::isfinite(it->get<double>()) || std::fabs(it->get<double>()) > 1000)
        return MalformedModel("manifest profile.weights." + it.key() + " must be a number in [-1000, 1000]");
      config.weights[static_cast<int>(type)] = it->get<double>();
    }
  }
  double half_life_days = config.half_life_ms / 86400e3, tick_hours = config.decay_tick_ms / 3600e3;
  double max_events = static_cast<double>(config.max_events), future_minutes = config.future_tolerance_ms / 60e3;
  double snapshot_every = static_cast<double>(config.snapshot_every);
  ZX_RETURN_IF_ERROR(ReadNumber(*p, "half_life_days", 0, 36500, &half_life_days));
  ZX_RETURN_IF_ERROR(ReadNumber(*p, "decay_tick_hours", 0, 24 * 365, &tick_hours));
  ZX_RETURN_IF_ERROR(ReadNumber(*p, "max_events", 1, 1e6, &max_events));
  ZX_RETURN_IF_ERROR(ReadNumber(*p, "rate_scale", 1e-6, 1e6, &config.rate_scale));
  ZX_RETURN_IF_ERROR(ReadNumber(*p, "max_value", 1, 1e15, &config.max_value));
  ZX_RETURN_IF_ERROR(ReadNumber(*p, "future_tolerance_minutes", 0, 60 * 24 * 7, &future_minutes));
  ZX_RETURN_IF_ERROR(ReadNumber(*p, "snapshot_every", 1, 1e6, &snapshot_every));
  config.half_life_ms = half_life_days * 86400e3;
  config.decay_tick_ms = tick_hours * 3600e3;
  config.max_events = static_cast<int64_t>(max_events);
  config.future_tolerance_ms = future_minutes * 60e3;
  config.snapshot_every = static_cast<int64_t>(snapshot_every);
  if (auto names = p->find("segment_names"); names != p->end() && !names->is_null()) {
    if (!names->is_array()) return MalformedModel("manifest profile.segment_names is not an array of strings");
    for (const Json& n : *names) {
      if (!n.is_string()) return MalformedModel("manifest profile.segment_names holds a non-string");
      config.segment_names.push_back(n.get<std::string>());
    }
  }
  return config;
}

}  // namespace zhixuan

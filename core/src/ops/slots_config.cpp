#include "zhixuan/ops/slots_config.hpp"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "zhixuan/ops/experiments.hpp"

namespace zhixuan {
namespace {

using nlohmann::json;

constexpr const char* kStrategies[] = {"personal", "popular",     "new",        "long_tail",
                                       "promoted", "also_bought", "cold_start", "interests"};

constexpr double kMaxPrior = 1e9;

Status Malformed(const std::string& where, const std::string& what) {
  return {StatusCode::kMalformedExperiments, "experiments file: bandits" + where + ": " + what};
}

Status KnownKeys(const json& o, const std::string& where, std::initializer_list<const char*> known) {
  for (auto it = o.begin(); it != o.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (!found) return Malformed(where, "unknown key '" + it.key() + "'");
  }
  return Status::Ok();
}

Status Number(const json& o, const char* key, const std::string& where, double lo, double hi, double* out) {
  if (!o.contains(key)) return Status::Ok();
  const json& v = o[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi)
    return Malformed(where, std::string("'") + key + "' must be a number in [" + json(lo).dump() + ", " + json(hi).dump() + "]");
  *out = v.get<double>();
  return Status::Ok();
}

Status Strings(const json& o, const char* key, const std::string& where, std::vector<std::string>* out) {
  if (!o.contains(key)) return Status::Ok();
  const json& v = o[key];
  if (!v.is_array() || v.size() > 1000) return Malformed(where, std::string("'") + key + "' must be an array of strings");
  for (const json& s : v) {
    if (!s.is_string() || s.get<std::string>().empty() || s.get<std::string>().size() > 128)
      return Malformed(where, std::string("'") + key + "' must hold strings of 1..128 bytes");
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Status Text(const json& o, const char* key, const std::string& where, bool required, std::string* out) {
  if (!o.contains(key)) return required ? Malformed(where, std::string("'") + key + "' is required") : Status::Ok();
  if (!o[key].is_string() || o[key].get<std::string>().empty() || o[key].get<std::string>().size() > 128)
    return Malformed(where, std::string("'") + key + "' must be a string of 1..128 bytes");
  *out = o[key].get<std::string>();
  return Status::Ok();
}

Status BetaPrior(const json& p, const std::string& where, ArmPrior* prior) {
  ZX_RETURN_IF_ERROR(Number(p, "alpha", where, 1e-6, kMaxPrior, &prior->alpha));
  return Number(p, "beta", where, 1e-6, kMaxPrior, &prior->beta);
}

Status NormalPrior(const json& p, const std::string& where, ArmPrior* prior) {
  ZX_RETURN_IF_ERROR(Number(p, "mean", where, -kMaxPrior, kMaxPrior, &prior->mean));
  ZX_RETURN_IF_ERROR(Number(p, "kappa", where, 1e-6, kMaxPrior, &prior->kappa));
  ZX_RETURN_IF_ERROR(Number(p, "shape", where, 1e-3, kMaxPrior, &prior->shape));
  return Number(p, "scale", where, 1e-9, kMaxPrior, &prior->scale);
}

Status ParsePrior(const json& p, BanditModel model, const std::string& where, ArmPrior* prior) {
  if (!p.is_object()) return Malformed(where, "must be an object");
  switch (model) {
    case BanditModel::kBeta:
      ZX_RETURN_IF_ERROR(KnownKeys(p, where, {"alpha", "beta"}));
      return BetaPrior(p, where, prior);
    case BanditModel::kGaussian:
    case BanditModel::kLogNormal:
      ZX_RETURN_IF_ERROR(KnownKeys(p, where, {"mean", "kappa", "shape", "scale"}));
      return NormalPrior(p, where, prior);
    case BanditModel::kFunnel:  // the click rate's and the conversion's Betas, the amount's normal-inverse-gamma
      ZX_RETURN_IF_ERROR(KnownKeys(p, where, {"alpha", "beta", "conversion_alpha", "conversion_beta", "mean", "kappa", "shape", "scale"}));
      ZX_RETURN_IF_ERROR(BetaPrior(p, where, prior));
      ZX_RETURN_IF_ERROR(Number(p, "conversion_alpha", where, 1e-6, kMaxPrior, &prior->conversion_alpha));
      ZX_RETURN_IF_ERROR(Number(p, "conversion_beta", where, 1e-6, kMaxPrior, &prior->conversion_beta));
      return NormalPrior(p, where, prior);
    case BanditModel::kLinear:
      ZX_RETURN_IF_ERROR(KnownKeys(p, where, {"lambda", "noise"}));
      ZX_RETURN_IF_ERROR(Number(p, "lambda", where, 1e-6, kMaxPrior, &prior->lambda));
      return Number(p, "noise", where, 1e-6, kMaxPrior, &prior->noise);
  }
  return Status::Ok();
}

Status ParseSlot(const json& s, const std::string& where, SlotSpec* spec) {
  if (!s.is_object()) return Malformed(where, "must be an object");
  ZX_RETURN_IF_ERROR(KnownKeys(s, where, {"slot", "model", "reward", "delay_window_seconds", "exploration", "samples",
                                          "split_by", "examination", "max_reward", "conversion_pooling", "prior", "arms", "description"}));
  ZX_RETURN_IF_ERROR(Text(s, "slot", where, true, &spec->slot));
  std::string model = "beta", reward;
  ZX_RETURN_IF_ERROR(Text(s, "model", where, false, &model));
  if (model == "beta") spec->model = BanditModel::kBeta;
  else if (model == "gaussian") spec->model = BanditModel::kGaussian;
  else if (model == "lognormal") spec->model = BanditModel::kLogNormal;
  else if (model == "funnel") spec->model = BanditModel::kFunnel;
  else if (model == "linear") spec->model = BanditModel::kLinear;
  else return Malformed(where, "'model' must be beta, gaussian, lognormal, funnel or linear, not '" + model + "'");
  // A revenue model learns amounts; a Beta model learns 0/1 rewards: the default follows the model.
  const bool revenue_model = spec->model == BanditModel::kGaussian || spec->model == BanditModel::kLogNormal || spec->model == BanditModel::kFunnel;
  reward = revenue_model ? "revenue" : "click";
  ZX_RETURN_IF_ERROR(Text(s, "reward", where, false, &reward));
  if (reward == "click") spec->reward = RewardKind::kClick;
  else if (reward == "cart") spec->reward = RewardKind::kCart;
  else if (reward == "purchase") spec->reward = RewardKind::kPurchase;
  else if (reward == "revenue") spec->reward = RewardKind::kRevenue;
  else return Malformed(where, "'reward' must be click, cart, purchase or revenue, not '" + reward + "'");
  if (spec->model == BanditModel::kBeta && !spec->binary()) return Malformed(where, "a beta model needs a 0/1 reward (click, cart, purchase)");
  if (spec->model == BanditModel::kFunnel && spec->binary()) return Malformed(where, "a funnel model learns revenue ('reward': 'revenue')");
  double window = static_cast<double>(spec->delay_window_s), samples = spec->samples;
  ZX_RETURN_IF_ERROR(Number(s, "delay_window_seconds", where, 60, 30 * 86400, &window));
  spec->delay_window_s = static_cast<int64_t>(window);
  ZX_RETURN_IF_ERROR(Number(s, "exploration", where, 0, 0.5, &spec->exploration));
  ZX_RETURN_IF_ERROR(Number(s, "samples", where, 10, 10000, &samples));
  spec->samples = static_cast<int>(samples);
  ZX_RETURN_IF_ERROR(Number(s, "max_reward", where, 1e-9, 1e12, &spec->max_reward));
  ZX_RETURN_IF_ERROR(Number(s, "conversion_pooling", where, 0, 1e6, &spec->conversion_pooling));
  if (spec->conversion_pooling > 0 && spec->model != BanditModel::kFunnel) return Malformed(where, "'conversion_pooling' is for the funnel model");
  ZX_RETURN_IF_ERROR(Strings(s, "split_by", where, &spec->split_by));
  for (const auto& key : spec->split_by) {
    if (key != "channel" && key != "device" && key != "segment")
      return Malformed(where, "'split_by' keys are channel, device or segment, not '" + key + "'");
  }
  if (!spec->split_by.empty() && spec->model == BanditModel::kLinear)
    return Malformed(where, "'split_by' is for beta, gaussian, lognormal and funnel (the linear model reads the whole context)");
  if (s.contains("examination")) {
    const json& e = s["examination"];
    if (!e.is_array() || e.empty() || e.size() > kMaxExaminationPositions)
      return Malformed(where, "'examination' must be an array of 1.." + std::to_string(kMaxExaminationPositions) + " numbers");
    for (const json& x : e) {
      if (!x.is_number() || !(x.get<double>() > 0) || x.get<double>() > 1)
        return Malformed(where, "'examination' values must be in (0, 1]");
      spec->examination.push_back(x.get<double>());
    }
  }
  ArmPrior slot_prior;
  if (s.contains("prior")) ZX_RETURN_IF_ERROR(ParsePrior(s["prior"], spec->model, where + ".prior", &slot_prior));
  if (!s.contains("arms") || !s["arms"].is_array() || s["arms"].size() < 2 || s["arms"].size() > kMaxBanditArms)
    return Malformed(where, "'arms' must be an array of 2.." + std::to_string(kMaxBanditArms) + " arms");
  std::set<std::string> ids;
  for (size_t i = 0; i < s["arms"].size(); ++i) {
    const json& a = s["arms"][i];
    const std::string aw = where + ".arms[" + std::to_string(i) + "]";
    if (!a.is_object()) return Malformed(aw, "must be an object");
    ZX_RETURN_IF_ERROR(KnownKeys(a, aw, {"id", "strategy", "item", "prior", "cell_priors", "description"}));
    BanditArm arm;
    arm.prior = slot_prior;
    ZX_RETURN_IF_ERROR(Text(a, "id", aw, true, &arm.id));
    ZX_RETURN_IF_ERROR(Text(a, "strategy", aw, false, &arm.strategy));
    ZX_RETURN_IF_ERROR(Text(a, "item", aw, false, &arm.item));
    if (arm.strategy.empty() && arm.item.empty()) return Malformed(aw, "an arm names a 'strategy', an 'item' or both");
    if (!arm.strategy.empty() && !IsKnownStrategy(arm.strategy))
      return {StatusCode::kUnknownStrategy, "experiments file: bandits" + aw + ": unknown strategy '" + arm.strategy +
                                                "' (personal, popular, new, long_tail, promoted, also_bought, cold_start, interests)"};
    if (a.contains("prior")) ZX_RETURN_IF_ERROR(ParsePrior(a["prior"], spec->model, aw + ".prior", &arm.prior));
    if (a.contains("cell_priors")) {
      const json& cp = a["cell_priors"];
      if (!cp.is_object() || cp.size() > 10000) return Malformed(aw, "'cell_priors' must be an object of priors by cell");
      for (auto it = cp.begin(); it != cp.end(); ++it) {
        ArmPrior cell_prior = arm.prior;
        // A funnel's cells differ in their click rate only (the revenue per click is the arm's).
        const BanditModel cell_model = spec->model == BanditModel::kFunnel ? BanditModel::kBeta : spec->model;
        ZX_RETURN_IF_ERROR(ParsePrior(it.value(), cell_model, aw + ".cell_priors." + it.key(), &cell_prior));
        arm.cell_priors[it.key()] = cell_prior;
      }
    }
    if (!ids.insert(arm.id).second) return Malformed(aw, "duplicate arm id '" + arm.id + "'");
    spec->arms.push_back(std::move(arm));
  }
  return Status::Ok();
}

}  // namespace

const char* BanditModelName(BanditModel m) {
  switch (m) {
    case BanditModel::kBeta: return "beta";
    case BanditModel::kGaussian: return "gaussian";
    case BanditModel::kLogNormal: return "lognormal";
    case BanditModel::kFunnel: return "funnel";
    case BanditModel::kLinear: return "linear";
  }
  return "beta";
}

const char* RewardKindName(RewardKind r) {
  switch (r) {
    case RewardKind::kClick: return "click";
    case RewardKind::kCart: return "cart";
    case RewardKind::kPurchase: return "purchase";
    case RewardKind::kRevenue: return "revenue";
  }
  return "click";
}

bool IsKnownStrategy(std::string_view name) {
  for (const char* s : kStrategies) {
    if (name == s) return true;
  }
  return false;
}

double SlotSpec::Examination(int position) const {
  if (examination.empty() || position < 0) return 1.0;
  return examination[std::min<size_t>(static_cast<size_t>(position), examination.size() - 1)];
}

const SlotSpec* SlotsConfig::find(std::string_view slot) const {
  for (const auto& s : slots) {
    if (s.slot == slot) return &s;
  }
  return nullptr;
}

StatusOr<SlotsConfig> ParseSlotsConfig(std::string_view text) {
  if (text.size() > kMaxExperimentsBytes)
    return Status(StatusCode::kTooLarge, "experiments file of " + std::to_string(text.size()) + " bytes exceeds " +
                                             std::to_string(kMaxExperimentsBytes));
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed("", "the file is not a JSON object");
  SlotsConfig config;
  if (!j.contains("bandits")) return config;
  const json& b = j["bandits"];
  if (!b.is_object()) return Malformed("", "must be an object");
  ZX_RETURN_IF_ERROR(KnownKeys(b, "", {"channels", "segments", "slots", "description", "folded"}));
  ZX_RETURN_IF_ERROR(Strings(b, "channels", "", &config.channels));
  ZX_RETURN_IF_ERROR(Strings(b, "segments", "", &config.segments));
  if (!b.contains("slots") || !b["slots"].is_array() || b["slots"].size() > kMaxBanditSlots)
    return Malformed("", "'slots' must be an array of at most " + std::to_string(kMaxBanditSlots) + " slots");
  std::set<std::string> names;
  for (size_t i = 0; i < b["slots"].size(); ++i) {
    SlotSpec spec;
    ZX_RETURN_IF_ERROR(ParseSlot(b["slots"][i], ".slots[" + std::to_string(i) + "]", &spec));
    if (!names.insert(spec.slot).second) return Malformed(".slots[" + std::to_string(i) + "]", "duplicate slot '" + spec.slot + "'");
    config.slots.push_back(std::move(spec));
  }
  return config;
}

}  // namespace zhixuan

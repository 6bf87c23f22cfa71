// SlotBandit's state across page loads (slot_bandit.hpp: StateJson, RestoreState). Everything is
// read into a fresh state and swapped in only when all of it is valid, so a damaged record never
// reaches a posterior.
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "zhixuan/ops/slot_bandit.hpp"

namespace zhixuan {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "zhixuan-slots-1";

Status BadState(const std::string& what) { return {StatusCode::kMalformedPayload, "slots state: " + what}; }

json Sums(const ArmStats& s) { return json::array({s.n, s.sum, s.sum_sq}); }

bool Finite(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// [n, sum, sumSq]: n and sumSq >= 0; sum >= 0 too (rewards, amounts and log1p amounts are >= 0).
bool ReadSums(const json& v, ArmStats* out) {
  if (!v.is_array() || v.size() != 3) return false;
  for (const json& x : v) {
    if (!Finite(x) || x.get<double>() < 0) return false;
  }
  *out = {v[0].get<double>(), v[1].get<double>(), v[2].get<double>()};
  return true;
}

bool ReadVector(const json& v, int size, Eigen::VectorXd* out) {
  if (!v.is_array() || static_cast<int>(v.size()) != size) return false;
  out->resize(size);
  for (int i = 0; i < size; ++i) {
    if (!Finite(v[i])) return false;
    (*out)[i] = v[i].get<double>();
  }
  return true;
}

json Vector(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

bool ReadId(const json& v, uint64_t* out) {
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 16) return false;
  for (char c : v.get<std::string>()) {
    if (c < '0' || c > '9') return false;
  }
  *out = std::strtoull(v.get<std::string>().c_str(), nullptr, 10);
  return *out != 0;
}

}  // namespace

std::string SlotBandit::StateJson() const {
  json slots = json::array();
  for (const SlotSpec& spec : config_.slots) {
    const SlotState& s = state_.at(spec.slot);
    json arms = json::array();
    for (size_t a = 0; a < spec.arms.size(); ++a) {
      json cells = json::object();
      for (const auto& [cell, st] : s.cells[a]) cells[cell] = Sums(st);
      const LinearArmStats& l = s.linear[a];
      json arm = {{"id", spec.arms[a].id}, {"chosen", s.chosen[a]}, {"cells", cells},
                  {"conversion", Sums(s.value[a].conversion)}, {"amount", Sums(s.value[a].amount)}};
      if (spec.model == BanditModel::kLinear) {
        arm["xtx"] = std::vector<double>(l.xtx.data(), l.xtx.data() + l.xtx.size());
        arm["xtr"] = Vector(l.xtr);
        arm["n"] = l.n;
      }
      arms.push_back(arm);
    }
    slots.push_back({{"slot", spec.slot}, {"model", BanditModelName(spec.model)}, {"arms", arms}});
  }
  json pending = json::array();
  for (const uint64_t id : pending_order_) {
    const auto it = pending_.find(id);
    if (it == pending_.end()) continue;
    const Pending& p = it->second;
    pending.push_back({{"r", std::to_string(id)}, {"s", p.slot}, {"a", p.arm_id}, {"c", p.cell}, {"p", p.position},
                       {"t", p.time_s}, {"w", p.reward}, {"k", p.clicked}, {"b", p.purchased}, {"x", Vector(p.features)}});
  }
  json recent = json::array();
  for (const uint64_t id : recent_order_) {
    const auto it = recent_.find(id);
    if (it != recent_.end()) recent.push_back({{"r", std::to_string(id)}, {"s", it->second.slot}, {"w", it->second.rewarded}});
  }
  return json({{"format", kFormat}, {"clock", clock_}, {"slots", slots}, {"pending", pending}, {"recent", recent}}).dump();
}

Status SlotBandit::RestoreState(std::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  // (is_string before the comparison: json::value would throw on a "format" of another type)
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || !j["format"].is_string() || j["format"] != kFormat)
    return BadState("not a slots state");
  if (!j.contains("clock") || !Finite(j["clock"]) || j["clock"].get<double>() < 0) return BadState("'clock' must be a number >= 0");
  for (const char* key : {"slots", "pending", "recent"}) {
    if (!j.contains(key) || !j[key].is_array()) return BadState(std::string("'") + key + "' must be an array");
  }
  if (j["pending"].size() > kMaxPendingRenders || j["recent"].size() > kMaxRecentRenders) return BadState("too many renders");
  const int dim = SlotFeatureDim(config_);

  // A fresh state for the config in force, filled from the record.
  std::map<std::string, SlotState> next;
  for (const SlotSpec& spec : config_.slots) next[spec.slot] = SlotState::Empty(spec, dim);
  for (const json& slot : j["slots"]) {
    if (!slot.is_object() || !slot.contains("slot") || !slot["slot"].is_string() || !slot.contains("model") ||
        !slot["model"].is_string() || !slot.contains("arms") || !slot["arms"].is_array())
      return BadState("a slot is malformed");
    const SlotSpec* spec = config_.find(slot["slot"].get<std::string>());
    const bool kept = spec && slot["model"].get<std::string>() == BanditModelName(spec->model);
    for (const json& arm : slot["arms"]) {
      if (!arm.is_object() || !arm.contains("id") || !arm["id"].is_string() || !arm.contains("chosen") || !Finite(arm["chosen"]) ||
          arm["chosen"].get<double>() < 0 || !arm.contains("cells") || !arm["cells"].is_object() || !arm.contains("conversion") ||
          !arm.contains("amount"))
        return BadState("an arm is malformed");
      int a = -1;
      for (size_t i = 0; kept && i < spec->arms.size(); ++i) {
        if (spec->arms[i].id == arm["id"].get<std::string>()) a = static_cast<int>(i);
      }
      std::map<std::string, ArmStats> cells;
      for (auto it = arm["cells"].begin(); it != arm["cells"].end(); ++it) {
        if (!ReadSums(it.value(), &cells[it.key()])) return BadState("a cell's sums must be [n, sum, sumSq], finite and >= 0");
      }
      FunnelValue value;
      if (!ReadSums(arm["conversion"], &value.conversion) || !ReadSums(arm["amount"], &value.amount))
        return BadState("an arm's funnel sums must be [n, sum, sumSq], finite and >= 0");
      LinearArmStats linear;
      linear.Resize(dim);
      if (kept && spec->model == BanditModel::kLinear) {
        Eigen::VectorXd xtx;
        if (!arm.contains("xtx") || !arm.contains("xtr") || !arm.contains("n") || !ReadVector(arm["xtx"], dim * dim, &xtx) ||
            !ReadVector(arm["xtr"], dim, &linear.xtr) || !Finite(arm["n"]) || arm["n"].get<double>() < 0)
          return BadState("a linear arm's statistics do not match the context's features");
        linear.xtx = Eigen::Map<Eigen::MatrixXd>(xtx.data(), dim, dim);
        linear.n = arm["n"].get<double>();
      }
      if (a < 0) continue;  // the arm left the config
      SlotState& s = next[spec->slot];
      s.cells[a] = std::move(cells);
      s.value[a] = value;
      s.linear[a] = std::move(linear);
      s.chosen[a] = arm["chosen"].get<double>();
    }
  }

  std::unordered_map<uint64_t, Pending> pending;
  std::deque<uint64_t> pending_order;
  double last_time = 0;
  for (const json& p : j["pending"]) {
    uint64_t id = 0;
    if (!p.is_object() || !p.contains("r") || !ReadId(p["r"], &id) || pending.count(id) || !p.contains("s") || !p["s"].is_string() ||
        !p.contains("a") || !p["a"].is_string() || !p.contains("c") || !p["c"].is_string() || !p.contains("p") ||
        !p["p"].is_number_integer() || p["p"].get<int64_t>() < 0 || p["p"].get<int64_t>() > 999 || !p.contains("t") || !Finite(p["t"]) ||
        p["t"].get<double>() < last_time || !p.contains("w") || !Finite(p["w"]) || p["w"].get<double>() < 0 || !p.contains("k") ||
        !p["k"].is_boolean() || !p.contains("b") || !p["b"].is_boolean() || !p.contains("x") || !p["x"].is_array())
      return BadState("a pending render is malformed");
    Pending x;
    x.slot = p["s"].get<std::string>();
    x.arm_id = p["a"].get<std::string>();
    x.cell = p["c"].get<std::string>();
    x.position = static_cast<int>(p["p"].get<int64_t>());
    x.time_s = last_time = p["t"].get<double>();
    x.reward = p["w"].get<double>();
    x.clicked = p["k"].get<bool>();
    x.purchased = p["b"].get<bool>();
    if (!p["x"].empty() && !ReadVector(p["x"], dim, &x.features)) return BadState("a pending render's features do not match the context");
    pending[id] = std::move(x);
    pending_order.push_back(id);
  }
  std::unordered_map<uint64_t, Closed> recent;
  std::deque<uint64_t> recent_order;
  for (const json& r : j["recent"]) {
    uint64_t id = 0;
    if (!r.is_object() || !r.contains("r") || !ReadId(r["r"], &id) || !r.contains("s") || !r["s"].is_string() || !r.contains("w") ||
        !r["w"].is_boolean())
      return BadState("a closed render is malformed");
    recent[id] = {r["s"].get<std::string>(), r["w"].get<bool>()};
    recent_order.push_back(id);
  }

  state_ = std::move(next);
  pending_ = std::move(pending);
  pending_order_ = std::move(pending_order);
  recent_ = std::move(recent);
  recent_order_ = std::move(recent_order);
  clock_ = std::max(clock_, j["clock"].get<double>());
  return Status::Ok();
}

}  // namespace zhixuan

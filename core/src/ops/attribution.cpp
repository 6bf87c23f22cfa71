#include "zhixuan/ops/attribution.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace zhixuan {
namespace {

using nlohmann::json;

Status BadState(const std::string& what) { return {StatusCode::kMalformedPayload, "attribution state: " + what}; }

}  // namespace

Status Attributor::AddRender(const Render& render) {
  if (render.slot.empty()) return InvalidArgument("a render needs its slot");
  if (render.items.size() > kMaxRenderItems)
    return InvalidArgument("a render of " + std::to_string(render.items.size()) + " items exceeds " + std::to_string(kMaxRenderItems));
  if (!render.propensities.empty() && render.propensities.size() != render.items.size())
    return InvalidArgument("propensities must be empty or one per item");
  for (double p : render.propensities)
    if (!(p > 0 && p <= 1)) return InvalidArgument("a propensity must be in (0, 1]");
  Expire(render.time_s);
  for (size_t i = 0; i < render.items.size(); ++i) {
    if (impressions_.size() >= kMaxImpressionsKept) impressions_.pop_front();
    impressions_.push_back({render.render_id, render.items[i], render.slot, render.list, render.channel, static_cast<int32_t>(i),
                            render.propensities.empty() ? 1.0 : render.propensities[i], render.time_s, render.arms});
  }
  DayCells& day = days_[UtcDay(render.time_s)];
  for (const ExperimentArm& arm : render.arms) {
    CellCounts& cell = day[{arm.experiment, arm.variant, render.slot, render.channel}];
    cell.users = 1;
    cell.impressions += static_cast<double>(render.items.size());
  }
  return Status::Ok();
}

void Attributor::Expire(int64_t now_s) {
  while (!impressions_.empty() && impressions_.front().time_s < now_s - window_s_) impressions_.pop_front();
}

StatusOr<OpsEventType> ParseOpsEventType(const std::string& name) {
  if (name == "click") return OpsEventType::kClick;
  if (name == "cart") return OpsEventType::kCart;
  if (name == "purchase") return OpsEventType::kPurchase;
  return InvalidArgument("event type must be click, cart or purchase, got '" + name + "'");
}

StatusOr<std::optional<Touch>> Attributor::Observe(OpsEventType type, const std::string& item, double amount, int64_t time_s) {
  if (!std::isfinite(amount) || amount < 0) return InvalidArgument("an event's amount must be a finite number >= 0");
  for (auto it = impressions_.rbegin(); it != impressions_.rend(); ++it) {
    Impression& im = *it;
    if (im.item != item || im.time_s > time_s || im.time_s < time_s - window_s_) continue;
    bool* taken = type == OpsEventType::kClick ? &im.clicked : type == OpsEventType::kCart ? &im.carted : &im.purchased;
    if (*taken) return std::optional<Touch>();  // the latest impression already took this event type
    *taken = true;
    DayCells& day = days_[UtcDay(time_s)];
    for (const ExperimentArm& arm : im.arms) {
      CellCounts& cell = day[{arm.experiment, arm.variant, im.slot, im.channel}];
      if (type == OpsEventType::kClick) cell.clicks += 1;
      if (type == OpsEventType::kCart) cell.carts += 1;
      if (type == OpsEventType::kPurchase) {
        cell.purchases += 1;
        cell.revenue += amount;
      }
    }
    return std::optional<Touch>(Touch{im.render_id, im.slot, im.list, im.channel, im.position, im.propensity, im.time_s, im.arms});
  }
  return std::optional<Touch>();
}

std::vector<int64_t> Attributor::days() const {
  std::vector<int64_t> out;
  for (const auto& [day, cells] : days_) out.push_back(day);
  return out;
}

const DayCells* Attributor::cells(int64_t day) const {
  auto it = days_.find(day);
  return it == days_.end() ? nullptr : &it->second;
}

void Attributor::DropDaysBefore(int64_t day) {
  days_.erase(days_.begin(), days_.lower_bound(day));
}

std::string Attributor::ToJson() const {
  json out = {{"format", "zhixuan-attribution-1"}, {"window_s", window_s_}};
  json ims = json::array();
  for (const Impression& im : impressions_) {
    json arms = json::array();
    for (const ExperimentArm& a : im.arms) arms.push_back({a.experiment, a.variant});
    ims.push_back({{"r", std::to_string(im.render_id)}, {"i", im.item}, {"s", im.slot}, {"l", im.list}, {"c", im.channel},
                   {"p", im.position}, {"q", im.propensity}, {"t", im.time_s}, {"a", arms},
                   {"f", (im.clicked ? 1 : 0) | (im.carted ? 2 : 0) | (im.purchased ? 4 : 0)}});
  }
  out["impressions"] = ims;
  json days = json::array();
  for (const auto& [day, cells] : days_) {
    json cs = json::array();
    for (const auto& [k, c] : cells)
      cs.push_back({k.experiment, k.variant, k.slot, k.channel, c.users, c.impressions, c.clicks, c.carts, c.purchases, c.revenue});
    days.push_back({{"day", day}, {"cells", cs}});
  }
  out["days"] = days;
  return out.dump();
}

StatusOr<Attributor> Attributor::FromJson(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "zhixuan-attribution-1") return BadState("not an attribution state");
  if (!j.contains("window_s") || !j["window_s"].is_number_integer()) return BadState("'window_s' is missing");
  Attributor a(j["window_s"].get<int64_t>());
  if (!j.contains("impressions") || !j["impressions"].is_array() || !j.contains("days") || !j["days"].is_array())
    return BadState("'impressions' and 'days' must be arrays");
  if (j["impressions"].size() > kMaxImpressionsKept) return BadState("too many impressions");
  for (const json& im : j["impressions"]) {
    if (!im.is_object() || !im.contains("r") || !im["r"].is_string() || !im.contains("i") || !im["i"].is_string() ||
        !im.contains("s") || !im["s"].is_string() || !im.contains("l") || !im["l"].is_string() || !im.contains("c") ||
        !im["c"].is_string() || !im.contains("p") || !im["p"].is_number_integer() || !im.contains("q") || !im["q"].is_number() ||
        !im.contains("t") || !im["t"].is_number_integer() || !im.contains("a") || !im["a"].is_array() || !im.contains("f") ||
        !im["f"].is_number_integer())
      return BadState("an impression is malformed");
    Impression x{std::strtoull(im["r"].get<std::string>().c_str(), nullptr, 10), im["i"].get<std::string>(), im["s"].get<std::string>(),
                 im["l"].get<std::string>(), im["c"].get<std::string>(), static_cast<int32_t>(im["p"].get<int64_t>()),
                 im["q"].get<double>(), im["t"].get<int64_t>(), {}};
    for (const json& arm : im["a"]) {
      if (!arm.is_array() || arm.size() != 2 || !arm[0].is_string() || !arm[1].is_string()) return BadState("an arm is malformed");
      x.arms.push_back({arm[0].get<std::string>(), arm[1].get<std::string>()});
    }
    const int64_t f = im["f"].get<int64_t>();
    x.clicked = f & 1;
    x.carted = f & 2;
    x.purchased = f & 4;
    a.impressions_.push_back(std::move(x));
  }
  for (const json& d : j["days"]) {
    if (!d.is_object() || !d.contains("day") || !d["day"].is_number_integer() || !d.contains("cells") || !d["cells"].is_array())
      return BadState("a day is malformed");
    DayCells& cells = a.days_[d["day"].get<int64_t>()];
    for (const json& c : d["cells"]) {
      if (!c.is_array() || c.size() != 10) return BadState("a cell is malformed");
      for (int i = 0; i < 4; ++i)
        if (!c[i].is_string()) return BadState("a cell key is malformed");
      for (int i = 4; i < 10; ++i)
        if (!c[i].is_number() || !std::isfinite(c[i].get<double>()) || c[i].get<double>() < 0) return BadState("a cell count is malformed");
      cells[{c[0].get<std::string>(), c[1].get<std::string>(), c[2].get<std::string>(), c[3].get<std::string>()}] =
          CellCounts{c[4].get<double>(), c[5].get<double>(), c[6].get<double>(), c[7].get<double>(), c[8].get<double>(), c[9].get<double>()};
    }
  }
  return a;
}

}  // namespace zhixuan

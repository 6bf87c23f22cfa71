#include "zhixuan/ops/runtime.hpp"

#include <nlohmann/json.hpp>
#include <utility>

namespace zhixuan {

using nlohmann::json;

Status OpsRuntime::RestoreAttribution(const std::string& text) {
  auto restored = Attributor::FromJson(text);
  if (!restored.ok()) return restored.status();
  const int64_t window = attributor_.window_s();
  attributor_ = std::move(restored).value();
  if (set_) attributor_.set_window_s(window);
  return Status::Ok();
}

Status OpsRuntime::Load(std::string_view text) {
  auto parsed = ParseExperiments(text);
  if (!parsed.ok()) return parsed.status();
  set_ = std::move(*parsed);
  attributor_.set_window_s(set_->attribution_window_s);
  return Status::Ok();
}

std::string OpsRuntime::AssignJson(std::string_view experiment_id, const UserContext& user) const {
  json out = {{"experiment", std::string(experiment_id)}};
  if (!set_) {
    out.update({{"variant", nullptr}, {"inExperiment", false}, {"reason", "no-experiments-file"}, {"control", nullptr}});
    return out.dump();
  }
  const Assignment a = AssignExperiment(*set_, experiment_id, user);
  const Experiment* e = set_->find(experiment_id);
  out["inExperiment"] = a.in_experiment;
  out["variant"] = a.in_experiment ? json(a.variant) : json(nullptr);
  out["reason"] = a.reason;
  out["control"] = e ? json(e->variants[e->control_index].id) : json(nullptr);
  return out.dump();
}

std::string OpsRuntime::SlotJson(std::string_view slot, const UserContext& user) const {
  json arms = json::array();
  std::string params = "{}";
  if (set_) {
    const std::vector<Assignment> assignments = AssignSlot(*set_, slot, user);
    for (const Assignment& a : assignments) arms.push_back({a.experiment, a.variant});
    params = MergedParamsJson(*set_, assignments);
  }
  json out = {{"arms", arms}, {"params", json::parse(params)}};
  return out.dump();
}

StatusOr<std::string> OpsRuntime::Observe(OpsEventType type, const std::string& item, double amount, int64_t time_s) {
  auto touch = attributor_.Observe(type, item, amount, time_s);
  if (!touch.ok()) return touch.status();
  if (!touch->has_value()) return std::string("null");
  const Touch& t = **touch;
  json arms = json::array();
  for (const ExperimentArm& a : t.arms) arms.push_back({a.experiment, a.variant});
  return json{{"renderId", std::to_string(t.render_id)}, {"slot", t.slot}, {"list", t.list}, {"channel", t.channel},
              {"position", t.position}, {"propensity", t.propensity}, {"impressionTime", t.impression_time_s}, {"arms", arms}}
      .dump();
}

StatusOr<std::string> OpsRuntime::ReportJson(int64_t day) const {
  if (!set_) return InvalidArgument("no experiments file is loaded");
  const DayCells* cells = attributor_.cells(day);
  static const DayCells kNone;
  auto report = BuildMetricsReport(*set_, day, cells ? *cells : kNone);
  if (!report.ok()) return report.status();
  return MetricsReportToJson(*report);
}

}  // namespace zhixuan

// The device's experiments runtime: the last good experiments file, the attributor and the
// day reports, behind one object the wasm binding (and the native tests) drive.
// A file that fails validation changes nothing: the last good one stays in force, and with no
// good file every slot renders with the control (no params, no arms, nothing recorded).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "zhixuan/ops/attribution.hpp"
#include "zhixuan/ops/experiments.hpp"
#include "zhixuan/ops/metrics_report.hpp"

namespace zhixuan {

class OpsRuntime {
 public:
  // Validates and swaps the file in; on error the previous file stays (and the error is returned).
  Status Load(std::string_view json_text);
  const ExperimentSet* experiments() const { return set_ ? &*set_ : nullptr; }

  // {"experiment", "variant", "inExperiment", "reason", "control"}: the control variant's id is
  // given even when the user is out, so the host can label what it renders.
  std::string AssignJson(std::string_view experiment_id, const UserContext& user) const;
  // {"arms": [[experiment, variant], ...], "params": {recommend options}}; no file: no arms, {}.
  std::string SlotJson(std::string_view slot, const UserContext& user) const;

  Attributor& attributor() { return attributor_; }
  // Restores the attributor from its ToJson text; the loaded file's attribution window stays in
  // force (a stored state never widens or narrows it). On error nothing changes.
  Status RestoreAttribution(const std::string& text);
  Status AddRender(const Render& render) { return attributor_.AddRender(render); }
  // JSON of the Touch, or "null" when unattributed.
  StatusOr<std::string> Observe(OpsEventType type, const std::string& item, double amount, int64_t time_s);
  // The day's report (MetricsReportToJson): all zeros when the day has nothing (a device that
  // saw nothing reports too, so the cell set and the report count reveal nothing).
  StatusOr<std::string> ReportJson(int64_t day) const;

 private:
  std::optional<ExperimentSet> set_;
  Attributor attributor_;
};

}  // namespace zhixuan

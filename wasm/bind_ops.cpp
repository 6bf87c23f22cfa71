// Registrations of the ops room (experiments, attribution, the day's metrics report): the
// logic lives in core (ops/runtime.hpp); this file converts and forwards. js/ops.js validates
// every argument before it crosses.
#include <emscripten/bind.h>

#include <string>

#include "convert.hpp"
#include "zhixuan/ops/bucket.hpp"
#include "zhixuan/ops/runtime.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

// {stableId, channel, isNew, segment, now (seconds)}
UserContext UserOf(const val& u) {
  UserContext c;
  c.stable_id = StringOr(u, "stableId");
  c.channel = StringOr(u, "channel");
  c.segment = StringOr(u, "segment");
  c.is_new = u["isNew"].isTrue();
  c.now_s = static_cast<int64_t>(u["now"].as<double>());
  return c;
}

val Load(OpsRuntime& r, const std::string& text) { return StatusVal(r.Load(text)); }
std::string Assign(OpsRuntime& r, const std::string& experiment, const val& user) { return r.AssignJson(experiment, UserOf(user)); }
std::string Slot(OpsRuntime& r, const std::string& slot, const val& user) { return r.SlotJson(slot, UserOf(user)); }

// {renderId (decimal string), slot, list, channel, time (s), arms: [[experiment, variant]], items: [id], propensities?: Float64Array}
val AddRender(OpsRuntime& r, const val& v) {
  Render render;
  render.render_id = std::strtoull(StringOr(v, "renderId").c_str(), nullptr, 10);
  render.slot = StringOr(v, "slot");
  render.list = StringOr(v, "list");
  render.channel = StringOr(v, "channel");
  render.time_s = static_cast<int64_t>(v["time"].as<double>());
  const val arms = v["arms"];
  for (unsigned i = 0, n = arms["length"].as<unsigned>(); i < n; ++i)
    render.arms.push_back({arms[i][0].as<std::string>(), arms[i][1].as<std::string>()});
  const val items = v["items"];
  for (unsigned i = 0, n = items["length"].as<unsigned>(); i < n; ++i) render.items.push_back(items[i].as<std::string>());
  render.propensities = CopyIn<double>(v["propensities"]);
  return StatusVal(r.AddRender(render));
}

val Observe(OpsRuntime& r, const std::string& type, const std::string& item, double amount, double time_s) {
  OpsEventType t = type == "click" ? OpsEventType::kClick : type == "cart" ? OpsEventType::kCart : OpsEventType::kPurchase;
  if (type != "click" && type != "cart" && type != "purchase") return ErrorVal(InvalidArgument("event type must be click, cart or purchase"));
  auto touch = r.Observe(t, item, amount, static_cast<int64_t>(time_s));
  if (!touch.ok()) return ErrorVal(touch.status());
  val out = val::object();
  out.set("touch", *touch);
  return out;
}

val Report(OpsRuntime& r, double day) {
  auto report = r.ReportJson(static_cast<int64_t>(day));
  if (!report.ok()) return ErrorVal(report.status());
  val out = val::object();
  out.set("report", *report);
  return out;
}

val Days(OpsRuntime& r) {
  val out = val::array();
  const auto days = r.attributor().days();
  for (size_t i = 0; i < days.size(); ++i) out.set(i, static_cast<double>(days[i]));
  return out;
}

void DropDaysBefore(OpsRuntime& r, double day) { r.attributor().DropDaysBefore(static_cast<int64_t>(day)); }
std::string StateJson(OpsRuntime& r) { return r.attributor().ToJson(); }

val RestoreState(OpsRuntime& r, const std::string& text) {
  auto restored = Attributor::FromJson(text);
  if (!restored.ok()) return ErrorVal(restored.status());
  const int64_t window = r.attributor().window_s();
  r.attributor() = std::move(*restored);
  if (r.experiments()) r.attributor().set_window_s(window);
  return OkVal();
}

double Bucket(const std::string& salt, const std::string& id) { return BucketOf(salt, id); }

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_ops) {
  using namespace zhixuan::wasm;
  emscripten::class_<zhixuan::OpsRuntime>("OpsRuntime")
      .constructor<>()
      .function("load", &Load)
      .function("assign", &Assign)
      .function("slot", &Slot)
      .function("addRender", &AddRender)
      .function("observe", &Observe)
      .function("report", &Report)
      .function("days", &Days)
      .function("dropDaysBefore", &DropDaysBefore)
      .function("stateJson", &StateJson)
      .function("restoreState", &RestoreState);
  emscripten::function("opsBucketOf", &Bucket);
}

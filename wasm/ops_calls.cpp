#include "ops_calls.hpp"

#include <cstdlib>

#include "convert.hpp"
#include "zhixuan/ops/bucket.hpp"
#include "zhixuan/ops/slot_priors.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

UserContext UserOf(const val& u) {
  UserContext c;
  c.stable_id = StringOr(u, "stableId");
  c.channel = StringOr(u, "channel");
  c.segment = StringOr(u, "segment");
  c.is_new = u["isNew"].isTrue();
  c.now_s = static_cast<int64_t>(u["now"].as<double>());
  return c;
}

SlotContext ContextOf(const val& c) {
  SlotContext out;
  out.channel = StringOr(c, "channel");
  out.device = StringOr(c, "device");
  out.segment = StringOr(c, "segment");
  out.hour = c["hour"].as<int>();
  out.score = c["score"].as<double>();
  out.arm_scores = CopyIn<double>(c["armScores"]);
  out.position = c["position"].as<int>();
  return out;
}

uint64_t RenderIdOf(const std::string& decimal) { return std::strtoull(decimal.c_str(), nullptr, 10); }

}  // namespace

val OpsLoad(OpsRuntime& r, const std::string& text) { return StatusVal(r.Load(text)); }
std::string OpsAssign(OpsRuntime& r, const std::string& experiment, const val& user) { return r.AssignJson(experiment, UserOf(user)); }
std::string OpsSlot(OpsRuntime& r, const std::string& slot, const val& user) { return r.SlotJson(slot, UserOf(user)); }

val OpsAddRender(OpsRuntime& r, const val& v) {
  Render render;
  render.render_id = RenderIdOf(StringOr(v, "renderId"));
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

val OpsObserve(OpsRuntime& r, const std::string& type, const std::string& item, double amount, double time_s) {
  auto event = ParseOpsEventType(type);
  if (!event.ok()) return ErrorVal(event.status());
  auto touch = r.Observe(*event, item, amount, static_cast<int64_t>(time_s));
  if (!touch.ok()) return ErrorVal(touch.status());
  val out = val::object();
  out.set("touch", *touch);
  return out;
}

val OpsReport(OpsRuntime& r, double day) {
  auto report = r.ReportJson(static_cast<int64_t>(day));
  if (!report.ok()) return ErrorVal(report.status());
  val out = val::object();
  out.set("report", *report);
  return out;
}

val OpsDays(OpsRuntime& r) {
  val out = val::array();
  const auto days = r.attributor().days();
  for (size_t i = 0; i < days.size(); ++i) out.set(i, static_cast<double>(days[i]));
  return out;
}

void OpsDropDaysBefore(OpsRuntime& r, double day) { r.attributor().DropDaysBefore(static_cast<int64_t>(day)); }
std::string OpsStateJson(OpsRuntime& r) { return r.attributor().ToJson(); }
val OpsRestoreState(OpsRuntime& r, const std::string& text) { return StatusVal(r.RestoreAttribution(text)); }
double OpsBucket(const std::string& salt, const std::string& id) { return BucketOf(salt, id); }

SlotBandit* SlotsMake(double seed) { return new SlotBandit(static_cast<uint64_t>(seed)); }
val SlotsConfigure(SlotBandit& b, const std::string& text) { return StatusVal(b.Configure(text)); }
val SlotsAdvance(SlotBandit& b, double now) { return StatusVal(b.Advance(now)); }
std::string SlotsStats(SlotBandit& b) { return b.StatsJson(); }
std::string SlotsStateJson(SlotBandit& b) { return b.StateJson(); }
val SlotsRestoreState(SlotBandit& b, const std::string& text) { return StatusVal(b.RestoreState(text)); }

val SlotsChoose(SlotBandit& b, const std::string& slot, const val& context, double now) {
  auto choice = b.Choose(slot, ContextOf(context), now);
  if (!choice.ok()) return ErrorVal(choice.status());
  val out = val::object();
  out.set("arm", choice->arm_id);
  out.set("index", choice->arm);
  out.set("strategy", choice->strategy);
  out.set("item", choice->item);
  out.set("propensity", choice->propensity);
  out.set("renderId", std::to_string(choice->render_id));
  out.set("probabilities", CopyOut(choice->probabilities));
  return out;
}

val SlotsReward(SlotBandit& b, const std::string& render_id, const std::string& type, double amount, double now) {
  auto event = ParseOpsEventType(type);
  if (!event.ok()) return ErrorVal(event.status());
  auto outcome = b.Reward(RenderIdOf(render_id), *event, amount, now);
  if (!outcome.ok()) return ErrorVal(outcome.status());
  val out = val::object();
  out.set("outcome", std::string(RewardOutcomeName(*outcome)));
  return out;
}

val SlotsFoldStats(const std::string& file, const std::string& stats) {
  auto folded = FoldSlotStats(file, stats);
  if (!folded.ok()) return ErrorVal(folded.status());
  val out = val::object();
  out.set("file", *folded);
  return out;
}

}  // namespace zhixuan::wasm

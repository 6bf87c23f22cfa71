// Registrations of the slot bandits (ops/slot_bandit.hpp): convert and forward. js/slots.js
// validates every argument before it crosses.
#include <emscripten/bind.h>

#include <cstdlib>
#include <string>

#include "convert.hpp"
#include "zhixuan/ops/slot_bandit.hpp"
#include "zhixuan/ops/slot_priors.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

// {channel, device, segment, hour, score, armScores?: Float64Array, position}
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

SlotBandit* Make(double seed) { return new SlotBandit(static_cast<uint64_t>(seed)); }
val Configure(SlotBandit& b, const std::string& text) { return StatusVal(b.Configure(text)); }
val Advance(SlotBandit& b, double now) { return StatusVal(b.Advance(now)); }
std::string Stats(SlotBandit& b) { return b.StatsJson(); }

val Choose(SlotBandit& b, const std::string& slot, const val& context, double now) {
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

val Reward(SlotBandit& b, const std::string& render_id, const std::string& type, double amount, double now) {
  const OpsEventType t = type == "click" ? OpsEventType::kClick : type == "cart" ? OpsEventType::kCart : OpsEventType::kPurchase;
  auto outcome = b.Reward(std::strtoull(render_id.c_str(), nullptr, 10), t, amount, now);
  if (!outcome.ok()) return ErrorVal(outcome.status());
  val out = val::object();
  out.set("outcome", std::string(RewardOutcomeName(*outcome)));
  return out;
}

// The server's fold of summed device statistics into the next file's priors: {file} or an error.
val FoldStats(const std::string& file, const std::string& stats) {
  auto folded = FoldSlotStats(file, stats);
  if (!folded.ok()) return ErrorVal(folded.status());
  val out = val::object();
  out.set("file", *folded);
  return out;
}

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_slots) {
  using namespace zhixuan::wasm;
  emscripten::class_<zhixuan::SlotBandit>("SlotBandit")
      .constructor(&Make, emscripten::allow_raw_pointers())
      .function("configure", &Configure)
      .function("choose", &Choose)
      .function("reward", &Reward)
      .function("advance", &Advance)
      .function("stats", &Stats);
  emscripten::function("slotsFoldStats", &FoldStats);
}

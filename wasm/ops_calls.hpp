// The ops room's calls as JS sees them (experiments, attribution, the day's report, the slot
// bandits): plain objects in and out, statuses as {zxError}. The work is the core's
// (zhixuan/ops/runtime.hpp, slot_bandit.hpp, slot_priors.hpp); these only convert. js/ops.js and
// js/slots.js validate every argument before it crosses.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "zhixuan/ops/runtime.hpp"
#include "zhixuan/ops/slot_bandit.hpp"

namespace zhixuan::wasm {

// ---- experiments and attribution (OpsRuntime) ----
emscripten::val OpsLoad(OpsRuntime& r, const std::string& text);
// user: {stableId, channel, isNew, segment, now (seconds)}
std::string OpsAssign(OpsRuntime& r, const std::string& experiment, const emscripten::val& user);
std::string OpsSlot(OpsRuntime& r, const std::string& slot, const emscripten::val& user);
// {renderId (decimal string), slot, list, channel, time (s), arms: [[experiment, variant]], items: [id], propensities?: Float64Array}
emscripten::val OpsAddRender(OpsRuntime& r, const emscripten::val& render);
// {touch} (JSON, "null" when unattributed).
emscripten::val OpsObserve(OpsRuntime& r, const std::string& type, const std::string& item, double amount, double time_s);
// {report} (JSON).
emscripten::val OpsReport(OpsRuntime& r, double day);
emscripten::val OpsDays(OpsRuntime& r);
void OpsDropDaysBefore(OpsRuntime& r, double day);
std::string OpsStateJson(OpsRuntime& r);
emscripten::val OpsRestoreState(OpsRuntime& r, const std::string& text);
double OpsBucket(const std::string& salt, const std::string& id);

// ---- slot bandits (SlotBandit) ----
SlotBandit* SlotsMake(double seed);
emscripten::val SlotsConfigure(SlotBandit& b, const std::string& text);
emscripten::val SlotsAdvance(SlotBandit& b, double now);
std::string SlotsStats(SlotBandit& b);
std::string SlotsStateJson(SlotBandit& b);
emscripten::val SlotsRestoreState(SlotBandit& b, const std::string& text);
// context: {channel, device, segment, hour, score, armScores?: Float64Array, position};
// {arm, index, strategy, item, propensity, renderId, probabilities}.
emscripten::val SlotsChoose(SlotBandit& b, const std::string& slot, const emscripten::val& context, double now);
// {outcome}.
emscripten::val SlotsReward(SlotBandit& b, const std::string& render_id, const std::string& type, double amount, double now);
// The server's fold of summed device statistics into the next file's priors: {file}.
emscripten::val SlotsFoldStats(const std::string& file, const std::string& stats);

}  // namespace zhixuan::wasm

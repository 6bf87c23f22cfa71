// Registrations of the slot bandits (ops room). The calls are wasm/ops_calls.*.
#include <emscripten/bind.h>

#include "ops_calls.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_slots) {
  using namespace zhixuan::wasm;
  emscripten::class_<zhixuan::SlotBandit>("SlotBandit")
      .constructor(&SlotsMake, emscripten::allow_raw_pointers())
      .function("configure", &SlotsConfigure)
      .function("choose", &SlotsChoose)
      .function("reward", &SlotsReward)
      .function("advance", &SlotsAdvance)
      .function("stats", &SlotsStats)
      .function("stateJson", &SlotsStateJson)
      .function("restoreState", &SlotsRestoreState);
  emscripten::function("slotsFoldStats", &SlotsFoldStats);
}

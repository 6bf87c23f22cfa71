// Registrations of the ops room: experiments, attribution and the day's report (OpsRuntime).
// The calls are wasm/ops_calls.*.
#include <emscripten/bind.h>

#include "ops_calls.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_ops) {
  using namespace zhixuan::wasm;
  emscripten::class_<zhixuan::OpsRuntime>("OpsRuntime")
      .constructor<>()
      .function("load", &OpsLoad)
      .function("assign", &OpsAssign)
      .function("slot", &OpsSlot)
      .function("addRender", &OpsAddRender)
      .function("observe", &OpsObserve)
      .function("report", &OpsReport)
      .function("days", &OpsDays)
      .function("dropDaysBefore", &OpsDropDaysBefore)
      .function("stateJson", &OpsStateJson)
      .function("restoreState", &OpsRestoreState);
  emscripten::function("opsBucketOf", &OpsBucket);
}

// Registrations of the server's federated round (js/server, in Node): the aggregator and the
// accountant's epsilon. A module of its own (zhixuan-server), so pages never download it.
#include <emscripten/bind.h>

#include "aggregation_calls.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_aggregation) {
  using namespace zhixuan::wasm;
  emscripten::function("federatedEpsilon", &FederatedEpsilon);
  emscripten::class_<FederatedRound>("FederatedRound")
      .constructor<>()
      .function("open", &FederatedRound::Open)
      .function("validate", &FederatedRound::Validate)
      .function("addValidated", &FederatedRound::AddValidated)
      .function("add", &FederatedRound::Add)
      .function("count", &FederatedRound::Count)
      .function("finish", &FederatedRound::Finish);
}

// Registrations of the federated room on the device: the update and the privacy ledger (on a
// Session). The calls are wasm/federated_calls.*; the server's round is bind_aggregation.cpp.
#include <emscripten/bind.h>

#include "federated_calls.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_federated) {
  using namespace zhixuan::wasm;
  emscripten::function("federatedComputeUpdate", &FederatedComputeUpdate);
  emscripten::function("federatedLedgerNew", &FederatedLedgerNew);
  emscripten::function("federatedLedgerStatus", &FederatedLedgerStatus);
  emscripten::function("federatedLedgerCharge", &FederatedLedgerCharge);
}

// The federated room's calls on the device as JS sees them: the update and the privacy ledger
// (on a Session), plain objects in and out, statuses as {zxError}. The work is the core's
// (federated.hpp, accountant.hpp); these only convert. The server's round is aggregation_calls.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "zhixuan/session/session.hpp"

namespace zhixuan::wasm {

// computeUpdate in one crossing (ComputeChargedUpdate): {affordable, epsilonAfter, budget} and,
// when affordable, {payload, ledger, normBeforeClip, normSent}.
emscripten::val FederatedComputeUpdate(Session& session, const emscripten::val& rows, const emscripten::val& weights,
                                       const std::string& round_json, double participation_rate, const std::string& ledger_json,
                                       const emscripten::val& nonce, const emscripten::val& seed);
// {ledger} a new ledger's JSON.
emscripten::val FederatedLedgerNew(double epsilon_budget);
// {rounds, budget, epsilonSpent, epsilonAfter, affordable} under the round's accountant params.
emscripten::val FederatedLedgerStatus(const std::string& ledger_json, const std::string& config_json);
// {ledger} after one more round.
emscripten::val FederatedLedgerCharge(const std::string& ledger_json, const std::string& config_json);

}  // namespace zhixuan::wasm

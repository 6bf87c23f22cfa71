#include "federated_calls.hpp"

#include "convert.hpp"
#include "zhixuan/federated/accountant.hpp"
#include "zhixuan/federated/federated.hpp"

namespace zhixuan::wasm {

using emscripten::val;

// computeUpdate in one crossing (ComputeChargedUpdate): {affordable, epsilonAfter, budget} and,
// when affordable, {payload, ledger, normBeforeClip, normSent}.
val FederatedComputeUpdate(Session& session, const val& rows, const val& weights, const std::string& round_json,
                           double participation_rate, const std::string& ledger_json, const val& nonce, const val& seed) {
  if (!session.loaded()) return ErrorVal(InvalidArgument("no model is loaded"));
  auto nonce_bytes = FixedBytes<16>(nonce, "nonce");
  if (!nonce_bytes.ok()) return ErrorVal(nonce_bytes.status());
  auto seed_bytes = FixedBytes<32>(seed, "noise seed");
  if (!seed_bytes.ok()) return ErrorVal(seed_bytes.status());
  const HistoryArg history(rows, weights);
  if (Status checked = history.Check(); !checked.ok()) return ErrorVal(checked);
  auto charged = ComputeChargedUpdate(session.recommender().model(), history.input(), round_json, participation_rate, ledger_json,
                                      *nonce_bytes, *seed_bytes);
  if (!charged.ok()) return ErrorVal(charged.status());
  val out = val::object();
  out.set("affordable", charged->affordable);
  out.set("epsilonAfter", charged->epsilon_after);
  out.set("budget", charged->budget);
  if (charged->affordable) {
    out.set("payload", CopyOut(charged->update.payload));
    out.set("ledger", charged->ledger_json);
    out.set("normBeforeClip", charged->update.norm_before_clip);
    out.set("normSent", charged->update.norm_sent);
  }
  return out;
}

val FederatedLedgerNew(double epsilon_budget) {
  if (!(epsilon_budget > 0)) return ErrorVal(InvalidArgument("epsilon budget must be > 0 (Infinity for none)"));
  val out = val::object();
  out.set("ledger", PrivacyLedger(epsilon_budget).ToJson());
  return out;
}

// {rounds, budget, epsilonSpent, epsilonAfter, affordable} under the round's accountant params.
val FederatedLedgerStatus(const std::string& ledger_json, const std::string& config_json) {
  auto ledger = PrivacyLedger::FromJson(ledger_json);
  if (!ledger.ok()) return ErrorVal(ledger.status());
  auto config = ParseRoundConfigJson(config_json);
  if (!config.ok()) return ErrorVal(config.status());
  auto after = ledger->EpsilonAfterRound(config->accountant());
  if (!after.ok()) return ErrorVal(after.status());
  val out = val::object();
  out.set("rounds", static_cast<double>(ledger->rounds()));
  out.set("budget", ledger->epsilon_budget());
  out.set("epsilonSpent", ledger->EpsilonSpent(config->delta));
  out.set("epsilonAfter", *after);
  out.set("affordable", *after <= ledger->epsilon_budget());
  return out;
}

val FederatedLedgerCharge(const std::string& ledger_json, const std::string& config_json) {
  auto ledger = PrivacyLedger::FromJson(ledger_json);
  if (!ledger.ok()) return ErrorVal(ledger.status());
  auto config = ParseRoundConfigJson(config_json);
  if (!config.ok()) return ErrorVal(config.status());
  Status charged = ledger->Charge(config->accountant());
  if (!charged.ok()) return ErrorVal(charged);
  val out = val::object();
  out.set("ledger", ledger->ToJson());
  return out;
}

}  // namespace zhixuan::wasm

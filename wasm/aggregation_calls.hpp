// The server's federated round as JS sees it (js/server, in Node): heap bytes in, plain objects
// out, statuses as {zxError}. The work is the core's (zhixuan/federated/aggregate.hpp and
// accountant.hpp); these only convert.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "zhixuan/federated/aggregate.hpp"

namespace zhixuan::wasm {

// {epsilon, order} of `steps` rounds of the sampled Gaussian.
emscripten::val FederatedEpsilon(double q, double sigma, double steps, double delta);

// The server's open round: the base model and the aggregator.
class FederatedRound {
 public:
  // {config, payloadBytes}.
  emscripten::val Open(uintptr_t model_ptr, size_t model_len, const std::string& config_json, double max_payload_bytes);
  // {nonce (hex), norm} when the payload passes every check of the round; the decoded update is
  // kept for AddValidated, so the server stores the bytes between the checks and the sum without
  // decoding them twice.
  emscripten::val Validate(uintptr_t ptr, size_t len);
  // Adds the update the last Validate passed, named by its nonce.
  emscripten::val AddValidated(const std::string& nonce_hex);
  // Validate and add (the replay of stored updates after a restart).
  emscripten::val Add(uintptr_t ptr, size_t len);
  double Count() const;
  // {model: Uint8Array} the next bundle.
  emscripten::val Finish(const emscripten::val& seed, const std::string& next_version) const;

 private:
  std::unique_ptr<Model> model_;
  std::unique_ptr<RoundAggregator> agg_;
  std::optional<DecodedUpdate> validated_;
};

}  // namespace zhixuan::wasm

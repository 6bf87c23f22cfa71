// The server side of a round: validate each payload against the open round and the base model,
// sum the accepted deltas, add the central Gaussian noise (sigma * C on the sum), average, and
// apply with the server learning rate (FedAvg, McMahan et al. 2017; DP-FedAvg, McMahan et al.
// 2018): V_window += lr * (sum + noise) / count, each row's change capped at max_row_step when
// set. The result is the next model version.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/federated/federated.hpp"
#include "zhixuan/federated/payload.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

class RoundAggregator {
 public:
  // `config` is resolved against the model (row_count 0 = all rows); its base_version must be
  // the model's version.
  static StatusOr<RoundAggregator> Create(const Model& base, const RoundConfig& config, DecodeLimits limits = {});

  const RoundConfig& config() const { return config_; }
  // Every check a single payload must pass, without accumulating it: decodes strictly, then
  // round id (stale/future: kModelMismatch), base version, window, dim, encoding, noise flag,
  // and the decoded L2 norm against UpdateNormBound.
  StatusOr<DecodedUpdate> Validate(const uint8_t* bytes, size_t size) const;
  // Validate, then Accept.
  Status Add(const uint8_t* bytes, size_t size);
  // Adds an update Validate passed (so a server that stores the payload between the checks and
  // the sum decodes it once); a nonce already accepted in this round is a replay.
  Status Accept(const DecodedUpdate& update);
  int64_t count() const { return count_; }

  // The next model: `base` must be the model the aggregator was created for. No update is an
  // InvalidArgument (nothing to apply).
  StatusOr<Model> Finish(const Model& base, const std::array<uint8_t, 32>& noise_seed, const std::string& next_version) const;

 private:
  RoundConfig config_;
  DecodeLimits limits_;
  int64_t rows_ = 0;
  int dim_ = 0;
  std::vector<double> sum_;
  std::set<std::array<uint8_t, 16>> nonces_;
  int64_t count_ = 0;
};

}  // namespace zhixuan

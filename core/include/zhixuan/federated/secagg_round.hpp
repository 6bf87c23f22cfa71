// Where secure aggregation meets the model: the device's clipped delta for a secure round (fold-in
// and gradient as in federated.hpp, without payload quantization: the masked input carries it),
// and the server's application of the unmasked sum (FedAvg step as RoundAggregator::Finish, with
// the noise already inside the sum: the devices added it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"
#include "zhixuan/federated/federated.hpp"
#include "zhixuan/federated/secagg_encode.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/foldin.hpp"

namespace zhixuan {

// The secure round's public parameters as the server declares them (the "secagg" object of the
// round config): {round_id, length, block_log2, clip, scale_bits, noise_variance, cohort,
// threshold, rotation_seed: 64 hex digits}. Every key is required; the layout must be valid.
StatusOr<SecAggParams> ParseSecAggParamsJson(const std::string& json_text);
std::string SecAggParamsToJson(const SecAggParams& params);

// Negative gradient over the round's window, clipped to config.clip (row_count * dim values).
// An empty usable history is an InvalidArgument (decline the round).
StatusOr<std::vector<float>> SecAggClientDelta(const Model& model, const FoldInInput& history, const RoundConfig& config);

// V_window += lr * sum / count (each row's change capped at max_row_step), as the next version.
StatusOr<Model> ApplySummedDelta(const Model& base, const RoundConfig& config, const std::vector<double>& sum,
                                 int64_t count, const std::string& next_version);

}  // namespace zhixuan

// The client side of a federated round, in the style of Federated Reconstruction (Singhal et al.
// 2021) and federated CF (Ammad-ud-din et al. 2019): the user vector x is reconstructed locally
// by FoldIn (never uploaded), then the client uploads only the negative gradient of its
// implicit-ALS loss with respect to the item rows of the round's window, clipped to L2 norm C,
// optionally noised (local DP), quantized into a payload (payload.hpp).
//
// The loss is FoldIn's objective seen as a function of the item rows V with x fixed:
//   L(V) = sum_{k in history} [c_k (1 - x.v_{r_k})^2 - w0 (x.v_{r_k})^2] + w0 sum_{all i} (x.v_i)^2
// (one term per history entry, exactly as FoldIn builds its system; entries with c <= 0 count
// as unobserved). Its gradient, p_i = x.v_i:
//   dL/dv_i = 2 w0 p_i x                                   for every row (dense), plus
//             2 [(c_k - w0) p_i - c_k] x                   for each history entry k with r_k = i.
// i.e. grad_V = 2 (w0 V x x^T + sum_k ((c_k - w0) p_{r_k} - c_k) e_{r_k} x^T).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/federated/accountant.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/foldin.hpp"
#include "zhixuan/federated/payload.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

enum class NoiseMode { kNone, kCentral, kLocal };

// What the server publishes for a round (JSON, see ParseRoundConfigJson).
struct RoundConfig {
  uint64_t round_id = 0;
  std::string base_version;        // the model version updates must be computed against
  double clip = 1.0;               // C: L2 bound of one client's delta
  double noise_multiplier = 0.0;   // sigma: noise stddev = sigma * C (on the sum, or per client)
  NoiseMode noise_mode = NoiseMode::kCentral;
  PayloadEncoding encoding = PayloadEncoding::kF16;
  uint32_t row_offset = 0;         // public window of rows, chosen by the server
  uint32_t row_count = 0;          // 0: every row of the model
  double server_learning_rate = 1.0;
  // Cap on the L2 change of one row per round (0: none). Rows differ in curvature by their
  // popularity; the cap keeps popular rows stable while a larger learning rate moves rare ones.
  double max_row_step = 0.0;
  double sampling_rate = 1.0;      // q of the server's accountant
  double delta = 1e-5;             // delta of the server's accountant

  AccountantParams accountant() const;
};

// Keys: round_id, base_version, clip, noise_multiplier, noise_mode ("none"|"central"|"local"),
// encoding ("f16"|"int8"), row_offset, row_count, server_learning_rate, max_row_step, sampling_rate, delta.
// round_id and base_version are required; other keys the server adds are ignored.
StatusOr<RoundConfig> ParseRoundConfigJson(const std::string& json_text);
std::string RoundConfigToJson(const RoundConfig& config);

// Resolves row_count = 0 to the whole model and checks the window fits `rows`.
StatusOr<RoundConfig> ResolveWindow(RoundConfig config, int64_t rows);

// L2 bound the server enforces on a decoded update of `cells` values: C for central/none
// (the client clips after quantization); C + sigma*C*(sqrt(cells) + 8) with local noise
// (the chi tail beyond that has probability < 1e-13).
double UpdateNormBound(const RoundConfig& config, size_t cells);

// Dense gradient of L over rows [row_offset, row_offset + row_count), row-major.
StatusOr<std::vector<float>> ItemGradient(const ItemMatrix& items, const FoldInParams& params,
                                          const std::vector<float>& user, const FoldInInput& history,
                                          uint32_t row_offset, uint32_t row_count);

// Scales `values` to L2 norm <= clip; returns the norm before clipping.
double ClipToNorm(std::vector<float>& values, double clip);

// Deterministic Gaussian noise stream from a 32-byte seed (the host draws the seed from a
// CSPRNG: crypto.getRandomValues / randomBytes). mt19937_64 underneath: fine against an
// honest-but-curious aggregator, not a hardened DP sampler (floating-point attacks, Mironov 2012).
void AddGaussianNoise(std::vector<float>& values, double stddev, const std::array<uint8_t, 32>& seed);

struct ClientUpdate {
  std::vector<uint8_t> payload;
  double norm_before_clip = 0;
  double norm_sent = 0;  // of the decoded payload
};

// The whole client step: fold in, gradient, negate, clip, (local noise), quantize, and make sure
// the decoded payload respects UpdateNormBound. An empty usable history is an InvalidArgument
// (nothing to learn from; the caller should decline the round).
StatusOr<ClientUpdate> ComputeClientUpdate(const Model& model, const FoldInInput& history, const RoundConfig& config,
                                           const std::array<uint8_t, 16>& nonce,
                                           const std::array<uint8_t, 32>& noise_seed);

// computeUpdate on a device, in one step: the round (JSON) and the privacy ledger (JSON,
// accountant.hpp) read once; when one more round of the round's accountant, at the device's own
// participation rate q (1 unless it drew its participation), fits the budget, the update is
// computed and the ledger charged. Not affordable: no update, the ledger unchanged.
struct ChargedUpdate {
  bool affordable = false;
  double epsilon_after = 0;  // what one more round brings epsilon to
  double budget = 0;
  ClientUpdate update;       // when affordable
  std::string ledger_json;   // when affordable: the charged ledger
};
StatusOr<ChargedUpdate> ComputeChargedUpdate(const Model& model, const FoldInInput& history, const std::string& round_json,
                                             double participation_rate, const std::string& ledger_json,
                                             const std::array<uint8_t, 16>& nonce,
                                             const std::array<uint8_t, 32>& noise_seed);

double L2Norm(const std::vector<float>& values);

}  // namespace zhixuan

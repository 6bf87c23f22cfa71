// "Bought together" on the device: item pairs mined on the server by lift (see
// train/also_bought_mining.hpp), shipped in the bundle as a CSR table over model rows:
//   also_bought_offsets [N+1] I32, also_bought_items [nnz] I32, also_bought_lift [nnz] F32,
// each row's partners sorted by lift (best first).
#pragma once

#include <cstdint>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/scoring.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

inline constexpr const char* kAlsoBoughtOffsets = "also_bought_offsets";
inline constexpr const char* kAlsoBoughtItems = "also_bought_items";
inline constexpr const char* kAlsoBoughtLift = "also_bought_lift";

// Up to k partners of a model row, best lift first (scores are lifts). Rows added on the
// device after the table was mined have no partners (empty result). kUnsupported when the
// bundle has no table, kUnknownItem for a row out of range, kMalformedModel for a broken table.
StatusOr<TopK> AlsoBought(const Model& model, int32_t row, int k);

}  // namespace zhixuan

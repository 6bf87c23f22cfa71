// The federated update payload: a versioned little-endian binary envelope around a quantized
// dense delta over a window of item rows [row_offset, row_offset + row_count). The window is
// chosen by the server per round (public), never by the client, so the payload does not reveal
// which items a user touched: every row of the window carries a value.
//
//   off  size  field
//   0    4     magic "ZXFU"
//   4    2     format version (1)
//   6    1     encoding: 1 = f16, 2 = int8 with one f32 scale per row
//   7    1     flags: bit 0 = local noise was added (other bits must be 0)
//   8    8     round id (u64)
//   16   16    client nonce (random per update; replays reuse it)
//   32   4     row offset (u32)
//   36   4     row count (u32, >= 1)
//   40   2     dim (u16, 1..1024)
//   42   1     base model version length L (1..128)
//   43   L     base model version (bytes)
//   43+L ...   f16: row_count*dim halves | int8: row_count f32 scales, then row_count*dim int8
//   end  4     CRC-32 (IEEE) of every byte before it
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr uint16_t kPayloadFormatVersion = 1;
constexpr size_t kMaxBaseVersionBytes = 128;

enum class PayloadEncoding : uint8_t { kF16 = 1, kInt8 = 2 };

struct UpdateHeader {
  uint64_t round_id = 0;
  std::string base_version;
  std::array<uint8_t, 16> nonce{};
  uint32_t row_offset = 0;
  uint32_t row_count = 0;
  int dim = 0;
  PayloadEncoding encoding = PayloadEncoding::kF16;
  bool local_noise = false;
};

struct DecodedUpdate {
  UpdateHeader header;
  std::vector<float> values;  // row_count * dim, dequantized
};

// Exact size of an encoded payload.
size_t EncodedPayloadSize(PayloadEncoding encoding, size_t base_version_bytes, uint32_t row_count, int dim);

// Quantizes `values` (row_count * dim, finite) into a payload. Values beyond the f16 range
// or non-finite are an InvalidArgument.
// `decoded_norm` (optional) receives the L2 norm of what DecodeUpdate will return.
StatusOr<std::vector<uint8_t>> EncodeUpdate(const UpdateHeader& header, const std::vector<float>& values,
                                            double* decoded_norm = nullptr);

struct DecodeLimits {
  size_t max_bytes = 64u << 20;
  uint32_t max_rows = 20'000'000;
};

// Strict decoding: any truncation, trailing byte, unknown version/encoding/flag, bad CRC,
// NaN/Inf value or scale, or size beyond the limits is a kMalformedPayload (kTooLarge for the
// limits) naming the problem.
StatusOr<DecodedUpdate> DecodeUpdate(const uint8_t* bytes, size_t size, const DecodeLimits& limits = {});

// CRC-32 (IEEE) as stored in the trailer.
uint32_t PayloadChecksum(const uint8_t* bytes, size_t size);

}  // namespace zhixuan

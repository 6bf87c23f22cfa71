#include "zhixuan/federated/payload.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/base/crc32.hpp"
#include "zhixuan/base/half.hpp"

namespace zhixuan {
namespace {

constexpr uint8_t kMagic[4] = {'Z', 'X', 'F', 'U'};
constexpr size_t kFixedHeaderBytes = 43;
constexpr size_t kCrcBytes = 4;
constexpr float kMaxHalf = 65504.f;

void PutU16(std::vector<uint8_t>& out, uint16_t v) { for (int i = 0; i < 2; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i))); }
void PutU32(std::vector<uint8_t>& out, uint32_t v) { for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i))); }
void PutU64(std::vector<uint8_t>& out, uint64_t v) { for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i))); }
uint64_t GetLE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Status Malformed(const std::string& what) { return Status(StatusCode::kMalformedPayload, "update payload: " + what); }

}  // namespace

uint32_t PayloadChecksum(const uint8_t* bytes, size_t size) { return Crc32(bytes, size); }

size_t EncodedPayloadSize(PayloadEncoding encoding, size_t base_version_bytes, uint32_t row_count, int dim) {
  const size_t cells = static_cast<size_t>(row_count) * static_cast<size_t>(dim);
  const size_t body = encoding == PayloadEncoding::kF16 ? 2 * cells : 4 * static_cast<size_t>(row_count) + cells;
  return kFixedHeaderBytes + base_version_bytes + body + kCrcBytes;
}

StatusOr<std::vector<uint8_t>> EncodeUpdate(const UpdateHeader& header, const std::vector<float>& values, double* decoded_norm) {
  if (header.dim <= 0 || header.dim > kMaxDim) return InvalidArgument("update dim must be in 1..1024");
  if (header.row_count == 0) return InvalidArgument("update row count must be >= 1");
  if (header.base_version.empty() || header.base_version.size() > kMaxBaseVersionBytes)
    return InvalidArgument("base model version must be 1..128 bytes");
  if (header.encoding != PayloadEncoding::kF16 && header.encoding != PayloadEncoding::kInt8) return InvalidArgument("unknown payload encoding");
  const size_t cells = static_cast<size_t>(header.row_count) * header.dim;
  if (values.size() != cells) return InvalidArgument("update has " + std::to_string(values.size()) + " values, expected row_count*dim = " + std::to_string(cells));
  for (float v : values)
    if (!std::isfinite(v)) return InvalidArgument("update contains NaN or Inf");

  std::vector<uint8_t> out;
  out.reserve(EncodedPayloadSize(header.encoding, header.base_version.size(), header.row_count, header.dim));
  out.insert(out.end(), kMagic, kMagic + 4);
  PutU16(out, kPayloadFormatVersion);
  out.push_back(static_cast<uint8_t>(header.encoding));
  out.push_back(header.local_noise ? 1 : 0);
  PutU64(out, header.round_id);
  out.insert(out.end(), header.nonce.begin(), header.nonce.end());
  PutU32(out, header.row_offset);
  PutU32(out, header.row_count);
  PutU16(out, static_cast<uint16_t>(header.dim));
  out.push_back(static_cast<uint8_t>(header.base_version.size()));
  out.insert(out.end(), header.base_version.begin(), header.base_version.end());

  double norm_sq = 0;
  if (header.encoding == PayloadEncoding::kF16) {
    const size_t body_at = out.size();
    out.resize(body_at + 2 * cells);
    uint8_t* body = out.data() + body_at;
    for (size_t i = 0; i < cells; ++i) {
      const float v = values[i];
      if (std::fabs(v) > kMaxHalf) return InvalidArgument("update value beyond the f16 range (clip first)");
      const uint16_t half = FloatToHalf(v);
      body[2 * i] = static_cast<uint8_t>(half);
      body[2 * i + 1] = static_cast<uint8_t>(half >> 8);
      const double decoded = HalfToFloat(half);
      norm_sq += decoded * decoded;
    }
  } else {
    // Symmetric per-row scale: scale = max|v| / 127, q = round(v / scale).
    const size_t scales_at = out.size();
    out.resize(out.size() + 4 * static_cast<size_t>(header.row_count));
    for (uint32_t r = 0; r < header.row_count; ++r) {
      const float* row = values.data() + static_cast<size_t>(r) * header.dim;
      float max_abs = 0;
      for (int j = 0; j < header.dim; ++j) max_abs = std::max(max_abs, std::fabs(row[j]));
      const float scale = max_abs / 127.f;
      std::memcpy(out.data() + scales_at + 4 * static_cast<size_t>(r), &scale, 4);  // little-endian hosts only (x86, wasm)
      // Divide, never multiply by 1/scale: a subnormal scale has an infinite inverse, and 0 * Inf
      // is a NaN whose cast to int8 is undefined (fuzz regression payload/int8_subnormal_scale).
      for (int j = 0; j < header.dim; ++j) {
        const float q = scale > 0 ? std::clamp(std::nearbyint(row[j] / scale), -127.f, 127.f) : 0.f;
        out.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
        const double decoded = scale * q;  // what DecodeUpdate computes
        norm_sq += decoded * decoded;
      }
    }
  }
  PutU32(out, PayloadChecksum(out.data(), out.size()));
  if (decoded_norm) *decoded_norm = std::sqrt(norm_sq);
  return out;
}

StatusOr<DecodedUpdate> DecodeUpdate(const uint8_t* bytes, size_t size, const DecodeLimits& limits) {
  if (bytes == nullptr && size > 0) return InvalidArgument("update payload pointer is null");
  if (size > limits.max_bytes)
    return Status(StatusCode::kTooLarge, "update payload is " + std::to_string(size) + " bytes, limit " + std::to_string(limits.max_bytes));
  if (size < kFixedHeaderBytes + kCrcBytes) return Malformed("truncated header (" + std::to_string(size) + " bytes)");
  if (std::memcmp(bytes, kMagic, 4) != 0) return Malformed("bad magic (not a zhixuan update)");
  const uint16_t version = static_cast<uint16_t>(GetLE(bytes + 4, 2));
  if (version != kPayloadFormatVersion) return Malformed("unsupported format version " + std::to_string(version));
  DecodedUpdate out;
  UpdateHeader& h = out.header;
  const uint8_t encoding = bytes[6];
  if (encoding != 1 && encoding != 2) return Malformed("unknown encoding " + std::to_string(encoding));
  h.encoding = static_cast<PayloadEncoding>(encoding);
  if (bytes[7] & ~1u) return Malformed("unknown flag bits");
  h.local_noise = bytes[7] & 1u;
  h.round_id = GetLE(bytes + 8, 8);
  std::memcpy(h.nonce.data(), bytes + 16, 16);
  h.row_offset = static_cast<uint32_t>(GetLE(bytes + 32, 4));
  h.row_count = static_cast<uint32_t>(GetLE(bytes + 36, 4));
  h.dim = static_cast<int>(GetLE(bytes + 40, 2));
  const size_t version_bytes = bytes[42];
  if (h.row_count == 0) return Malformed("row count is 0");
  if (h.row_count > limits.max_rows) return Status(StatusCode::kTooLarge, "update payload: row count " + std::to_string(h.row_count) + " beyond the limit");
  if (static_cast<uint64_t>(h.row_offset) + h.row_count > 0xFFFFFFFFull) return Malformed("row window overflows");
  if (h.dim <= 0 || h.dim > kMaxDim) return Malformed("dim " + std::to_string(h.dim) + " outside 1..1024");
  if (version_bytes == 0 || version_bytes > kMaxBaseVersionBytes) return Malformed("base version length outside 1..128");
  const size_t expected = EncodedPayloadSize(h.encoding, version_bytes, h.row_count, h.dim);
  if (size < expected) return Malformed("truncated: " + std::to_string(size) + " bytes, header promises " + std::to_string(expected));
  if (size > expected) return Malformed("trailing bytes: " + std::to_string(size) + " bytes, header promises " + std::to_string(expected));
  const uint32_t stored_crc = static_cast<uint32_t>(GetLE(bytes + size - 4, 4));
  if (PayloadChecksum(bytes, size - 4) != stored_crc) return Malformed("CRC-32 mismatch (corrupted)");
  h.base_version.assign(reinterpret_cast<const char*>(bytes + kFixedHeaderBytes), version_bytes);

  const uint8_t* body = bytes + kFixedHeaderBytes + version_bytes;
  const size_t cells = static_cast<size_t>(h.row_count) * h.dim;
  out.values.resize(cells);
  if (h.encoding == PayloadEncoding::kF16) {
    for (size_t i = 0; i < cells; ++i) {
      const uint16_t half = static_cast<uint16_t>(GetLE(body + 2 * i, 2));
      if ((half & 0x7C00u) == 0x7C00u) return Malformed("value " + std::to_string(i) + " is NaN or Inf");
      out.values[i] = HalfToFloat(half);
    }
  } else {
    const uint8_t* codes = body + 4 * static_cast<size_t>(h.row_count);
    for (uint32_t r = 0; r < h.row_count; ++r) {
      float scale;
      std::memcpy(&scale, body + 4 * static_cast<size_t>(r), 4);
      if (!std::isfinite(scale) || scale < 0) return Malformed("row " + std::to_string(r) + " has a negative, NaN or Inf scale");
      for (int j = 0; j < h.dim; ++j) {
        const int8_t q = static_cast<int8_t>(codes[static_cast<size_t>(r) * h.dim + j]);
        if (q == -128) return Malformed("int8 code -128 is outside the symmetric range");
        const float v = scale * q;
        if (!std::isfinite(v)) return Malformed("row " + std::to_string(r) + " overflows");
        out.values[static_cast<size_t>(r) * h.dim + j] = v;
      }
    }
  }
  return out;
}

}  // namespace zhixuan

#include "zhixuan/profile/record_frame.hpp"

#include <cstring>
#include <string>

#include "zhixuan/base/crc32.hpp"

namespace zhixuan {

void PutU16(std::vector<uint8_t>* out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU64(std::vector<uint8_t>* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint16_t GetU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint64_t GetU64(const uint8_t* p) { return uint64_t{GetU32(p)} | (uint64_t{GetU32(p + 4)} << 32); }

std::vector<uint8_t> EncodeFrame(const char (&magic)[4], const std::vector<uint8_t>& fields, std::string_view body) {
  std::vector<uint8_t> out(magic, magic + 4);
  out.reserve(4 + fields.size() + 4 + body.size() + 4);
  out.insert(out.end(), fields.begin(), fields.end());
  PutU32(&out, static_cast<uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  PutU32(&out, Crc32(out.data(), out.size()));
  return out;
}

StatusOr<FrameReader> FrameReader::Open(const uint8_t* bytes, size_t size, const char (&magic)[4], size_t field_bytes,
                                        const char* what) {
  if (bytes == nullptr || size < 4 + field_bytes + 4 + 4 || std::memcmp(bytes, magic, 4) != 0)
    return Status(StatusCode::kMalformedPayload, std::string(what) + ": not a zhixuan " + what + " (bad magic or too short)");
  return FrameReader(bytes, size, field_bytes, what);
}

StatusOr<std::string_view> FrameReader::Body() const {
  const size_t header = 4 + field_bytes_ + 4;
  const uint32_t n = GetU32(bytes_ + 4 + field_bytes_);
  if (uint64_t{n} + header + 4 != size_)
    return Status(StatusCode::kIntegrity, std::string(what_) + " is truncated or has trailing bytes (length mismatch: a torn write?)");
  if (Crc32(bytes_, size_ - 4) != GetU32(bytes_ + size_ - 4))
    return Status(StatusCode::kIntegrity, std::string(what_) + " checksum mismatch (torn write or altered bytes)");
  return std::string_view(reinterpret_cast<const char*>(bytes_ + header), n);
}

}  // namespace zhixuan

// The framing both kinds of profile record share: profile blobs (profile_blob.hpp: exports and
// snapshots) and log records (profile_store.hpp). Little-endian:
//   4-byte magic | fixed fields (the format's own) | u32 n | n bytes of body | u32 CRC-32 of all before it
// A wrong magic or a record too short for its fields is MALFORMED_PAYLOAD; a torn or altered
// record fails the length or the CRC check (INTEGRITY).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

// magic | fields | u32 body size | body | CRC.
std::vector<uint8_t> EncodeFrame(const char (&magic)[4], const std::vector<uint8_t>& fields, std::string_view body);

class FrameReader {
 public:
  FrameReader() = default;  // (StatusOr needs one; Open makes the real ones)
  // Checks the magic and that `field_bytes` of fixed fields are there; `what` names the record
  // in errors ("profile blob", "log record").
  static StatusOr<FrameReader> Open(const uint8_t* bytes, size_t size, const char (&magic)[4], size_t field_bytes,
                                    const char* what);
  // The fixed fields after the magic (GetU16/32/64 read them).
  const uint8_t* fields() const { return bytes_ + 4; }
  // The body, once the length and the CRC check out.
  StatusOr<std::string_view> Body() const;

 private:
  FrameReader(const uint8_t* bytes, size_t size, size_t field_bytes, const char* what)
      : bytes_(bytes), size_(size), field_bytes_(field_bytes), what_(what) {}
  const uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
  size_t field_bytes_ = 0;
  const char* what_ = "";
};

// Little-endian fields.
void PutU16(std::vector<uint8_t>* out, uint16_t v);
void PutU32(std::vector<uint8_t>* out, uint32_t v);
void PutU64(std::vector<uint8_t>* out, uint64_t v);
uint16_t GetU16(const uint8_t* p);
uint32_t GetU32(const uint8_t* p);
uint64_t GetU64(const uint8_t* p);

}  // namespace zhixuan

// The profile blob: a user's event history as bytes, for exportProfile/importProfile and for
// storage snapshots. Little-endian layout (framed as record_frame.hpp):
//   "ZXPF" | u16 format version | u16 kind (0 export, 1 snapshot) | u64 seq (snapshot: last log
//   record it covers) | u32 n | n bytes of JSON | u32 CRC-32 of everything before it
// JSON: {"model_version": "...", "events": [[id, type, item, channel, ts, value|null], ...],
//        "aggregates": {item: {"wm_ts", "wm_id", "weight", "counts": {type: n}, "channels": {ch: n},
//                              "spend", "priced", "first_ts"}}}
// A torn or altered blob fails the CRC (INTEGRITY); a newer format is UNSUPPORTED; anything
// else broken is MALFORMED_PAYLOAD. Decoding never half-applies: it builds a fresh history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/profile/events.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr uint16_t kProfileBlobVersion = 1;
constexpr size_t kMaxProfileBlobBytes = 64u << 20;
constexpr int64_t kMaxBlobEvents = 1'000'000;

enum class BlobKind : uint16_t { kExport = 0, kSnapshot = 1 };

struct ProfileBlob {
  BlobKind kind = BlobKind::kExport;
  uint64_t seq = 0;
  std::string model_version;
  EventHistory history;
};

std::vector<uint8_t> EncodeProfileBlob(const EventHistory& history, BlobKind kind, uint64_t seq,
                                       const std::string& model_version);
StatusOr<ProfileBlob> DecodeProfileBlob(const uint8_t* bytes, size_t size);

// Shared by the blob and the storage log: validation of one decoded event.
Status ValidateStoredEvent(const Event& event);
// One event as the JSON array [id, type, item, channel, ts, value|null] and back.
std::string EventToJsonArray(const Event& event);
StatusOr<Event> EventFromJsonArray(const std::string& text);

}  // namespace zhixuan

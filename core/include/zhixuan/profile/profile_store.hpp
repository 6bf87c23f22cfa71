// The crash-safe storage format, identical on every host (the JS adapters store opaque byte
// records under keys and know nothing of their content):
//   - an append-only log: one record per committed event,
//       "ZXLG" | u64 seq | u32 n | n bytes of the event JSON array | u32 CRC-32 of what precedes
//   - snapshots: profile blobs of kind kSnapshot whose seq is the last log record they cover,
//     written alternately into two slots. After a snapshot with seq S is written, log records up to
//     the OTHER slot's seq may be deleted, so a torn newest snapshot can always be rebuilt from the
//     older one plus the log.
// Recovery picks the valid snapshot with the highest seq, then replays every valid log record
// after it; a corrupt snapshot or record is skipped with a warning, never taking the good ones
// with it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/profile/events.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct LogRecord {
  uint64_t seq = 0;
  Event event;
};

std::vector<uint8_t> EncodeLogRecord(uint64_t seq, const Event& event);
StatusOr<LogRecord> DecodeLogRecord(const uint8_t* bytes, size_t size);

using ByteRecord = std::vector<uint8_t>;

struct RecoveredProfile {
  EventHistory history;         // snapshot + replayed log, not yet compacted
  uint64_t snapshot_seq = 0;    // seq of the snapshot used (0: none)
  uint64_t last_seq = 0;        // highest seq seen in a valid snapshot or record
  std::string model_version;    // of the snapshot used
  int64_t replayed = 0;         // log records applied on top of the snapshot
  std::vector<std::string> warnings;
};

RecoveredProfile RecoverProfile(const std::vector<ByteRecord>& snapshots, const std::vector<ByteRecord>& log_records);

}  // namespace zhixuan

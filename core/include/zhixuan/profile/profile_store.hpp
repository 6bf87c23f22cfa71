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
  std::vector<uint64_t> snapshot_seqs;  // per given snapshot: its seq (0: absent or skipped)
  std::vector<int> bad_snapshots;       // indices of the snapshots skipped
  int64_t bad_records = 0;              // log records skipped
  std::vector<std::string> warnings;    // one line per skipped snapshot or record, for people
};

// An empty snapshot record is an absent slot (nothing to warn about).
RecoveredProfile RecoverProfile(const std::vector<ByteRecord>& snapshots, const std::vector<ByteRecord>& log_records);

// The two snapshot slots: which one the next snapshot overwrites (the older), when one is due
// (every `snapshot_every` records), and which log records a written snapshot lets go.
class SnapshotSlots {
 public:
  static constexpr int kSlots = 2;
  void Reset() { seq_[0] = seq_[1] = 0; }
  void Set(int slot, uint64_t seq) { seq_[slot] = seq; }
  uint64_t newest() const { return seq_[0] > seq_[1] ? seq_[0] : seq_[1]; }
  bool Due(uint64_t seq, uint64_t snapshot_every) const { return seq - newest() >= snapshot_every; }
  int NextSlot() const { return seq_[0] <= seq_[1] ? 0 : 1; }
  // Once a snapshot with `seq` is in `slot`: records covered by BOTH slots may go (a torn
  // newest snapshot still has the older one plus the log).
  uint64_t TrimUpTo(int slot, uint64_t seq) const {
    const uint64_t other = seq_[1 - slot];
    return other < seq ? other : seq;
  }

 private:
  uint64_t seq_[kSlots] = {0, 0};
};

}  // namespace zhixuan

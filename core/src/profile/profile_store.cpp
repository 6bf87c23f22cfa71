#include "zhixuan/profile/profile_store.hpp"

#include <algorithm>
#include <cstring>

#include "zhixuan/base/crc32.hpp"
#include "zhixuan/profile/profile_blob.hpp"

namespace zhixuan {
namespace {

constexpr char kLogMagic[4] = {'Z', 'X', 'L', 'G'};
constexpr size_t kLogHeaderBytes = 16;

}  // namespace

std::vector<uint8_t> EncodeLogRecord(uint64_t seq, const Event& event) {
  const std::string json = EventToJsonArray(event);
  std::vector<uint8_t> out(kLogMagic, kLogMagic + 4);
  PutU64(&out, seq);
  PutU32(&out, static_cast<uint32_t>(json.size()));
  out.insert(out.end(), json.begin(), json.end());
  PutU32(&out, Crc32(out.data(), out.size()));
  return out;
}

StatusOr<LogRecord> DecodeLogRecord(const uint8_t* bytes, size_t size) {
  if (bytes == nullptr || size < kLogHeaderBytes + 4 || std::memcmp(bytes, kLogMagic, 4) != 0)
    return Status(StatusCode::kMalformedPayload, "log record: bad magic or too short");
  const uint32_t n = GetU32(bytes + 12);
  if (uint64_t{n} + kLogHeaderBytes + 4 != size) return Status(StatusCode::kIntegrity, "log record: length mismatch (torn write)");
  if (Crc32(bytes, size - 4) != GetU32(bytes + size - 4)) return Status(StatusCode::kIntegrity, "log record: checksum mismatch");
  auto event = EventFromJsonArray(std::string(reinterpret_cast<const char*>(bytes + kLogHeaderBytes), n));
  if (!event.ok()) return event.status();
  return LogRecord{GetU64(bytes + 4), std::move(event).value()};
}

RecoveredProfile RecoverProfile(const std::vector<ByteRecord>& snapshots, const std::vector<ByteRecord>& log_records) {
  RecoveredProfile out;
  bool have_snapshot = false;
  out.snapshot_seqs.assign(snapshots.size(), 0);
  for (size_t i = 0; i < snapshots.size(); ++i) {
    if (snapshots[i].empty()) continue;
    auto blob = DecodeProfileBlob(snapshots[i].data(), snapshots[i].size());
    if (!blob.ok() || blob->kind != BlobKind::kSnapshot) {
      out.bad_snapshots.push_back(static_cast<int>(i));
      out.warnings.push_back("snapshot " + std::to_string(i) + " skipped: " +
                             (blob.ok() ? "it is an export blob, not a snapshot" : blob.status().ToString()));
      continue;
    }
    out.snapshot_seqs[i] = blob->seq;
    if (!have_snapshot || blob->seq > out.snapshot_seq) {
      have_snapshot = true;
      out.snapshot_seq = blob->seq;
      out.model_version = blob->model_version;
      out.history = std::move(blob->history);
    }
  }
  out.last_seq = out.snapshot_seq;
  std::vector<LogRecord> records;
  for (size_t i = 0; i < log_records.size(); ++i) {
    auto record = DecodeLogRecord(log_records[i].data(), log_records[i].size());
    if (!record.ok()) {
      ++out.bad_records;
      out.warnings.push_back("log record " + std::to_string(i) + " skipped: " + record.status().ToString());
      continue;
    }
    records.push_back(std::move(record).value());
  }
  std::sort(records.begin(), records.end(), [](const LogRecord& a, const LogRecord& b) { return a.seq < b.seq; });
  for (LogRecord& r : records) {
    out.last_seq = std::max(out.last_seq, r.seq);
    if (have_snapshot && r.seq <= out.snapshot_seq) continue;  // already inside the snapshot
    if (out.history.Add(std::move(r.event))) ++out.replayed;
  }
  return out;
}

}  // namespace zhixuan

#include "zhixuan/profile/profile_store.hpp"

#include <algorithm>
#include <cstring>

#include "zhixuan/profile/profile_blob.hpp"
#include "zhixuan/profile/record_frame.hpp"

namespace zhixuan {
namespace {

constexpr char kLogMagic[4] = {'Z', 'X', 'L', 'G'};
constexpr size_t kLogFieldBytes = 8;  // u64 seq

}  // namespace

std::vector<uint8_t> EncodeLogRecord(uint64_t seq, const Event& event) {
  std::vector<uint8_t> fields;
  PutU64(&fields, seq);
  return EncodeFrame(kLogMagic, fields, EventToJsonArray(event));
}

StatusOr<LogRecord> DecodeLogRecord(const uint8_t* bytes, size_t size) {
  auto frame = FrameReader::Open(bytes, size, kLogMagic, kLogFieldBytes, "log record");
  if (!frame.ok()) return frame.status();
  auto body = frame->Body();
  if (!body.ok()) return body.status();
  auto event = EventFromJsonArray(std::string(*body));
  if (!event.ok()) return event.status();
  return LogRecord{GetU64(frame->fields()), std::move(event).value()};
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

// Registrations of the profile room: ProfileRoom is a view of the session's ProfileRoom
// (zhixuan/session/profile_room.hpp). Logic lives in core (profile.hpp, profile_store.hpp); this file converts.
#include <emscripten/bind.h>

#include <memory>

#include "convert.hpp"
#include "zhixuan/session/profile_room.hpp"
#include "zhixuan/session/session.hpp"

namespace zhixuan::wasm {
namespace {

using emscripten::val;

std::vector<ByteRecord> RecordList(const val& array) {
  std::vector<ByteRecord> out;
  if (array.isUndefined() || array.isNull()) return out;
  const size_t n = array["length"].as<size_t>();
  for (size_t i = 0; i < n; ++i) out.push_back(CopyIn<uint8_t>(array[i]));
  return out;
}

val ReasonVal(const Reason& r) {
  val out = val::object();
  out.set("kind", std::string(ReasonKindName(r.kind)));
  if (r.kind == Reason::Kind::kItem) {
    out.set("item", r.item);
    out.set("share", r.share);
  } else if (r.kind == Reason::Kind::kTag) {
    out.set("tag", r.tag);
  }
  return out;
}

// A view of the session's ProfileRoom: it holds no pointer into the model, so a model change
// (Session::ReplaceModel) is seen on the next call.
class ProfileHandle {
 public:
  explicit ProfileHandle(Session& session) : session_(&session) {
    if (!session.loaded()) {
      status_ = InvalidArgument("no model is loaded");
      return;
    }
    auto room = ProfileRoom::Create(session.recommender());
    if (!room.ok()) status_ = room.status();
    else session.Attach(std::move(room).value());
  }

  val Status() const { return StatusVal(status_); }

  // {duplicate, seq, record: Uint8Array} — persist `record`, then commit(seq) (or commitRecord).
  // The fields arrive type-checked by js/profile.js; the core validates their values.
  val Prepare(const std::string& type, const std::string& item, const std::string& channel, double ts,
              const val& id, const val& value, double now_ms) {
    if (!room()) return ErrorVal(status_);
    EventInput in;
    in.type = type;
    in.item = item;
    in.channel = channel;
    in.ts = ts;
    in.has_id = !id.isUndefined() && !id.isNull();
    if (in.has_id) in.id = id.as<std::string>();
    in.has_value = !value.isUndefined() && !value.isNull();
    if (in.has_value) in.value = value.as<double>();
    auto prepared = room()->Prepare(in, now_ms);
    if (!prepared.ok()) return ErrorVal(prepared.status());
    val out = val::object();
    out.set("duplicate", prepared->duplicate);
    out.set("seq", static_cast<double>(prepared->seq));
    out.set("record", CopyOut(prepared->record));
    return out;
  }

  // Applies the event prepared last (after its record was made durable).
  // {snapshotDue}
  val Commit(double seq) {
    if (!room()) return ErrorVal(status_);
    auto due = room()->CommitPrepared(static_cast<uint64_t>(seq));
    if (!due.ok()) return ErrorVal(due.status());
    val out = val::object();
    out.set("snapshotDue", *due);
    return out;
  }

  // Applies a stored log record (any host that kept only the bytes).
  val CommitRecord(const val& record) {
    if (!room()) return ErrorVal(status_);
    const std::vector<uint8_t> bytes = CopyIn<uint8_t>(record);
    return StatusVal(profile().CommitRecord(bytes.data(), bytes.size()));
  }

  val Vector() {
    if (!room()) return ErrorVal(status_);
    auto x = profile().UserVector();
    if (!x.ok()) return ErrorVal(x.status());
    return CopyOut(*x);
  }

  val SeenRows() {
    if (!room()) return ErrorVal(status_);
    return CopyOut(profile().SeenRows());
  }

  // {rows, scores, reasons: [{kind, item?, share?, tag?}]}
  val Recommend(int k, const std::string& filter_json, const val& exclude_rows) {
    if (!room()) return ErrorVal(status_);
    auto filter = ParseFilterJson(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    auto out = profile().Recommend(k, *filter, CopyIn<int32_t>(exclude_rows));
    if (!out.ok()) return ErrorVal(out.status());
    val result = TopKVal(out->top);
    val reasons = val::array();
    for (size_t i = 0; i < out->reasons.size(); ++i) reasons.set(i, ReasonVal(out->reasons[i]));
    result.set("reasons", reasons);
    return result;
  }

  // {items: string[], weights: Float32Array}: the history as other rooms take it.
  val Weights() const {
    if (!room()) return ErrorVal(status_);
    std::vector<std::string> items;
    std::vector<float> weights;
    for (const auto& [item, w] : profile().ItemWeights()) {
      items.push_back(item);
      weights.push_back(static_cast<float>(w));
    }
    val out = val::object();
    out.set("items", StringArray(items));
    out.set("weights", CopyOut(weights));
    return out;
  }

  val Because(int row) {
    if (!room()) return ErrorVal(status_);
    auto reason = profile().Because(row);
    if (!reason.ok()) return ErrorVal(reason.status());
    return ReasonVal(*reason);
  }

  val Summary(double now_ms) {
    if (!room()) return ErrorVal(status_);
    auto json = profile().SummaryJson(now_ms);
    if (!json.ok()) return ErrorVal(json.status());
    return val(*json);
  }

  val ExportBlob() const {
    if (!room()) return ErrorVal(status_);
    return CopyOut(profile().Export());
  }

  val ImportBlob(const val& blob) {
    if (!room()) return ErrorVal(status_);
    const std::vector<uint8_t> bytes = CopyIn<uint8_t>(blob);
    return StatusVal(profile().Import(bytes.data(), bytes.size()));
  }

  // {slot, bytes, seq, trimUpTo}: write bytes to the slot, call snapshotStored(slot, seq), then
  // delete the log records up to trimUpTo.
  val PlanSnapshot() const {
    if (!room()) return ErrorVal(status_);
    const ProfileRoom::SnapshotPlan plan = room()->PlanSnapshot();
    val out = val::object();
    out.set("slot", plan.slot);
    out.set("bytes", CopyOut(plan.bytes));
    out.set("seq", static_cast<double>(plan.seq));
    out.set("trimUpTo", static_cast<double>(plan.trim_up_to));
    return out;
  }

  val SnapshotStored(int slot, double seq) {
    if (!room()) return ErrorVal(status_);
    return StatusVal(room()->SnapshotStored(slot, static_cast<uint64_t>(seq)));
  }

  // slots: both snapshot slots (an empty array: absent). {warnings, badSnapshots, badRecords}
  val Restore(const val& slots, const val& log_records) {
    if (!room()) return ErrorVal(status_);
    auto report = room()->Restore(RecordList(slots), RecordList(log_records));
    if (!report.ok()) return ErrorVal(report.status());
    val out = val::object();
    out.set("warnings", StringArray(report->warnings));
    out.set("badSnapshots", CopyOut(report->bad_snapshots));
    out.set("badRecords", static_cast<double>(report->bad_records));
    return out;
  }

  val Forget() {
    if (!room()) return ErrorVal(status_);
    room()->Forget();
    return OkVal();
  }

  // The raw events kept (newest first, at most `limit`): [{id, type, item, channel, ts, value?}].
  val Events(int limit) const {
    if (!room()) return ErrorVal(status_);
    const auto& events = profile().history().events();
    val out = val::array();
    int n = 0;
    for (auto it = events.rbegin(); it != events.rend() && n < limit; ++it, ++n) {
      val e = val::object();
      e.set("id", it->id);
      e.set("type", std::string(EventTypeName(it->type)));
      e.set("item", it->item);
      e.set("channel", it->channel);
      e.set("ts", it->ts);
      if (it->has_value()) e.set("value", it->value);
      out.set(n, e);
    }
    return out;
  }

  // {lastSeq, snapshotEvery, events, foldedItems, maxEvents}
  val Info() const {
    if (!room()) return ErrorVal(status_);
    val out = val::object();
    out.set("lastSeq", static_cast<double>(profile().last_seq()));
    out.set("snapshotEvery", static_cast<double>(profile().config().snapshot_every));
    out.set("maxEvents", static_cast<double>(profile().config().max_events));
    out.set("events", static_cast<double>(profile().history().events().size()));
    out.set("foldedItems", static_cast<double>(profile().history().aggregates().size()));
    return out;
  }

 private:
  ProfileRoom* room() const { return status_.ok() ? session_->Find<ProfileRoom>() : nullptr; }
  Profile& profile() const { return room()->profile(); }

  Session* session_;
  zhixuan::Status status_;
};

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_profile) {
  using zhixuan::wasm::ProfileHandle;
  emscripten::class_<ProfileHandle>("ProfileRoom")
      .constructor<zhixuan::Session&>()
      .function("status", &ProfileHandle::Status)
      .function("prepare", &ProfileHandle::Prepare)
      .function("commit", &ProfileHandle::Commit)
      .function("commitRecord", &ProfileHandle::CommitRecord)
      .function("vector", &ProfileHandle::Vector)
      .function("seenRows", &ProfileHandle::SeenRows)
      .function("recommend", &ProfileHandle::Recommend)
      .function("because", &ProfileHandle::Because)
      .function("weights", &ProfileHandle::Weights)
      .function("summary", &ProfileHandle::Summary)
      .function("exportBlob", &ProfileHandle::ExportBlob)
      .function("importBlob", &ProfileHandle::ImportBlob)
      .function("planSnapshot", &ProfileHandle::PlanSnapshot)
      .function("snapshotStored", &ProfileHandle::SnapshotStored)
      .function("restore", &ProfileHandle::Restore)
      .function("forget", &ProfileHandle::Forget)
      .function("info", &ProfileHandle::Info)
      .function("events", &ProfileHandle::Events);
}

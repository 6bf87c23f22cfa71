// Registrations of the profile room: ProfileHandle wraps one zhixuan::Profile bound to an
// Engine's recommender. Logic lives in core (profile.hpp, profile_store.hpp); this file converts.
#include <emscripten/bind.h>

#include <memory>

#include "convert.hpp"
#include "engine.hpp"
#include "zhixuan/profile/profile.hpp"

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

class ProfileHandle {
 public:
  explicit ProfileHandle(Engine& engine) {
    if (!engine.loaded()) {
      status_ = InvalidArgument("no model is loaded");
      return;
    }
    auto p = Profile::Create(&engine.rec());
    if (!p.ok()) status_ = p.status();
    else profile_ = std::move(p).value();
  }

  val Status() const { return StatusVal(status_); }

  // {duplicate, seq, record: Uint8Array} — persist `record`, then commit(seq) (or commitRecord).
  // The fields arrive type-checked by js/profile.js; the core validates their values.
  val Prepare(const std::string& type, const std::string& item, const std::string& channel, double ts,
              const val& id, const val& value, double now_ms) {
    if (!profile_) return ErrorVal(status_);
    EventInput in;
    in.type = type;
    in.item = item;
    in.channel = channel;
    in.ts = ts;
    in.has_id = !id.isUndefined() && !id.isNull();
    if (in.has_id) in.id = id.as<std::string>();
    in.has_value = !value.isUndefined() && !value.isNull();
    if (in.has_value) in.value = value.as<double>();
    auto prepared = profile_->Prepare(in, now_ms);
    if (!prepared.ok()) return ErrorVal(prepared.status());
    pending_ = std::move(prepared).value();
    val out = val::object();
    out.set("duplicate", pending_.duplicate);
    out.set("seq", static_cast<double>(pending_.seq));
    out.set("record", CopyOut(pending_.record));
    return out;
  }

  // Applies the event prepared last (after its record was made durable).
  val Commit(double seq) {
    if (!profile_) return ErrorVal(status_);
    if (pending_.duplicate || pending_.seq == 0 || static_cast<double>(pending_.seq) != seq)
      return ErrorVal(zhixuan::Status(StatusCode::kInternal, "commit does not match the prepared event"));
    zhixuan::Status s = profile_->Commit(pending_);
    pending_ = PreparedEvent{};
    pending_.duplicate = true;
    return StatusVal(s);
  }

  // Applies a stored log record (any host that kept only the bytes).
  val CommitRecord(const val& record) {
    if (!profile_) return ErrorVal(status_);
    const std::vector<uint8_t> bytes = CopyIn<uint8_t>(record);
    return StatusVal(profile_->CommitRecord(bytes.data(), bytes.size()));
  }

  val Vector() {
    if (!profile_) return ErrorVal(status_);
    auto x = profile_->UserVector();
    if (!x.ok()) return ErrorVal(x.status());
    return CopyOut(*x);
  }

  val SeenRows() const {
    if (!profile_) return ErrorVal(status_);
    return CopyOut(profile_->SeenRows());
  }

  // {rows, scores, reasons: [{kind, item?, share?, tag?}]}
  val Recommend(int k, const std::string& filter_json, const val& exclude_rows) {
    if (!profile_) return ErrorVal(status_);
    auto filter = ParseFilterJson(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    auto out = profile_->Recommend(k, *filter, CopyIn<int32_t>(exclude_rows));
    if (!out.ok()) return ErrorVal(out.status());
    val result = TopKVal(out->top);
    val reasons = val::array();
    for (size_t i = 0; i < out->reasons.size(); ++i) reasons.set(i, ReasonVal(out->reasons[i]));
    result.set("reasons", reasons);
    return result;
  }

  // {items: string[], weights: Float32Array}: the history as other rooms take it.
  val Weights() const {
    if (!profile_) return ErrorVal(status_);
    std::vector<std::string> items;
    std::vector<float> weights;
    for (const auto& [item, w] : profile_->ItemWeights()) {
      items.push_back(item);
      weights.push_back(static_cast<float>(w));
    }
    val out = val::object();
    out.set("items", StringArray(items));
    out.set("weights", CopyOut(weights));
    return out;
  }

  val Because(int row) {
    if (!profile_) return ErrorVal(status_);
    auto reason = profile_->Because(row);
    if (!reason.ok()) return ErrorVal(reason.status());
    return ReasonVal(*reason);
  }

  val Summary(double now_ms) {
    if (!profile_) return ErrorVal(status_);
    auto json = profile_->SummaryJson(now_ms);
    if (!json.ok()) return ErrorVal(json.status());
    return val(*json);
  }

  val ExportBlob() const {
    if (!profile_) return ErrorVal(status_);
    return CopyOut(profile_->Export());
  }

  val ImportBlob(const val& blob) {
    if (!profile_) return ErrorVal(status_);
    const std::vector<uint8_t> bytes = CopyIn<uint8_t>(blob);
    return StatusVal(profile_->Import(bytes.data(), bytes.size()));
  }

  // {bytes, seq}
  val Snapshot() const {
    if (!profile_) return ErrorVal(status_);
    val out = val::object();
    out.set("bytes", CopyOut(profile_->Snapshot()));
    out.set("seq", static_cast<double>(profile_->last_seq()));
    return out;
  }

  // {warnings: string[]}
  val Restore(const val& snapshots, const val& log_records) {
    if (!profile_) return ErrorVal(status_);
    std::vector<std::string> warnings;
    zhixuan::Status s = profile_->Restore(RecordList(snapshots), RecordList(log_records), &warnings);
    if (!s.ok()) return ErrorVal(s);
    val out = val::object();
    out.set("warnings", StringArray(warnings));
    return out;
  }

  val Forget() {
    if (!profile_) return ErrorVal(status_);
    profile_->Forget();
    return OkVal();
  }

  // The raw events kept (newest first, at most `limit`): [{id, type, item, channel, ts, value?}].
  val Events(int limit) const {
    if (!profile_) return ErrorVal(status_);
    const auto& events = profile_->history().events();
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
    if (!profile_) return ErrorVal(status_);
    val out = val::object();
    out.set("lastSeq", static_cast<double>(profile_->last_seq()));
    out.set("snapshotEvery", static_cast<double>(profile_->config().snapshot_every));
    out.set("maxEvents", static_cast<double>(profile_->config().max_events));
    out.set("events", static_cast<double>(profile_->history().events().size()));
    out.set("foldedItems", static_cast<double>(profile_->history().aggregates().size()));
    return out;
  }

 private:
  zhixuan::Status status_;
  std::unique_ptr<Profile> profile_;
  PreparedEvent pending_;
};

}  // namespace
}  // namespace zhixuan::wasm

EMSCRIPTEN_BINDINGS(zhixuan_profile) {
  using zhixuan::wasm::Engine;
  using zhixuan::wasm::ProfileHandle;
  emscripten::class_<ProfileHandle>("ProfileHandle")
      .constructor<Engine&>()
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
      .function("snapshot", &ProfileHandle::Snapshot)
      .function("restore", &ProfileHandle::Restore)
      .function("forget", &ProfileHandle::Forget)
      .function("info", &ProfileHandle::Info)
      .function("events", &ProfileHandle::Events);
}

// Registrations of the profile room: ProfileHandle wraps one zhixuan::Profile bound to an
// Engine's recommender. Logic lives in core (profile.hpp, profile_store.hpp); this file converts.
#include <emscripten/bind.h>

#include <memory>

#include "convert.hpp"
#include "engine.hpp"
#include "zhixuan/profile.hpp"

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

  // {duplicate, seq, record: Uint8Array} — persist `record`, then commit(record).
  val Prepare(const std::string& event_json, double now_ms) const {
    if (!profile_) return ErrorVal(status_);
    auto prepared = profile_->Prepare(event_json, now_ms);
    if (!prepared.ok()) return ErrorVal(prepared.status());
    val out = val::object();
    out.set("duplicate", prepared->duplicate);
    out.set("seq", static_cast<double>(prepared->seq));
    out.set("record", CopyOut(prepared->record));
    return out;
  }

  val Commit(const val& record) {
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
      .function("info", &ProfileHandle::Info);
}

// The profile room's calls as JS sees them (registered by bind_profile.cpp): typed arrays and
// plain objects in and out (copies), statuses as {zxError}. The work is the core's
// (session/profile_room.hpp, profile/profile.hpp); these only convert.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "room_view.hpp"
#include "zhixuan/profile/profile.hpp"
#include "zhixuan/session/profile_room.hpp"

namespace zhixuan::wasm {

using ProfileView = RoomView<ProfileRoom>;

// {kind, item?, share?, tag?}
inline emscripten::val ReasonVal(const Reason& r) {
  emscripten::val out = emscripten::val::object();
  out.set("kind", std::string(ReasonKindName(r.kind)));
  if (r.kind == Reason::Kind::kItem) {
    out.set("item", r.item);
    out.set("share", r.share);
  } else if (r.kind == Reason::Kind::kTag) {
    out.set("tag", r.tag);
  }
  return out;
}

// {rows, scores, reasons}
inline emscripten::val RecommendationVal(const ProfileRecommendation& r) {
  emscripten::val out = TopKVal(r.top);
  emscripten::val reasons = emscripten::val::array();
  for (size_t i = 0; i < r.reasons.size(); ++i) reasons.set(i, ReasonVal(r.reasons[i]));
  out.set("reasons", reasons);
  return out;
}

namespace profile_calls {

// {duplicate, seq, record: Uint8Array}: persist `record`, then commit(seq). The fields arrive
// type-checked by js/profile.js; the core validates their values.
emscripten::val Prepare(ProfileView& v, const std::string& type, const std::string& item, const std::string& channel,
                        double ts, const emscripten::val& id, const emscripten::val& value, double now_ms);
// Applies the event prepared last (after its record was made durable): {snapshotDue}.
emscripten::val Commit(ProfileView& v, double seq);
// Applies a stored log record (any host that kept only the bytes).
emscripten::val CommitRecord(ProfileView& v, const emscripten::val& record);
emscripten::val Vector(ProfileView& v);
emscripten::val SeenRows(ProfileView& v);
// {rows, scores, reasons: [{kind, item?, share?, tag?}]}
emscripten::val Recommend(ProfileView& v, int k, const std::string& filter_json, const emscripten::val& exclude_rows);
// {items: string[], weights: Float32Array}: the history as other rooms take it.
emscripten::val Weights(ProfileView& v);
emscripten::val Because(ProfileView& v, int row);
emscripten::val Summary(ProfileView& v, double now_ms);
emscripten::val ExportBlob(ProfileView& v);
emscripten::val ImportBlob(ProfileView& v, const emscripten::val& blob);
// {slot, bytes, seq, trimUpTo}: write bytes to the slot, call snapshotStored(slot, seq), then
// delete the log records up to trimUpTo.
emscripten::val PlanSnapshot(ProfileView& v);
emscripten::val SnapshotStored(ProfileView& v, int slot, double seq);
// slots: both snapshot slots (an empty array: absent). {warnings, badSnapshots, badRecords}
emscripten::val Restore(ProfileView& v, const emscripten::val& slots, const emscripten::val& log_records);
emscripten::val Forget(ProfileView& v);
// The raw events kept (newest first, at most `limit`): [{id, type, item, channel, ts, value?}].
emscripten::val Events(ProfileView& v, int limit);
// {lastSeq, snapshotEvery, events, foldedItems, maxEvents}
emscripten::val Info(ProfileView& v);

}  // namespace profile_calls
}  // namespace zhixuan::wasm

#include "profile_calls.hpp"

#include <vector>

namespace zhixuan::wasm {

using emscripten::val;

namespace profile_calls {

val Prepare(ProfileView& v, const std::string& type, const std::string& item, const std::string& channel, double ts,
            const val& id, const val& value, double now_ms) {
  return WithRoom(v, [&](ProfileRoom& room) {
    EventInput in;
    in.type = type;
    in.item = item;
    in.channel = channel;
    in.ts = ts;
    in.has_id = !id.isUndefined() && !id.isNull();
    if (in.has_id) in.id = id.as<std::string>();
    in.has_value = !value.isUndefined() && !value.isNull();
    if (in.has_value) in.value = value.as<double>();
    auto prepared = room.Prepare(in, now_ms);
    if (!prepared.ok()) return ErrorVal(prepared.status());
    val out = val::object();
    out.set("duplicate", prepared->duplicate);
    out.set("seq", static_cast<double>(prepared->seq));
    out.set("record", CopyOut(prepared->record));
    return out;
  });
}

val Commit(ProfileView& v, double seq) {
  return WithRoom(v, [&](ProfileRoom& room) {
    auto due = room.CommitPrepared(static_cast<uint64_t>(seq));
    if (!due.ok()) return ErrorVal(due.status());
    val out = val::object();
    out.set("snapshotDue", *due);
    return out;
  });
}

val CommitRecord(ProfileView& v, const val& record) {
  return WithRoom(v, [&](ProfileRoom& room) {
    const std::vector<uint8_t> bytes = CopyIn<uint8_t>(record);
    return StatusVal(room.profile().CommitRecord(bytes.data(), bytes.size()));
  });
}

val Vector(ProfileView& v) {
  return WithRoom(v, [](ProfileRoom& room) {
    auto x = room.profile().UserVector();
    return x.ok() ? CopyOut(*x) : ErrorVal(x.status());
  });
}

val SeenRows(ProfileView& v) {
  return WithRoom(v, [](ProfileRoom& room) { return CopyOut(room.profile().SeenRows()); });
}

val Recommend(ProfileView& v, int k, const std::string& filter_json, const val& exclude_rows) {
  return WithRoom(v, [&](ProfileRoom& room) {
    auto filter = v.session().CompileFilter(filter_json);
    if (!filter.ok()) return ErrorVal(filter.status());
    auto out = room.profile().Recommend(k, *filter, CopyIn<int32_t>(exclude_rows));
    return out.ok() ? RecommendationVal(*out) : ErrorVal(out.status());
  });
}

val Weights(ProfileView& v) {
  return WithRoom(v, [](ProfileRoom& room) {
    std::vector<std::string> items;
    std::vector<float> weights;
    for (const auto& [item, w] : room.profile().ItemWeights()) {
      items.push_back(item);
      weights.push_back(static_cast<float>(w));
    }
    val out = val::object();
    out.set("items", StringArray(items));
    out.set("weights", CopyOut(weights));
    return out;
  });
}

val Because(ProfileView& v, int row) {
  return WithRoom(v, [&](ProfileRoom& room) {
    auto reason = room.profile().Because(row);
    return reason.ok() ? ReasonVal(*reason) : ErrorVal(reason.status());
  });
}

val Summary(ProfileView& v, double now_ms) {
  return WithRoom(v, [&](ProfileRoom& room) {
    auto json = room.profile().SummaryJson(now_ms);
    return json.ok() ? val(*json) : ErrorVal(json.status());
  });
}

val ExportBlob(ProfileView& v) {
  return WithRoom(v, [](ProfileRoom& room) { return CopyOut(room.profile().Export()); });
}

val ImportBlob(ProfileView& v, const val& blob) {
  return WithRoom(v, [&](ProfileRoom& room) {
    const std::vector<uint8_t> bytes = CopyIn<uint8_t>(blob);
    return StatusVal(room.profile().Import(bytes.data(), bytes.size()));
  });
}

val PlanSnapshot(ProfileView& v) {
  return WithRoom(v, [](ProfileRoom& room) {
    const ProfileRoom::SnapshotPlan plan = room.PlanSnapshot();
    val out = val::object();
    out.set("slot", plan.slot);
    out.set("bytes", CopyOut(plan.bytes));
    out.set("seq", static_cast<double>(plan.seq));
    out.set("trimUpTo", static_cast<double>(plan.trim_up_to));
    return out;
  });
}

val SnapshotStored(ProfileView& v, int slot, double seq) {
  return WithRoom(v, [&](ProfileRoom& room) { return StatusVal(room.SnapshotStored(slot, static_cast<uint64_t>(seq))); });
}

val Restore(ProfileView& v, const val& slots, const val& log_records) {
  return WithRoom(v, [&](ProfileRoom& room) {
    auto report = room.Restore(ByteArrays(slots), ByteArrays(log_records));
    if (!report.ok()) return ErrorVal(report.status());
    val out = val::object();
    out.set("warnings", StringArray(report->warnings));
    out.set("badSnapshots", CopyOut(report->bad_snapshots));
    out.set("badRecords", static_cast<double>(report->bad_records));
    return out;
  });
}

val Forget(ProfileView& v) {
  return WithRoom(v, [](ProfileRoom& room) {
    room.Forget();
    return OkVal();
  });
}

val Events(ProfileView& v, int limit) {
  return WithRoom(v, [&](ProfileRoom& room) {
    const auto& events = room.profile().history().events();
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
  });
}

val Info(ProfileView& v) {
  return WithRoom(v, [](ProfileRoom& room) {
    const Profile& profile = room.profile();
    val out = val::object();
    out.set("lastSeq", static_cast<double>(profile.last_seq()));
    out.set("snapshotEvery", static_cast<double>(profile.config().snapshot_every));
    out.set("maxEvents", static_cast<double>(profile.config().max_events));
    out.set("events", static_cast<double>(profile.history().events().size()));
    out.set("foldedItems", static_cast<double>(profile.history().aggregates().size()));
    return out;
  });
}

}  // namespace profile_calls
}  // namespace zhixuan::wasm

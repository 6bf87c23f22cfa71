#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../profile/profile_fixtures.hpp"
#include "zhixuan/session/profile_room.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

EventInput View(int item, double ts) {
  EventInput e;
  e.type = "view";
  e.item = "item" + std::to_string(item);
  e.channel = "web";
  e.ts = ts;
  return e;
}

// Tracks one event the way a host does: prepare, persist the record, commit.
bool Track(ProfileRoom& room, int item, double ts, std::vector<ByteRecord>* log) {
  auto prepared = room.Prepare(View(item, ts), kNow);
  REQUIRE(prepared.ok());
  log->push_back(prepared->record);
  auto due = room.CommitPrepared(prepared->seq);
  REQUIRE(due.ok());
  return *due;
}

}  // namespace

TEST_CASE("profile room: snapshots alternate slots, are due every snapshot_every records, and trim the log",
          "[session][profile]") {
  auto rec = ProfileRecommender(R"({"snapshot_every": 3})");
  auto room = ProfileRoom::Create(*rec).value();
  std::vector<ByteRecord> log;
  REQUIRE(!Track(*room, 0, kNow - 10, &log));
  REQUIRE(!Track(*room, 1, kNow - 9, &log));
  REQUIRE(Track(*room, 2, kNow - 8, &log));  // 3 records since the (absent) snapshots

  ProfileRoom::SnapshotPlan first = room->PlanSnapshot();
  REQUIRE(first.slot == 0);
  REQUIRE(first.seq == 3);
  REQUIRE(first.trim_up_to == 0);  // the other slot holds nothing yet: keep the whole log
  REQUIRE(room->SnapshotStored(first.slot, first.seq).ok());
  for (int i = 3; i < 5; ++i) REQUIRE(!Track(*room, i, kNow - 10 + i, &log));
  REQUIRE(Track(*room, 5, kNow - 5, &log));
  ProfileRoom::SnapshotPlan second = room->PlanSnapshot();
  REQUIRE(second.slot == 1);
  REQUIRE(second.seq == 6);
  REQUIRE(second.trim_up_to == 3);  // covered by both slots
  REQUIRE(room->SnapshotStored(second.slot, second.seq).ok());
  REQUIRE(room->PlanSnapshot().slot == 0);  // the older one goes next
  REQUIRE(room->SnapshotStored(2, 1).code() == StatusCode::kInvalidArgument);

  SECTION("a restore reports the skipped slot and records, and the slots' seqs steer the next plan") {
    auto restored = ProfileRoom::Create(*rec).value();
    std::vector<ByteRecord> slots = {ByteRecord{'Z', 'X', 'P', 'F', 1, 0, 1, 0, 'x'}, second.bytes};
    std::vector<ByteRecord> records = log;
    records[4].back() ^= 0xff;  // a torn record
    auto report = restored->Restore(slots, records);
    REQUIRE(report.ok());
    REQUIRE(report->bad_snapshots == std::vector<int>{0});
    REQUIRE(report->bad_records == 1);
    REQUIRE(report->warnings.size() == 2);
    REQUIRE(restored->profile().last_seq() == 6);
    REQUIRE(restored->PlanSnapshot().slot == 0);  // the unreadable slot is rewritten first
    REQUIRE(restored->PlanSnapshot().trim_up_to == 6);  // both slots will cover seq 6
  }
  SECTION("an empty slot is absent, not bad") {
    auto restored = ProfileRoom::Create(*rec).value();
    auto report = restored->Restore({ByteRecord{}, first.bytes}, log);
    REQUIRE(report.ok());
    REQUIRE(report->bad_snapshots.empty());
    REQUIRE(report->warnings.empty());
    REQUIRE(restored->PlanSnapshot().slot == 0);
    REQUIRE(restored->PlanSnapshot().trim_up_to == 3);
    REQUIRE(restored->Restore({first.bytes}, log).status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("forget empties the profile and both slots") {
    room->Forget();
    REQUIRE(room->profile().last_seq() == 0);
    REQUIRE(room->PlanSnapshot().trim_up_to == 0);
  }
}

TEST_CASE("profile room: a commit must match the prepared event", "[session][profile][bad-input]") {
  auto rec = ProfileRecommender();
  auto room = ProfileRoom::Create(*rec).value();
  REQUIRE(room->CommitPrepared(1).status().code() == StatusCode::kInternal);
  auto prepared = room->Prepare(View(0, kNow - 1), kNow);
  REQUIRE(prepared.ok());
  REQUIRE(room->CommitPrepared(prepared->seq + 1).status().code() == StatusCode::kInternal);
  REQUIRE(room->CommitPrepared(prepared->seq).ok());
  REQUIRE(room->CommitPrepared(prepared->seq).status().code() == StatusCode::kInternal);  // once
}

#include <catch2/catch.hpp>

#include "profile_fixtures.hpp"
#include "zhixuan/profile/profile_store.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

// What a storage adapter would hold after tracking `n` events, with a snapshot after event `snap_at`.
struct Stored {
  std::vector<ByteRecord> snapshots, log;
  std::vector<uint8_t> expected_export;
};

Stored TrackAndStore(const Recommender& rec, int n, int snap_at) {
  auto p = Profile::Create(&rec).value();
  Stored s;
  for (int i = 0; i < n; ++i) {
    auto prepared = p->Prepare(Ev(i % 2 ? "view" : "purchase", "item" + std::to_string(i % 9), kNow - 100 + i), kNow);
    REQUIRE(prepared.ok());
    s.log.push_back(prepared->record);  // persisted first ...
    REQUIRE(p->Commit(*prepared).ok());  // ... then applied
    if (i + 1 == snap_at) s.snapshots.push_back(p->Snapshot());
  }
  s.expected_export = p->Export();
  return s;
}

std::vector<uint8_t> Restored(const Recommender& rec, const Stored& s, std::vector<std::string>* warnings) {
  auto p = Profile::Create(&rec).value();
  REQUIRE(p->Restore(s.snapshots, s.log, warnings).ok());
  return p->Export();
}

}  // namespace

TEST_CASE("profile store: snapshot plus log recovers every committed event", "[profile][store]") {
  auto rec = ProfileRecommender();
  Stored s = TrackAndStore(*rec, 20, 12);
  std::vector<std::string> warnings;
  SECTION("all intact") {
    REQUIRE(Restored(*rec, s, &warnings) == s.expected_export);
    REQUIRE(warnings.empty());
  }
  SECTION("log records covered by the snapshot were deleted") {
    s.log.erase(s.log.begin(), s.log.begin() + 12);
    REQUIRE(Restored(*rec, s, &warnings) == s.expected_export);
  }
  SECTION("a torn snapshot is detected and rebuilt from the log") {
    s.snapshots[0].resize(s.snapshots[0].size() / 2);
    REQUIRE(Restored(*rec, s, &warnings) == s.expected_export);
    REQUIRE(warnings.size() == 1);
    REQUIRE(warnings[0].find("INTEGRITY") != std::string::npos);
  }
  SECTION("a corrupt log record is skipped with a warning; the others survive") {
    s.log[15][20] ^= 0x01;
    auto p = Profile::Create(rec.get()).value();
    REQUIRE(p->Restore(s.snapshots, s.log, &warnings).ok());
    REQUIRE(warnings.size() == 1);
    REQUIRE(warnings[0].find("log record 15") != std::string::npos);
    REQUIRE(p->history().events().size() == 19);
  }
  SECTION("a torn last record (crash mid-write) loses only that uncommitted record") {
    s.log.back().resize(9);
    auto p = Profile::Create(rec.get()).value();
    REQUIRE(p->Restore(s.snapshots, s.log, &warnings).ok());
    REQUIRE(p->history().events().size() == 19);
    REQUIRE(p->last_seq() == 19);
  }
}

TEST_CASE("profile store: the newest valid of two snapshot slots wins; sequence numbers continue", "[profile][store]") {
  auto rec = ProfileRecommender();
  auto p = Profile::Create(rec.get()).value();
  std::vector<ByteRecord> log, slots(2);
  for (int i = 0; i < 10; ++i) {
    auto prepared = p->Prepare(Ev("click", "item" + std::to_string(i), kNow - 50 + i), kNow).value();
    log.push_back(prepared.record);
    REQUIRE(p->Commit(prepared).ok());
    if (i == 3) slots[0] = p->Snapshot();
    if (i == 7) slots[1] = p->Snapshot();
  }
  log.erase(log.begin(), log.begin() + 4);  // records up to the older slot's seq are gone
  slots[1][40] ^= 0xFF;                     // the newest snapshot is corrupt
  auto restored = Profile::Create(rec.get()).value();
  std::vector<std::string> warnings;
  REQUIRE(restored->Restore(slots, log, &warnings).ok());
  REQUIRE(restored->Export() == p->Export());
  REQUIRE(restored->last_seq() == 10);
  auto next = restored->Prepare(Ev("click", "item20", kNow), kNow).value();
  REQUIRE(next.seq == 11);
}

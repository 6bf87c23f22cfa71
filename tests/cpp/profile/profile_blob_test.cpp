#include <catch2/catch.hpp>

#include "profile_fixtures.hpp"
#include "zhixuan/base/crc32.hpp"
#include "zhixuan/profile/profile_blob.hpp"
#include "zhixuan/profile/record_frame.hpp"
#include "zhixuan/profile/profile_store.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

Event MakeEvent(const std::string& id, EventType type, const std::string& item, double ts) {
  Event e;
  e.id = id;
  e.type = type;
  e.item = item;
  e.channel = "web";
  e.ts = ts;
  return e;
}

// Canonical bytes of a history: equal histories encode equally.
std::vector<uint8_t> Bytes(const EventHistory& h) { return EncodeProfileBlob(h, BlobKind::kExport, 0, "m"); }

EventHistory Merged(EventHistory a, const EventHistory& b) {
  a.Merge(b);
  return a;
}

// Three devices with overlapping events and, on two of them, folded aggregates.
std::vector<EventHistory> Devices() {
  std::vector<EventHistory> d(3);
  const auto weight = [](const Event&) { return 1.0; };
  const auto price = [](const Event&) { return 10.0; };
  for (int i = 0; i < 12; ++i) {
    Event e = MakeEvent("e" + std::to_string(i), i % 3 ? EventType::kView : EventType::kPurchase,
                        "item" + std::to_string(i % 4), 1000.0 + i);
    if (i % 3 != 2) d[0].Add(e);  // overlaps with d[1] and d[2]
    if (i % 2 == 0) d[1].Add(e);
    if (i >= 6) d[2].Add(e);
  }
  d[2].Add(MakeEvent("only-c", EventType::kFavorite, "item9", 5000));
  d[0].Compact(4, 1e6, weight, price);
  d[2].Compact(3, 1e6, weight, price);
  return d;
}

}  // namespace

TEST_CASE("profile blob: export and import round-trip byte for byte", "[profile][blob]") {
  auto d = Devices();
  for (const EventHistory& h : d) {
    auto bytes = EncodeProfileBlob(h, BlobKind::kSnapshot, 42, "model-7");
    auto blob = DecodeProfileBlob(bytes.data(), bytes.size());
    REQUIRE(blob.ok());
    REQUIRE(blob->seq == 42);
    REQUIRE(blob->kind == BlobKind::kSnapshot);
    REQUIRE(blob->model_version == "model-7");
    REQUIRE(Bytes(blob->history) == Bytes(h));
  }
}

TEST_CASE("profile merge is commutative, associative and idempotent", "[profile][blob][merge]") {
  auto d = Devices();
  const auto &a = d[0], &b = d[1], &c = d[2];
  SECTION("commutative") {
    REQUIRE(Bytes(Merged(a, b)) == Bytes(Merged(b, a)));
    REQUIRE(Bytes(Merged(a, c)) == Bytes(Merged(c, a)));
  }
  SECTION("associative") {
    REQUIRE(Bytes(Merged(Merged(a, b), c)) == Bytes(Merged(a, Merged(b, c))));
  }
  SECTION("idempotent") {
    REQUIRE(Bytes(Merged(a, a)) == Bytes(a));
    const EventHistory abc = Merged(Merged(a, b), c);
    REQUIRE(Bytes(Merged(abc, b)) == Bytes(abc));
  }
  SECTION("the union keeps every raw event once; aggregates never count an event twice") {
    EventHistory x, y;
    for (int i = 0; i < 6; ++i) x.Add(MakeEvent("e" + std::to_string(i), EventType::kView, "item1", i));
    for (int i = 3; i < 9; ++i) y.Add(MakeEvent("e" + std::to_string(i), EventType::kView, "item1", i));
    REQUIRE(Merged(x, y).events().size() == 9);
    // With folded aggregates the later watermark wins per item (documented: devices that folded
    // disjoint old events of the same item under-count them rather than double count).
    const EventHistory all = Merged(Merged(a, b), c);
    REQUIRE(all.Contains("only-c"));
    int64_t counted = static_cast<int64_t>(all.events().size());
    for (const auto& [item, agg] : all.aggregates())
      for (int64_t n : agg.counts) counted += n;
    REQUIRE(counted <= 13);
    REQUIRE(counted >= 7);
  }
}

TEST_CASE("profile: importing another device's export merges into one profile", "[profile][blob][merge]") {
  auto rec = ProfileRecommender();
  auto phone = Profile::Create(rec.get()).value();
  auto laptop = Profile::Create(rec.get()).value();
  REQUIRE(phone->Track(Ev("purchase", "item2", kNow - 5, "p1", "app"), kNow).ok());
  REQUIRE(phone->Track(Ev("view", "item4", kNow - 4, "shared"), kNow).ok());
  REQUIRE(laptop->Track(Ev("view", "item4", kNow - 4, "shared"), kNow).ok());
  REQUIRE(laptop->Track(Ev("favorite", "mp_0", kNow - 3, "l1", "mini-program"), kNow).ok());
  auto from_laptop = laptop->Export();
  auto from_phone = phone->Export();
  REQUIRE(phone->Import(from_laptop.data(), from_laptop.size()).ok());
  REQUIRE(laptop->Import(from_phone.data(), from_phone.size()).ok());
  REQUIRE(phone->history().events().size() == 3);
  REQUIRE(phone->Export() == laptop->Export());
  REQUIRE(phone->UserVector().value() == laptop->UserVector().value());
}

TEST_CASE("profile blob: malformed, torn and altered blobs are rejected and change nothing", "[profile][blob][bad-input]") {
  auto rec = ProfileRecommender();
  auto p = Profile::Create(rec.get()).value();
  REQUIRE(p->Track(Ev("purchase", "item2", kNow, "p1"), kNow).ok());
  const auto before = p->Export();
  auto other = Profile::Create(rec.get()).value();
  REQUIRE(other->Track(Ev("view", "item6", kNow, "v1"), kNow).ok());
  auto blob = other->Export();
  auto import_code = [&](const std::vector<uint8_t>& b) { return p->Import(b.data(), b.size()).code(); };
  SECTION("a flipped byte is INTEGRITY") {
    auto bad = blob;
    bad[30] ^= 0x20;
    REQUIRE(import_code(bad) == StatusCode::kIntegrity);
  }
  SECTION("a truncated blob is INTEGRITY") {
    auto bad = blob;
    bad.resize(bad.size() - 7);
    REQUIRE(import_code(bad) == StatusCode::kIntegrity);
  }
  SECTION("not a blob at all is MALFORMED_PAYLOAD") {
    std::vector<uint8_t> bad{'{', '}', 0, 0};
    REQUIRE(import_code(bad) == StatusCode::kMalformedPayload);
    REQUIRE(import_code({}) == StatusCode::kMalformedPayload);
  }
  SECTION("a newer format is UNSUPPORTED") {
    auto bad = blob;
    bad[4] = 9;
    REQUIRE(import_code(bad) == StatusCode::kUnsupported);
  }
  SECTION("valid framing around a bad event is MALFORMED_PAYLOAD") {
    EventHistory h;
    Event e = MakeEvent("x", EventType::kView, "item2", 1);
    h.Add(e);
    auto bytes = EncodeProfileBlob(h, BlobKind::kExport, 0, "m");
    std::string text(bytes.begin(), bytes.end());
    text.replace(text.find("\"view\""), 6, "\"vie!\"");
    std::vector<uint8_t> bad(text.begin(), text.end());
    bad.resize(bad.size() - 4);
    PutU32(&bad, Crc32(bad.data(), bad.size()));
    REQUIRE(import_code(bad) == StatusCode::kMalformedPayload);
  }
  REQUIRE(p->Export() == before);
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "profile_fixtures.hpp"
#include "zhixuan/model/foldin.hpp"
#include "zhixuan/profile/profile.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;
using Json = nlohmann::json;

namespace {

std::unique_ptr<Profile> MakeProfile(const Recommender& rec) {
  auto p = Profile::Create(&rec);
  REQUIRE(p.ok());
  return std::move(p).value();
}

// The exact fold-in from the profile's own item weights.
std::vector<float> ExactVector(const Recommender& rec, const Profile& p) {
  std::vector<int32_t> rows;
  std::vector<float> weights;
  for (int32_t r = 0; r < rec.item_count(); ++r) {
    const std::string id(rec.item_ids()[r]);
    const double w = p.ItemWeight(id);
    bool seen = false;
    for (const Event& e : p.history().events()) seen |= e.item == id;
    if (!seen && !p.history().aggregates().count(id)) continue;
    rows.push_back(r);
    weights.push_back(static_cast<float>(w));
  }
  return rec.FoldIn({rows.data(), weights.data(), static_cast<int64_t>(rows.size())}).value();
}

void RequireClose(const std::vector<float>& a, const std::vector<float>& b, double tol = 1e-4) {
  REQUIRE(a.size() == b.size());
  double scale = 1e-9;
  for (float v : b) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(std::fabs(a[i] - b[i]) <= tol * scale);
}

}  // namespace

TEST_CASE("profile: each event updates the vector to the exact fold-in of the decayed weights", "[profile]") {
  auto rec = ProfileRecommender();
  auto p = MakeProfile(*rec);
  const char* types[] = {"view", "click", "favorite", "purchase", "complete", "dismiss", "add_to_cart", "start"};
  for (int i = 0; i < 40; ++i) {
    const double ts = kNow - 30 * 86400e3 + i * 0.4 * kHour;  // crosses several decay ticks
    REQUIRE(p->Track(Ev(types[i % 8], "item" + std::to_string((i * 7) % 20), ts), kNow).ok());
    RequireClose(p->UserVector().value(), ExactVector(*rec, *p));
  }
}

TEST_CASE("profile: confidence weights, decay and negative types", "[profile]") {
  auto rec = ProfileRecommender(R"({"half_life_days": 1, "decay_tick_hours": 0})");
  auto p = MakeProfile(*rec);
  REQUIRE(p->Track(Ev("purchase", "item2", kNow - 86400e3), kNow).ok());
  REQUIRE(p->Track(Ev("view", "item4", kNow), kNow).ok());
  SECTION("a one-day-old purchase (2.0) at half-life one day weighs 1.0; a fresh view 0.25") {
    REQUIRE(p->ItemWeight("item2") == Approx(1.0));
    REQUIRE(p->ItemWeight("item4") == Approx(0.25));
  }
  SECTION("dismiss and refund lower the item's weight") {
    REQUIRE(p->Track(Ev("dismiss", "item4", kNow, "d1"), kNow).ok());
    REQUIRE(p->ItemWeight("item4") == Approx(-0.75));
    REQUIRE(p->Track(Ev("refund", "item2", kNow, "r1"), kNow).ok());
    REQUIRE(p->ItemWeight("item2") == Approx(-1.0));
  }
  SECTION("rate weighs by its value: 5 of 5 is +1, 0 is -1") {
    REQUIRE(p->Track(EvValue("rate", "item6", kNow, 5), kNow).ok());
    REQUIRE(p->Track(EvValue("rate", "item8", kNow, 0), kNow).ok());
    REQUIRE(p->ItemWeight("item6") == Approx(1.0));
    REQUIRE(p->ItemWeight("item8") == Approx(-1.0));
  }
  SECTION("manifest weights override the defaults") {
    auto rec2 = ProfileRecommender(R"({"weights": {"view": 3}})");
    auto p2 = MakeProfile(*rec2);
    REQUIRE(p2->Track(Ev("view", "item4", kNow), kNow).ok());
    REQUIRE(p2->ItemWeight("item4") == Approx(3.0));
  }
}

TEST_CASE("profile: duplicate event ids are ignored, and so are resent id-less events", "[profile]") {
  auto rec = ProfileRecommender();
  auto p = MakeProfile(*rec);
  REQUIRE(p->Track(Ev("click", "item2", kNow, "e1"), kNow).value() == true);
  REQUIRE(p->Track(Ev("purchase", "item4", kNow, "e1"), kNow).value() == false);
  REQUIRE(p->Track(Ev("view", "item6", kNow - 10), kNow).value() == true);
  REQUIRE(p->Track(Ev("view", "item6", kNow - 10), kNow).value() == false);
  REQUIRE(p->history().events().size() == 2);
  REQUIRE(p->ItemWeight("item4") == 0.0);
}

TEST_CASE("profile: bad events get clear codes and leave the profile intact", "[profile][bad-input]") {
  auto rec = ProfileRecommender();
  auto p = MakeProfile(*rec);
  REQUIRE(p->Track(Ev("click", "item2", kNow, "ok"), kNow).ok());
  const auto before = p->UserVector().value();
  auto code = [&](const std::string& json) { return p->Track(json, kNow).status().code(); };
  REQUIRE(code(Ev("teleport", "item2", kNow)) == StatusCode::kUnknownEvent);
  REQUIRE(code(Ev("click", "no-such-item", kNow)) == StatusCode::kUnknownItem);
  REQUIRE(code(Ev("click", "item2", kNow + 3600e3)) == StatusCode::kInvalidArgument);  // an hour ahead
  REQUIRE(code(R"({"type":"click","item":"item2","channel":"web","ts":"yesterday"})") == StatusCode::kInvalidArgument);
  REQUIRE(code(R"({"type":"click","item":"item2","channel":"web"})") == StatusCode::kInvalidArgument);
  REQUIRE(code(R"({"type":"click","item":"item2","ts":1})") == StatusCode::kInvalidArgument);  // no channel
  REQUIRE(code(EvValue("purchase", "item2", kNow, 1e300)) == StatusCode::kInvalidArgument);
  REQUIRE(code(EvValue("rate", "item2", kNow, 11)) == StatusCode::kInvalidArgument);
  REQUIRE(code(EvValue("purchase", "item2", kNow, -5)) == StatusCode::kInvalidArgument);
  REQUIRE(code(R"({"type":"click","item":"item2","channel":"web","ts":1,"colour":"red"})") == StatusCode::kInvalidArgument);
  REQUIRE(code("[1,2") == StatusCode::kInvalidArgument);
  REQUIRE(code(std::string(70000, ' ')) == StatusCode::kTooLarge);
  REQUIRE(p->history().events().size() == 1);
  RequireClose(p->UserVector().value(), before, 0);
}

TEST_CASE("profile: channel-specific ids are aligned to the canonical item", "[profile]") {
  auto rec = ProfileRecommender();
  auto p = MakeProfile(*rec);
  REQUIRE(p->Track(Ev("view", "mp_0", kNow, "a", "mini-program"), kNow).ok());
  REQUIRE(p->Track(Ev("view", "item0", kNow, "b", "web"), kNow).ok());
  REQUIRE(p->history().events()[0].item == "item0");
  REQUIRE(p->history().events()[1].item == "item0");
  REQUIRE(p->ItemWeight("item0") == Approx(0.5));
  auto summary = Json::parse(p->SummaryJson(kNow).value());
  REQUIRE(summary["channels"].size() == 2);
}

TEST_CASE("profile: recommend excludes seen items, follows the history, and says why", "[profile]") {
  auto rec = ProfileRecommender();
  auto p = MakeProfile(*rec);
  for (int i : {0, 2, 4, 6}) REQUIRE(p->Track(Ev("purchase", "item" + std::to_string(i), kNow - i), kNow).ok());
  REQUIRE(p->Track(Ev("dismiss", "item8", kNow), kNow).ok());
  auto out = p->Recommend(10, Filter{});
  REQUIRE(out.ok());
  REQUIRE(out->top.rows.size() == 10);
  for (int32_t r : out->top.rows) {
    REQUIRE(r % 2 == 0);
    REQUIRE(r > 8);  // 0..8 were seen (8 dismissed)
  }
  for (const Reason& reason : out->reasons) {
    REQUIRE(reason.kind == Reason::Kind::kItem);
    REQUIRE((reason.item == "item0" || reason.item == "item2" || reason.item == "item4" || reason.item == "item6"));
    REQUIRE(reason.share > 0);
    REQUIRE(reason.share <= 1.0);
  }
}

TEST_CASE("profile: the readable summary", "[profile]") {
  auto rec = ProfileRecommender();
  auto p = MakeProfile(*rec);
  // python (even) interest dominates; purchases of cheap items.
  for (int i : {0, 2, 4}) REQUIRE(p->Track(Ev("purchase", "item" + std::to_string(i), kNow - 2 * 86400e3 + i), kNow).ok());
  REQUIRE(p->Track(Ev("view", "item1", kNow - 40 * 86400e3, "", "app"), kNow).ok());
  auto s = Json::parse(p->SummaryJson(kNow).value());
  REQUIRE(s["tags"][0]["tag"] == "python");
  REQUIRE(s["tags"][1]["tag"] == "design");
  REQUIRE(s["tags"][0]["weight"].get<double>() > s["tags"][1]["weight"].get<double>());
  // average purchase 30 among catalog prices 10..400 -> quantile 3/40 -> budget
  REQUIRE(s["spending"]["tier"] == "budget");
  REQUIRE(s["spending"]["purchases"] == 3);
  REQUIRE(s["spending"]["total"].get<double>() == Approx(10 + 30 + 50));
  REQUIRE(s["channels"][0]["channel"] == "web");
  REQUIRE(s["channels"][0]["count"] == 3);
  REQUIRE(s["channels"][1]["channel"] == "app");
  REQUIRE(s["recency"]["events_7d"] == 3);
  REQUIRE(s["recency"]["events_30d"] == 3);
  REQUIRE(s["recency"]["total_events"] == 4);
  REQUIRE(s["recency"]["days_since_last"].get<double>() == Approx(2.0).margin(1e-6));
  REQUIRE(s["segment"].is_null());  // the model ships no centroids
  SECTION("expensive purchases make a premium tier") {
    REQUIRE(p->Track(EvValue("purchase", "item39", kNow, 5000), kNow).ok());
    REQUIRE(Json::parse(p->SummaryJson(kNow).value())["spending"]["tier"] == "premium");
  }
}

TEST_CASE("profile: segment is the nearest shipped centroid", "[profile]") {
  Model model = CheckerboardModel(40, 16);
  std::vector<float> centroids(2 * 16, 0.f);
  centroids[0] = 1.f;        // segment 0 near axis 0 (the even, "python" items)
  centroids[16 + 1] = 1.f;   // segment 1 near axis 1
  model.extras["segment_centroids"] = MakeF32Tensor({2, 16}, centroids.data());
  model.manifest.json = R"({"profile": {"segment_names": ["coders", "designers"]}})";
  auto rec = Recommender::Create(std::move(model), ParseCatalog(CheckerboardCatalogJson()).value()).value();
  auto p = Profile::Create(rec.get()).value();
  for (int i : {1, 3, 5, 7}) REQUIRE(p->Track(Ev("purchase", "item" + std::to_string(i), kNow - i), kNow).ok());
  auto s = Json::parse(p->SummaryJson(kNow).value());
  REQUIRE(s["segment"]["index"] == 1);
  REQUIRE(s["segment"]["name"] == "designers");
}

TEST_CASE("profile: bounded history folds old events into aggregates without losing them", "[profile]") {
  auto rec = ProfileRecommender(R"({"max_events": 5, "decay_tick_hours": 0})");
  auto p = MakeProfile(*rec);
  auto unbounded_rec = ProfileRecommender(R"({"max_events": 1000, "decay_tick_hours": 0})");
  auto unbounded = MakeProfile(*unbounded_rec);
  for (int i = 0; i < 30; ++i) {
    const std::string e = Ev(i % 3 ? "view" : "purchase", "item" + std::to_string(i % 7), kNow - (30 - i) * kHour);
    REQUIRE(p->Track(e, kNow).ok());
    REQUIRE(unbounded->Track(e, kNow).ok());
  }
  REQUIRE(p->history().events().size() == 5);
  REQUIRE(!p->history().aggregates().empty());
  RequireClose(p->UserVector().value(), unbounded->UserVector().value(), 1e-5);
  auto a = Json::parse(p->SummaryJson(kNow).value()), b = Json::parse(unbounded->SummaryJson(kNow).value());
  REQUIRE(a["counts"] == b["counts"]);
  REQUIRE(a["channels"][0]["count"] == b["channels"][0]["count"]);
  REQUIRE(a["spending"]["total"].get<double>() == Approx(b["spending"]["total"].get<double>()));
  REQUIRE(a["tags"][0]["weight"].get<double>() == Approx(b["tags"][0]["weight"].get<double>()));
  SECTION("a resent event that was folded already is a no-op") {
    const std::string old = Ev("purchase", "item0", kNow - 30 * kHour);
    REQUIRE(p->Track(old, kNow).value() == false);
  }
}

TEST_CASE("profile: a new model version re-folds the user from the stored events", "[profile]") {
  auto rec = ProfileRecommender();
  auto p = MakeProfile(*rec);
  for (int i : {0, 2, 4}) REQUIRE(p->Track(Ev("purchase", "item" + std::to_string(i), kNow - i), kNow).ok());
  // A retrained model: other embeddings (rotated clusters), same ids.
  auto rows = RandomRows(40, 16, 99);
  for (float& v : rows) v *= 0.05f;
  for (int i = 0; i < 40; ++i) rows[i * 16 + 5 + (i % 2)] += 1.f;
  auto model2 = MakeModel(ItemIds(40), rows.data(), 16, DType::kF32, rec->model().manifest.foldin, "checkerboard-2").value();
  auto rec2 = Recommender::Create(std::move(model2), ParseCatalog(CheckerboardCatalogJson()).value()).value();
  REQUIRE(p->Rebind(rec2.get()).ok());
  RequireClose(p->UserVector().value(), ExactVector(*rec2, *p));
  auto top = p->Recommend(5, Filter{}).value();
  for (int32_t r : top.top.rows) REQUIRE(r % 2 == 0);
}

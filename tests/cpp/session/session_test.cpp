#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../text/text_fixtures.hpp"
#include "zhixuan/session/profile_room.hpp"
#include "zhixuan/session/recommend_from_profile.hpp"
#include "zhixuan/session/session.hpp"
#include "zhixuan/session/text_room.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

constexpr double kNow = 1.7e12;

// The courses catalog plus one course the model has no row for (cold).
std::string CatalogWithColdItem() {
  auto catalog = nlohmann::json::parse(CoursesCatalogJson());
  catalog["items"].push_back({{"id", "kaoyan-new"}, {"title", "考研英语 新题型"}, {"tags", {"考研", "英语"}}});
  return catalog.dump();
}

std::vector<uint8_t> Bytes(const Model& model) { return SaveModel(model); }

EventInput Input(const std::string& type, const std::string& item, double ts) {
  EventInput e;
  e.type = type;
  e.item = item;
  e.channel = "web";
  e.ts = ts;
  return e;
}

const std::vector<EventInput>& Events() {
  static const std::vector<EventInput> events = {Input("purchase", "py-data", kNow - 3000),
                                                 Input("view", "py-crawler", kNow - 2000),
                                                 Input("favorite", "ml-intro", kNow - 1000)};
  return events;
}

void Track(ProfileRoom& room, const EventInput& e) {
  auto prepared = room.Prepare(e, kNow);
  REQUIRE(prepared.ok());
  REQUIRE(room.CommitPrepared(prepared->seq).ok());
}

// A session on courses-1 with a catalog (one cold course), the text and profile rooms, one
// course added on the device and three events.
struct Loaded {
  Session session;
  TextRoom* text = nullptr;
  ProfileRoom* profile = nullptr;
};

void Load(Loaded& l) {
  const std::vector<uint8_t> bytes = Bytes(CoursesModel());
  const std::string catalog = CatalogWithColdItem();
  REQUIRE(l.session.Load(bytes.data(), bytes.size(), &catalog).ok());
  l.text = l.session.Attach(TextRoom::Create(l.session.recommender()).value());
  l.profile = l.session.Attach(ProfileRoom::Create(l.session.recommender()).value());
  CatalogItem crawler;
  crawler.id = "py-crawler";
  crawler.title = "Python 爬虫实战";
  crawler.tags = {"python"};
  REQUIRE(l.text->AddItems(l.session.recommender(), {crawler}).ok());
  for (const EventInput& e : Events()) Track(*l.profile, e);
}

std::vector<float> Vector(ProfileRoom& room) { return room.profile().UserVector().value(); }

void RequireClose(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(std::fabs(a[i] - b[i]) <= 1e-5f * (1.f + std::fabs(b[i])));
}

bool HasTag(const Recommender& rec, int32_t row, const std::string& tag) {
  const CatalogItem* item = rec.CatalogItemOf(row);
  return item != nullptr && std::find(item->tags.begin(), item->tags.end(), tag) != item->tags.end();
}

// A room that refuses every model change (to check that a failure anywhere changes nothing).
class RefusingRoom : public SessionRoom {
 public:
  Status Stage(const Recommender&, Recommender&) override { return Status(StatusCode::kInternal, "refused"); }
  void Commit() override { ++commits; }
  void Abort() override { ++aborts; }
  int commits = 0, aborts = 0;
};

}  // namespace

TEST_CASE("session: ReplaceModel keeps the catalog, its filters, cold items and items added on the device",
          "[session]") {
  Loaded l;
  Load(l);
  const std::vector<uint8_t> v2 = Bytes(CoursesModel(true, 8, 12, "courses-2"));
  REQUIRE(l.session.ReplaceModel(v2.data(), v2.size()).ok());
  const Recommender& rec = l.session.recommender();
  REQUIRE(rec.model().manifest.model_version == "courses-2");
  REQUIRE(rec.catalog() != nullptr);
  REQUIRE(rec.catalog()->find("py-basics") != nullptr);
  REQUIRE(rec.cold_items() == std::vector<std::string>{"kaoyan-new"});
  REQUIRE(rec.RowOf("py-crawler") >= 0);  // re-embedded from its text
  REQUIRE(rec.item_count() == static_cast<int64_t>(Courses().size()) + 1);

  std::vector<float> user(rec.dim(), 0.f);
  user[0] = 1.f;
  Query query;
  query.user_vector = user.data();
  query.k = 20;
  query.filter.tags = {"考研"};
  const TopK top = rec.Recommend(query).value();
  REQUIRE(top.rows.size() == 3);
  for (int32_t row : top.rows) REQUIRE(HasTag(rec, row, "考研"));

  SECTION("the text room serves the new model") {
    const TopK found = l.text->Search(rec, "爬虫", 3, Filter{}).value();
    REQUIRE(!found.rows.empty());
    REQUIRE(std::string(rec.item_ids()[found.rows[0]]) == "py-crawler");
  }
}

TEST_CASE("session: ReplaceModel rebinds the profile to a fresh fold-in of the same events", "[session]") {
  Loaded l;
  Load(l);
  const std::vector<float> before = Vector(*l.profile);
  const std::vector<uint8_t> v2 = Bytes(CoursesModel(true, 8, 12, "courses-2"));
  REQUIRE(l.session.ReplaceModel(v2.data(), v2.size()).ok());

  auto fresh = ProfileRoom::Create(l.session.recommender()).value();
  for (const EventInput& e : Events()) Track(*fresh, e);
  const std::vector<float> after = Vector(*l.profile);
  RequireClose(after, Vector(*fresh));
  REQUIRE(after != before);
  // Tracking goes on against the new model.
  Track(*l.profile, Input("view", "kaoyan-math", kNow - 500));
  REQUIRE(l.profile->profile().last_seq() == 4);
  REQUIRE(l.profile->profile().Recommend(3, Filter{}).ok());
}

TEST_CASE("session: ReplaceModel is atomic: a bad model or a refusing room changes nothing", "[session][bad-input]") {
  Loaded l;
  Load(l);
  const Recommender* rec_before = &l.session.recommender();
  const int64_t items = rec_before->item_count();
  const std::vector<float> vector = Vector(*l.profile);

  SECTION("truncated or garbage bytes") {
    std::vector<uint8_t> v2 = Bytes(CoursesModel(true, 8, 12, "courses-2"));
    REQUIRE(!l.session.ReplaceModel(v2.data(), v2.size() / 2).ok());
    const std::vector<uint8_t> garbage(100, 7);
    REQUIRE(!l.session.ReplaceModel(garbage.data(), garbage.size()).ok());
    REQUIRE(l.session.ReplaceModel(nullptr, 0).code() != StatusCode::kOk);
  }
  SECTION("a room refuses") {
    RefusingRoom* refusing = l.session.Attach(std::make_unique<RefusingRoom>());
    const std::vector<uint8_t> v2 = Bytes(CoursesModel(true, 8, 12, "courses-2"));
    const Status st = l.session.ReplaceModel(v2.data(), v2.size());
    REQUIRE(st.code() == StatusCode::kInternal);
    REQUIRE(refusing->aborts == 1);
    REQUIRE(refusing->commits == 0);
  }
  REQUIRE(&l.session.recommender() == rec_before);
  REQUIRE(l.session.recommender().model().manifest.model_version == "courses-1");
  REQUIRE(l.session.recommender().item_count() == items);
  REQUIRE(l.session.recommender().catalog() != nullptr);  // lent to the new model, and back
  REQUIRE(l.session.recommender().catalog()->find("py-crawler") != nullptr);
  REQUIRE(l.session.recommender().cold_items() == std::vector<std::string>{"kaoyan-new"});
  REQUIRE(HasTag(l.session.recommender(), l.session.recommender().RowOf("kaoyan-math"), "考研"));
  REQUIRE(Vector(*l.profile) == vector);
  REQUIRE(l.text->Search(l.session.recommender(), "爬虫", 1, Filter{}).ok());
  Track(*l.profile, Input("view", "kaoyan-math", kNow - 500));
}

TEST_CASE("session: one load, and ReplaceModel needs one", "[session][bad-input]") {
  Session session;
  const std::vector<uint8_t> bytes = Bytes(CoursesModel());
  REQUIRE(session.ReplaceModel(bytes.data(), bytes.size()).code() == StatusCode::kInvalidArgument);
  REQUIRE(session.Load(bytes.data(), bytes.size(), nullptr).ok());
  REQUIRE(session.Load(bytes.data(), bytes.size(), nullptr).code() == StatusCode::kInvalidArgument);
  REQUIRE(session.Find<ProfileRoom>() == nullptr);
}

namespace {

TopK RecommendWith(const Recommender& rec, const Filter& filter, std::vector<int32_t> exclude = {}) {
  std::vector<float> user(rec.dim(), 0.f);
  user[0] = 1.f;
  Query query;
  query.user_vector = user.data();
  query.k = 20;
  query.exclude_rows = std::move(exclude);
  query.filter = filter;
  return rec.Recommend(query).value();
}

}  // namespace

TEST_CASE("session: a compiled filter selects what the parsed one does, and is compiled once", "[session][filter]") {
  Loaded l;
  Load(l);
  const std::string json = R"({"tags":["考研"],"channel":"app"})";
  const Filter parsed = ParseFilterJson(json).value();
  // Seen once: parsed only (a one-off filter pays no full scan); the second use compiles it.
  REQUIRE(l.session.CompileFilter(json).value().compiled == nullptr);
  const Filter compiled = l.session.CompileFilter(json).value();
  REQUIRE(compiled.compiled != nullptr);
  const Recommender& rec = l.session.recommender();
  REQUIRE(RecommendWith(rec, compiled).rows == RecommendWith(rec, parsed).rows);
  const int32_t first = RecommendWith(rec, parsed).rows.at(0);
  REQUIRE(RecommendWith(rec, compiled, {first}).rows == RecommendWith(rec, parsed, {first}).rows);
  // The same text again: the same mask, not a new one.
  REQUIRE(l.session.CompileFilter(json).value().compiled == compiled.compiled);
  const std::string other = R"({"channel":"web"})";
  REQUIRE(l.session.CompileFilter(other).value().compiled == nullptr);
  const Filter other_compiled = l.session.CompileFilter(other).value();
  REQUIRE(other_compiled.compiled != nullptr);
  REQUIRE(other_compiled.compiled != compiled.compiled);
  REQUIRE(l.session.CompileFilter(json).value().compiled == compiled.compiled);  // still cached
  REQUIRE(l.session.CompileFilter(R"({"colour":"red"})").status().code() == StatusCode::kInvalidArgument);

  SECTION("items added on the device: the cached mask is stale, and a new one covers them") {
    CatalogItem added;
    added.id = "kaoyan-added";
    added.title = "考研 政治 冲刺";
    added.tags = {"考研"};
    REQUIRE(l.text->AddItems(l.session.recommender(), {added}).ok());
    const int32_t row = rec.RowOf("kaoyan-added");
    REQUIRE(row >= 0);
    REQUIRE(l.session.CompileFilter(json).value().compiled == nullptr);  // a new generation: seen once
    const Filter again = l.session.CompileFilter(json).value();
    REQUIRE(again.compiled != compiled.compiled);
    REQUIRE(again.compiled->size() == static_cast<size_t>(rec.item_count()));
    REQUIRE((*again.compiled)[row] == 1);
    // The old compiled filter is not trusted any more: it falls back to the catalog.
    REQUIRE(RecommendWith(rec, compiled).rows == RecommendWith(rec, parsed).rows);
  }
  SECTION("a model change drops the cache") {
    const std::vector<uint8_t> v2 = Bytes(CoursesModel(true, 8, 12, "courses-2"));
    REQUIRE(l.session.ReplaceModel(v2.data(), v2.size()).ok());
    REQUIRE(l.session.CompileFilter(json).value().compiled == nullptr);
    const Filter after = l.session.CompileFilter(json).value();
    REQUIRE(after.compiled != nullptr);
    REQUIRE(after.compiled != compiled.compiled);
    REQUIRE(RecommendWith(l.session.recommender(), after).rows == RecommendWith(l.session.recommender(), parsed).rows);
  }
}

TEST_CASE("session: RecommendFromProfile is the profile's pool re-ranked, with reasons, in one call",
          "[session][rerank]") {
  Loaded l;
  Load(l);
  const Recommender& rec = l.session.recommender();
  Profile& profile = l.profile->profile();
  RerankOptions options;
  options.diversity = 0.4f;
  options.exploration = 0.3f;
  const int k = 5;
  const std::vector<int32_t> exclude = {rec.RowOf("kaoyan-math")};
  auto out = RecommendFromProfile(rec, profile, *l.text, k, Filter{}, exclude, options);
  REQUIRE(out.ok());
  REQUIRE(out->has_value());
  const ProfileRecommendation& list = **out;

  // The steps it replaces: the profile's pool, then the text room's re-ranking with the user.
  const ProfileRecommendation pool = profile.Recommend(l.text->PoolSize(rec, k), Filter{}, exclude).value();
  const std::vector<float> x = profile.UserVector().value();
  Query user;
  user.user_vector = x.data();
  user.exclude_rows = profile.SeenRows();
  user.exclude_rows.push_back(exclude[0]);
  const TopK expected = l.text->Rerank(rec, pool.top, k, options, &user).value();
  REQUIRE(list.top.rows == expected.rows);
  REQUIRE(list.reasons.size() == list.top.rows.size());
  for (size_t i = 0; i < list.top.rows.size(); ++i) {
    const auto in_pool = std::find(pool.top.rows.begin(), pool.top.rows.end(), list.top.rows[i]);
    if (in_pool == pool.top.rows.end()) {
      REQUIRE(list.reasons[i].kind == Reason::Kind::kExplore);
    } else {
      REQUIRE(list.reasons[i].kind == pool.reasons[in_pool - pool.top.rows.begin()].kind);
    }
    REQUIRE(list.top.rows[i] != exclude[0]);
    for (int32_t seen : profile.SeenRows()) REQUIRE(list.top.rows[i] != seen);
  }

  SECTION("a profile without events answers nullopt (the host takes a cold-user list)") {
    auto fresh = ProfileRoom::Create(rec).value();
    auto cold = RecommendFromProfile(rec, fresh->profile(), *l.text, k, Filter{}, {}, options);
    REQUIRE(cold.ok());
    REQUIRE_FALSE(cold->has_value());
  }
  SECTION("bad input is named") {
    REQUIRE(RecommendFromProfile(rec, profile, *l.text, 0, Filter{}, {}, options).status().code() == StatusCode::kInvalidArgument);
    options.diversity = 2.f;
    REQUIRE(RecommendFromProfile(rec, profile, *l.text, k, Filter{}, {}, options).status().code() == StatusCode::kInvalidArgument);
  }
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "text_fixtures.hpp"
#include "zhixuan/text/cold_start.hpp"
#include "zhixuan/text/diversity.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/text/text_search.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

struct Room {
  std::unique_ptr<Recommender> rec;
  ContentIndex text;
  ColdStart cold;
};

Room MakeRoom(Model model) {
  Room room;
  auto rec = Recommender::Create(std::move(model), ParseCatalog(CoursesCatalogJson()).value());
  REQUIRE(rec.ok());
  room.rec = std::move(rec).value();
  auto text = ContentIndex::Create(*room.rec);
  REQUIRE(text.ok());
  room.text = std::move(text).value();
  auto cold = ColdStart::Create(*room.rec);
  REQUIRE(cold.ok());
  room.cold = std::move(cold).value();
  return room;
}

std::string IdAt(const Room& room, const ExplainedList& list, size_t i) { return std::string(room.rec->item_ids()[list.rows[i]]); }

// context_lift: the mini-program boosts gaokao-phys; hour 21 boosts cet6.
Model WithContextPriors(Model model) {
  const int64_t n = static_cast<int64_t>(Courses().size());
  std::vector<float> lift(static_cast<size_t>(2 * n), 0.f);
  for (int64_t i = 0; i < n; ++i) {
    if (std::string(Courses()[i].id) == "gaokao-phys") lift[i] = 3.f;
    if (std::string(Courses()[i].id) == "cet6") lift[n + i] = 3.f;
  }
  model.extras["context_lift"] = MakeF32Tensor({2, n}, lift.data());
  auto manifest = nlohmann::json::parse(model.manifest.json);
  manifest["context_priors"] = {{"keys", {"channel:mini-program", "hour:21"}}};
  model.manifest.json = manifest.dump();
  return model;
}

}  // namespace

TEST_CASE("a cold user without interests gets the popularity prior, explained", "[cold_start]") {
  Room room = MakeRoom(CoursesModel());
  ColdStartRequest request;
  request.k = 3;
  auto list = room.cold.Recommend(*room.rec, room.text, request);
  REQUIRE(list.ok());
  REQUIRE(list->rows.size() == 3);
  CHECK(IdAt(room, *list, 0) == "kaoyan-math");  // popularity 500
  CHECK(IdAt(room, *list, 1) == "kaoyan-eng");   // 400
  CHECK(IdAt(room, *list, 2) == "py-data");      // 300
  CHECK(list->reasons == std::vector<std::string>{"popular", "popular", "popular"});
  CHECK(list->policy == "popularity prior");
}

TEST_CASE("onboarding interests steer the cold list and name themselves", "[cold_start]") {
  Room room = MakeRoom(CoursesModel());
  ColdStartRequest request;
  request.k = 3;
  request.interests = {"python"};
  auto list = room.cold.Recommend(*room.rec, room.text, request);
  REQUIRE(list.ok());
  for (size_t i = 0; i < 3; ++i) {
    const auto& tags = room.rec->CatalogItemOf(list->rows[i])->tags;
    CHECK(std::find(tags.begin(), tags.end(), "python") != tags.end());
    CHECK(list->reasons[i] == "interest:python");
  }
  CHECK(list->policy.find("interests (python)") != std::string::npos);

  SECTION("two interests: each item names the one it matches") {
    request.interests = {"python", "考研"};
    request.k = 6;
    auto mixed = room.cold.Recommend(*room.rec, room.text, request);
    REQUIRE(mixed.ok());
    int py = 0, ky = 0;
    for (const auto& reason : mixed->reasons) {
      py += reason == "interest:python";
      ky += reason == "interest:考研";
    }
    CHECK(py >= 2);
    CHECK(ky >= 2);
  }
  SECTION("interests with nothing searchable are ignored") {
    request.interests = {"", "🔥", "the"};
    auto plain = room.cold.Recommend(*room.rec, room.text, request);
    REQUIRE(plain.ok());
    CHECK(plain->policy == "popularity prior");
    CHECK(room.rec->item_ids()[plain->rows[0]] == "kaoyan-math");
  }
}

TEST_CASE("context priors from the bundle lift their items and explain it", "[cold_start]") {
  Room room = MakeRoom(WithContextPriors(CoursesModel()));
  REQUIRE(room.cold.context_keys().size() == 2);
  ColdStartRequest request;
  request.k = 1;
  request.context.channel = "mini-program";
  auto list = room.cold.Recommend(*room.rec, room.text, request);
  REQUIRE(list.ok());
  CHECK(IdAt(room, *list, 0) == "gaokao-phys");
  CHECK(list->reasons[0] == "context:channel:mini-program");
  CHECK(list->policy == "popularity prior + context (channel:mini-program)");

  request.context = ColdContext{};
  request.context.hour = 21;
  list = room.cold.Recommend(*room.rec, room.text, request);
  REQUIRE(list.ok());
  CHECK(IdAt(room, *list, 0) == "cet6");

  SECTION("unknown context keys change nothing") {
    request.context = ColdContext{"tv", 3, "watch"};
    auto plain = room.cold.Recommend(*room.rec, room.text, request);
    REQUIRE(plain.ok());
    CHECK(IdAt(room, *plain, 0) == "kaoyan-math");
  }
  SECTION("a context_lift without its keys is a malformed bundle") {
    Model broken = WithContextPriors(CoursesModel());
    auto manifest = nlohmann::json::parse(broken.manifest.json);
    manifest.erase("context_priors");
    broken.manifest.json = manifest.dump();
    auto rec = Recommender::Create(std::move(broken), std::nullopt);
    REQUIRE(rec.ok());
    CHECK(ColdStart::Create(**rec).status().code() == StatusCode::kMalformedModel);
  }
}

TEST_CASE("cold lists respect filters, exclusions and bad input", "[cold_start]") {
  Room room = MakeRoom(CoursesModel());
  ColdStartRequest request;
  request.k = 2;
  request.exclude_rows = {room.rec->RowOf("kaoyan-math")};
  request.filter.channel = "web";
  auto list = room.cold.Recommend(*room.rec, room.text, request);
  REQUIRE(list.ok());
  for (int32_t r : list->rows) {
    CHECK(r != room.rec->RowOf("kaoyan-math"));
    const auto& ch = room.rec->CatalogItemOf(r)->channels;
    CHECK(std::find(ch.begin(), ch.end(), "web") != ch.end());
  }
  request = ColdStartRequest{};
  request.context.hour = 24;
  CHECK(room.cold.Recommend(*room.rec, room.text, request).status().code() == StatusCode::kInvalidArgument);
  request = ColdStartRequest{};
  request.k = 0;
  CHECK(room.cold.Recommend(*room.rec, room.text, request).status().code() == StatusCode::kInvalidArgument);
  request = ColdStartRequest{};
  request.interests.assign(kMaxInterests + 1, "python");
  CHECK(room.cold.Recommend(*room.rec, room.text, request).status().code() == StatusCode::kTooLarge);
}

TEST_CASE("without item_popularity the cold list says so", "[cold_start]") {
  Model model = CoursesModel();
  model.extras.erase("item_popularity");
  Room room = MakeRoom(std::move(model));
  CHECK_FALSE(room.cold.has_popularity());
  ColdStartRequest request;
  request.interests = {"考研"};
  auto list = room.cold.Recommend(*room.rec, room.text, request);
  REQUIRE(list.ok());
  CHECK(list->policy == "no popularity prior in the bundle + interests (考研)");
  CHECK(list->reasons[0] == "interest:考研");
}

TEST_CASE("MMR diversity mixes both checkerboard clusters into a one-cluster list", "[cold_start][diversity]") {
  auto rec = Recommender::Create(CheckerboardModel(40, 16), std::nullopt).value();
  std::vector<float> user(16, 0.f);
  user[0] = 1.f;
  user[1] = 0.3f;
  Query q;
  q.user_vector = user.data();
  q.k = 10;
  auto plain = RecommendReranked(*rec, q, {}, {});
  REQUIRE(plain.ok());
  CHECK(std::all_of(plain->rows.begin(), plain->rows.end(), [](int32_t r) { return r % 2 == 0; }));
  RerankOptions diverse;
  diverse.diversity = 0.7f;
  auto mixed = RecommendReranked(*rec, q, diverse, {});
  REQUIRE(mixed.ok());
  REQUIRE(mixed->rows.size() == 10);
  CHECK(mixed->rows[0] == plain->rows[0]);  // the first pick is the most relevant
  const auto odd = std::count_if(mixed->rows.begin(), mixed->rows.end(), [](int32_t r) { return r % 2 == 1; });
  CHECK(odd >= 1);  // MMR takes the other cluster once; one item of it already "covers" it
  std::vector<int32_t> sorted = mixed->rows;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());

  SECTION("diversity 0 keeps the relevance order") {
    CHECK(MmrRerank(rec->model().items, *plain, 10, 0.f).rows == plain->rows);
  }
  SECTION("out-of-range options are rejected") {
    RerankOptions bad;
    bad.diversity = 1.5f;
    CHECK(RecommendReranked(*rec, q, bad, {}).status().code() == StatusCode::kInvalidArgument);
    bad = RerankOptions{};
    bad.exploration = -0.1f;
    CHECK(RecommendReranked(*rec, q, bad, {}).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("exploration reserves evenly spaced slots for the long tail", "[cold_start][diversity]") {
  auto rec = Recommender::Create(CheckerboardModel(40, 16), std::nullopt).value();
  // Popularity falls with the row: rows 0..7 are the head (20% of 40).
  std::vector<float> popularity(40);
  for (int i = 0; i < 40; ++i) popularity[i] = static_cast<float>(100 - i);
  const std::vector<uint8_t> tail = LongTailMask(popularity, 40);
  CHECK(std::count(tail.begin(), tail.end(), 0) == 8);
  CHECK(tail[0] == 0);
  CHECK(tail[39] == 1);

  std::vector<float> user(16, 0.f);
  user[0] = 1.f;
  Query q;
  q.user_vector = user.data();
  q.k = 10;
  RerankOptions explore;
  explore.exploration = 0.2f;
  auto plain = RecommendReranked(*rec, q, {}, popularity);
  auto list = RecommendReranked(*rec, q, explore, popularity);
  REQUIRE(plain.ok());
  REQUIRE(list.ok());
  REQUIRE(list->rows.size() == 10);
  const auto tail_count = [&](const TopK& t) {
    return std::count_if(t.rows.begin(), t.rows.end(), [&](int32_t r) { return tail[r] == 1; });
  };
  CHECK(tail_count(*list) >= 2);
  // Every item is still from the user's cluster (the tail picks are the relevant tail).
  CHECK(std::all_of(list->rows.begin(), list->rows.end(), [](int32_t r) { return r % 2 == 0; }));

  SECTION("ReserveTailSlots places fresh tail items at floor((j+1)k/slots)-1") {
    TopK head;
    for (int r = 0; r < 10; ++r) { head.rows.push_back(r); head.scores.push_back(10.f - r); }
    std::vector<uint8_t> mask(40, 0);
    for (int r = 20; r < 40; ++r) mask[r] = 1;
    TopK tail_ranked;
    tail_ranked.rows = {30, 31, 32};
    tail_ranked.scores = {0.5f, 0.4f, 0.3f};
    TopK out = ReserveTailSlots(head, tail_ranked, mask, 10, 0.2f);
    CHECK(out.rows == std::vector<int32_t>{0, 1, 2, 3, 30, 4, 5, 6, 7, 31});
  }
  SECTION("no popularity: no tail, exploration changes nothing") {
    auto same = RecommendReranked(*rec, q, explore, {});
    REQUIRE(same.ok());
    CHECK(same->rows == plain->rows);
  }
}

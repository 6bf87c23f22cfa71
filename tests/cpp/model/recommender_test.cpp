#include <catch2/catch.hpp>

#include <algorithm>

#include "fixtures.hpp"
#include "zhixuan/model/recommender.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

std::unique_ptr<Recommender> MakeRecommender(DType dtype = DType::kF32, const char* catalog_json = nullptr) {
  std::optional<Catalog> catalog;
  if (catalog_json) catalog = ParseCatalog(catalog_json).value();
  auto rec = Recommender::Create(CheckerboardModel(40, 16, dtype), std::move(catalog));
  REQUIRE(rec.ok());
  return std::move(rec).value();
}

bool AllEven(const std::vector<int32_t>& rows) {
  return std::all_of(rows.begin(), rows.end(), [](int32_t r) { return r % 2 == 0; });
}

}  // namespace

TEST_CASE("the checkerboard: a history of even items brings the unseen even items to the top", "[recommender]") {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
    DYNAMIC_SECTION("dtype " << DTypeName(dtype)) {
      auto rec = MakeRecommender(dtype);
      std::vector<int32_t> history{0, 2, 4, 6};
      auto x = rec->FoldIn({history.data(), nullptr, 4});
      REQUIRE(x.ok());
      Query q;
      q.user_vector = x->data();
      q.k = 10;
      q.exclude_rows = history;
      auto top = rec->Recommend(q);
      REQUIRE(top.ok());
      REQUIRE(top->rows.size() == 10);
      REQUIRE(AllEven(top->rows));
      for (int32_t seen : history) REQUIRE(std::count(top->rows.begin(), top->rows.end(), seen) == 0);
      REQUIRE(std::is_sorted(top->scores.rbegin(), top->scores.rend()));
    }
  }
}

TEST_CASE("K larger than the catalog returns every unseen item", "[recommender]") {
  auto rec = MakeRecommender();
  std::vector<float> user(16, 0.1f);
  Query q;
  q.user_vector = user.data();
  q.k = 1000;
  q.exclude_rows = {1, 3};
  auto top = rec->Recommend(q);
  REQUIRE(top->rows.size() == 38);
}

TEST_CASE("k out of range and bad vectors are INVALID_ARGUMENT", "[recommender][bad-input]") {
  auto rec = MakeRecommender();
  std::vector<float> user(16, 0.1f);
  Query q;
  q.user_vector = user.data();
  for (int k : {0, -3, kMaxK + 1}) {
    q.k = k;
    REQUIRE(rec->Recommend(q).status().code() == StatusCode::kInvalidArgument);
  }
  q.k = 5;
  user[3] = std::numeric_limits<float>::infinity();
  REQUIRE(rec->Recommend(q).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("catalog filters: tags, price, channel, availability, aliases", "[recommender][catalog]") {
  const char* catalog = R"({"items":[
    {"id":"item0","tags":["python"],"price":99,"channels":["web"]},
    {"id":"item2","tags":["python"],"price":199,"channels":["web","mini-program"],"aliases":{"mini-program":"mp-2"}},
    {"id":"item4","tags":["java"],"price":10,"available":false},
    {"id":"item6","tags":["java"],"price":0},
    {"id":"new-course","title":"not in the model"}]})";
  auto rec = MakeRecommender(DType::kF32, catalog);
  REQUIRE(rec->cold_items() == std::vector<std::string>{"new-course"});
  REQUIRE(rec->RowOf("mp-2") == 2);
  REQUIRE(rec->RowOf("new-course") == -1);
  std::vector<float> user(16, 0.f);
  user[0] = 1.f;
  Query q;
  q.user_vector = user.data();
  q.k = 40;
  auto rows_with = [&](const std::string& filter_json) {
    q.filter = ParseFilterJson(filter_json).value();
    auto top = rec->Recommend(q).value().rows;
    std::sort(top.begin(), top.end());
    return top;
  };
  REQUIRE(rows_with(R"({"tags":["python"]})") == std::vector<int32_t>{0, 2});
  REQUIRE(rows_with(R"({"maxPrice":100})") == std::vector<int32_t>{0, 6});  // item4 is unavailable
  REQUIRE(rows_with(R"({"maxPrice":100,"available":false})") == std::vector<int32_t>{0, 4, 6});
  REQUIRE(rows_with(R"({"channel":"mini-program"})") == std::vector<int32_t>{2, 6});  // item6 sells everywhere
  REQUIRE(rows_with("{}").size() == 39u);  // everything but the unavailable item
  SECTION("filter typos are rejected, not ignored") {
    auto bad = ParseFilterJson(R"({"maxprice":100})");
    REQUIRE(bad.status().code() == StatusCode::kInvalidArgument);
    REQUIRE(bad.status().message().find("maxprice") != std::string::npos);
    REQUIRE(ParseFilterJson(R"({"minPrice":5,"maxPrice":1})").status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a model loaded without a catalog gains catalog facts only for the items added with them", "[recommender][catalog]") {
  auto rec = MakeRecommender();  // no catalog: no row has catalog facts
  for (int32_t r = 0; r < 40; ++r) REQUIRE(rec->CatalogItemOf(r) == nullptr);
  const std::vector<float> row(16, 0.5f);
  REQUIRE(rec->AppendItems({"plain-1"}, row.data()).ok());  // row 40: no catalog entry
  CatalogItem described;
  described.id = "described-1";
  described.tags = {"new"};
  described.aliases = {{"wx", "wx-described-1"}};
  REQUIRE(rec->AppendCatalogItems({described}, row.data()).ok());  // row 41
  REQUIRE(rec->AppendItems({"plain-2"}, row.data()).ok());  // row 42
  REQUIRE(rec->RowOf("described-1") == 41);
  REQUIRE(rec->RowOf("wx-described-1") == 41);
  for (int32_t r : {0, 39, 40, 42}) REQUIRE(rec->CatalogItemOf(r) == nullptr);
  REQUIRE(rec->CatalogItemOf(41) != nullptr);
  REQUIRE(rec->CatalogItemOf(41)->id == "described-1");
  REQUIRE(rec->CatalogItemOf(41)->tags == std::vector<std::string>{"new"});
}

TEST_CASE("a catalog made for another model version is a MODEL_MISMATCH", "[recommender][bad-input]") {
  auto catalog = ParseCatalog(R"({"model_version":"other","items":[]})");
  REQUIRE(Recommender::Create(CheckerboardModel(), std::move(catalog).value()).status().code() ==
          StatusCode::kModelMismatch);
}

TEST_CASE("batched recommendations equal single ones", "[recommender]") {
  auto rec = MakeRecommender();
  auto users = RandomRows(3, 16, 5);
  auto batch = rec->RecommendBatch(users.data(), 3, 7, Filter{});
  REQUIRE(batch.ok());
  for (int u = 0; u < 3; ++u) {
    Query q;
    q.user_vector = users.data() + u * 16;
    q.k = 7;
    REQUIRE(rec->Recommend(q)->rows == (*batch)[u].rows);
  }
}

TEST_CASE("similar items stay in the anchor's cluster and exclude it", "[recommender]") {
  auto rec = MakeRecommender();
  auto top = rec->SimilarItems(3, 5, Filter{});
  REQUIRE(top.ok());
  REQUIRE(std::count(top->rows.begin(), top->rows.end(), 3) == 0);
  for (int32_t r : top->rows) REQUIRE(r % 2 == 1);
  REQUIRE(rec->SimilarItems(400, 5, Filter{}).status().code() == StatusCode::kUnknownItem);
}

TEST_CASE("catalog parsing names the broken item and field", "[catalog][bad-input]") {
  REQUIRE(ParseCatalog("[{\"id\":\"a\"},{\"id\":\"a\"}]").status().message().find("'a' appears twice") != std::string::npos);
  REQUIRE(ParseCatalog("[{\"id\":\"a\",\"price\":-1}]").status().message().find("price") != std::string::npos);
  REQUIRE(ParseCatalog("[{\"title\":\"x\"}]").status().message().find("#0 has no id") != std::string::npos);
  REQUIRE(ParseCatalog("{\"items\":3}").status().code() == StatusCode::kMalformedCatalog);
  REQUIRE(ParseCatalog("not json").status().code() == StatusCode::kMalformedCatalog);
  std::string long_title(10000, 'x');
  auto ok = ParseCatalog("[{\"id\":\"a\",\"title\":\"" + long_title + "\"}]");
  REQUIRE(ok->items[0].title.size() == kMaxTitleBytes);
  REQUIRE(TruncateUtf8("\xe4\xb8\xad\xe6\x96\x87", 4) == "\xe4\xb8\xad");
}

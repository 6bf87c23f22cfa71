#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "text_fixtures.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/text/text_projection.hpp"
#include "zhixuan/text/text_search.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

std::unique_ptr<Recommender> CoursesRecommender(bool with_text = true, const std::string& catalog_json = CoursesCatalogJson()) {
  auto rec = Recommender::Create(CoursesModel(with_text), ParseCatalog(catalog_json).value());
  REQUIRE(rec.ok());
  return std::move(rec).value();
}

CatalogItem Item(const std::string& id, const std::string& title, std::vector<std::string> tags = {}) {
  CatalogItem item;
  item.id = id;
  item.title = title;
  item.tags = std::move(tags);
  return item;
}

int32_t NearestByText(const std::vector<SparseVector>& docs, size_t i) {
  int32_t best = -1;
  float best_s = -2;
  for (size_t j = 0; j < docs.size(); ++j) {
    if (j == i) continue;
    const float s = SparseDot(docs[i], docs[j]);
    if (s > best_s) { best_s = s; best = static_cast<int32_t>(j); }
  }
  return best;
}

}  // namespace

TEST_CASE("Chinese course titles: the two Python courses are each other's nearest neighbours by text", "[text][projection]") {
  const std::vector<std::string> titles = {
      "Python 零基础入门：从语法到实战",  // 0
      "Python 数据分析与可视化实战",      // 1
      "考研数学一 高等数学强化课",        // 2
      "考研英语 阅读理解精讲",            // 3
      "Java 后端开发：Spring Boot 项目",  // 4
      "高中物理 力学专题",                // 5
      "PPT 设计与职场汇报技巧",           // 6
      "摄影入门：手机拍出好照片",         // 7
      "日语 N2 备考全程班",               // 8
      "雅思口语 7 分突破",                // 9
  };
  const TextFeaturizer plain;
  std::vector<SparseVector> raw;
  for (const auto& t : titles) raw.push_back(plain.FeaturizeQuery(t));
  std::vector<int32_t> buckets, df;
  DocumentFrequencies(raw, &buckets, &df);
  const TextFeaturizer f = TextFeaturizer::FromDocumentFrequencies(buckets, df, static_cast<int64_t>(titles.size()));
  std::vector<SparseVector> docs;
  for (const auto& t : titles) docs.push_back(f.FeaturizeQuery(t));
  CHECK(NearestByText(docs, 0) == 1);
  CHECK(NearestByText(docs, 1) == 0);
  CHECK(NearestByText(docs, 2) == 3);  // the two 考研 courses too
  CHECK(NearestByText(docs, 3) == 2);
}

TEST_CASE("ridge regression learns a projection that embeds unseen items near their kind", "[text][projection]") {
  Model model = CoursesModel(false);
  TextProjectionParams params;
  params.lambda = 0.1f;
  TextTrainingReport report;
  REQUIRE(AttachTextModel(ParseCatalog(CoursesCatalogJson()).value(), &model, params, &report).ok());
  CHECK(report.fitted_items == static_cast<int64_t>(Courses().size()));
  CHECK(report.buckets > 20);
  CHECK(report.train_r2 > 0.5);
  CHECK(model.extras.at("text_projection").dtype == DType::kF16);

  auto bytes = SaveModel(model);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  auto featurizer = TextFeaturizer::FromModel(*loaded);
  REQUIRE(featurizer.ok());
  auto projection = TextProjection::FromModel(*loaded, *featurizer);
  REQUIRE(projection.ok());
  REQUIRE(projection->available());
  // Axis 0 = programming, axis 1 = exam prep.
  const auto py = projection->Embed(featurizer->FeaturizeItem(Item("n1", "Python 爬虫实战", {"python"})));
  const auto exam = projection->Embed(featurizer->FeaturizeItem(Item("n2", "考研数学 真题精讲", {"考研"})));
  CHECK(py[0] > py[1]);
  CHECK(exam[1] > exam[0]);

  SECTION("unknown words fall back to the mean embedding") {
    const auto none = projection->Embed(featurizer->FeaturizeQuery("zzzqqq"));
    const auto bias = projection->Embed(SparseVector{});
    for (size_t j = 0; j < none.size(); ++j) CHECK(none[j] == bias[j]);
  }
}

TEST_CASE("TrainTextProjection rejects what it cannot learn from", "[text][projection]") {
  Model model = CoursesModel(false);
  TextProjectionParams params;
  CHECK(TrainTextProjection(Catalog{}, model, params).status().code() == StatusCode::kInvalidArgument);
  Catalog strangers = ParseCatalog(R"([{"id": "x1", "title": "nothing in the model"}])").value();
  CHECK(TrainTextProjection(strangers, model, params).status().code() == StatusCode::kInvalidArgument);
  params.lambda = 0;
  CHECK(TrainTextProjection(ParseCatalog(CoursesCatalogJson()).value(), model, params).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("addItems embeds new courses from text and makes them recommendable at once", "[text][content]") {
  auto rec = CoursesRecommender();
  auto index = ContentIndex::Create(*rec);
  REQUIRE(index.ok());
  REQUIRE(index->can_embed());
  const int64_t before = rec->item_count();
  REQUIRE(index->AddItems(rec.get(), {Item("py-crawler", "Python 爬虫实战：从入门到项目", {"python", "编程"}),
                                      Item("kaoyan-cs", "考研 408 计算机综合 强化", {"考研"})})
              .ok());
  REQUIRE(rec->item_count() == before + 2);
  const int32_t row = rec->RowOf("py-crawler");
  REQUIRE(row == before);
  REQUIRE(rec->CatalogItemOf(row) != nullptr);
  CHECK(rec->CatalogItemOf(row)->title == "Python 爬虫实战：从入门到项目");

  // A programming learner sees the new Python course before the new exam course.
  std::vector<int32_t> history = {rec->RowOf("py-basics"), rec->RowOf("java-web")};
  auto user = rec->FoldIn({history.data(), nullptr, 2});
  REQUIRE(user.ok());
  Query q;
  q.user_vector = user->data();
  q.k = static_cast<int>(rec->item_count());
  q.exclude_rows = history;
  auto top = rec->Recommend(q);
  REQUIRE(top.ok());
  auto pos = [&](const char* id) { return std::find(top->rows.begin(), top->rows.end(), rec->RowOf(id)) - top->rows.begin(); };
  CHECK(pos("py-crawler") < pos("kaoyan-cs"));
  CHECK(pos("py-crawler") < 6);

  SECTION("search finds the new course") {
    auto found = index->Search(*rec, "爬虫", 3, Filter{});
    REQUIRE(found.ok());
    REQUIRE(!found->rows.empty());
    CHECK(found->rows[0] == row);
  }
  SECTION("duplicate ids are rejected, nothing is added") {
    auto st = index->AddItems(rec.get(), {Item("n1", "a"), Item("n1", "b")});
    CHECK(st.code() == StatusCode::kInvalidArgument);
    CHECK(st.message().find("twice") != std::string::npos);
    CHECK(index->AddItems(rec.get(), {Item("py-data", "again")}).code() == StatusCode::kInvalidArgument);
    CHECK(rec->item_count() == before + 2);
  }
  SECTION("empty batches, empty ids") {
    CHECK(index->AddItems(rec.get(), {}).code() == StatusCode::kInvalidArgument);
    CHECK(index->AddItems(rec.get(), {Item("", "x")}).code() == StatusCode::kInvalidArgument);
  }
  SECTION("items without text, with a 1 MB title, with bad bytes are embedded without error") {
    std::string huge;
    while (huge.size() < (1u << 20)) huge += "Python 课程 ";
    REQUIRE(index->AddItems(rec.get(), {Item("blank", ""), Item("huge", huge), Item("bytes", std::string("\xff\xfe 🔥\x01"))}).ok());
    CHECK(rec->RowOf("huge") >= 0);
  }
}

TEST_CASE("without a projection in the bundle addItems is kUnsupported", "[text][content]") {
  auto rec = CoursesRecommender(false);
  auto index = ContentIndex::Create(*rec);
  REQUIRE(index.ok());
  CHECK_FALSE(index->can_embed());
  CHECK(index->AddItems(rec.get(), {Item("n1", "Python")}).code() == StatusCode::kUnsupported);
}

TEST_CASE("catalog items the model lacks are embedded by EmbedColdItems", "[text][content]") {
  std::string catalog = CoursesCatalogJson();
  catalog.insert(catalog.rfind(']'), R"(, {"id": "py-new", "title": "Python 自动化办公实战", "tags": ["python"]})");
  auto rec = CoursesRecommender(true, catalog);
  REQUIRE(rec->cold_items() == std::vector<std::string>{"py-new"});
  auto index = ContentIndex::Create(*rec);
  REQUIRE(index.ok());
  auto embedded = index->EmbedColdItems(rec.get());
  REQUIRE(embedded.ok());
  CHECK(*embedded == 1);
  CHECK(rec->cold_items().empty());
  CHECK(rec->RowOf("py-new") >= 0);
  CHECK(rec->CatalogItemOf(rec->RowOf("py-new"))->title == "Python 自动化办公实战");
}

TEST_CASE("search ranks the catalog by a typed query", "[text][content]") {
  auto rec = CoursesRecommender();
  auto index = ContentIndex::Create(*rec);
  REQUIRE(index.ok());
  SECTION("Chinese query") {
    auto top = index->Search(*rec, "考研", 3, Filter{});
    REQUIRE(top.ok());
    REQUIRE(top->rows.size() == 3);
    for (int32_t r : top->rows) CHECK(rec->item_ids()[r].rfind("kaoyan", 0) == 0);
  }
  SECTION("English query, any case") {
    auto top = index->Search(*rec, "PYTHON", 3, Filter{});
    REQUIRE(top.ok());
    for (int32_t r : top->rows) {
      const auto& tags = rec->CatalogItemOf(r)->tags;
      CHECK(std::find(tags.begin(), tags.end(), "python") != tags.end());
    }
  }
  SECTION("filters apply") {
    Filter f;
    f.channel = "web";
    auto top = index->Search(*rec, "考研", 5, f);
    REQUIRE(top.ok());
    for (int32_t r : top->rows) {
      const auto& ch = rec->CatalogItemOf(r)->channels;
      CHECK(std::find(ch.begin(), ch.end(), "web") != ch.end());
    }
  }
  SECTION("bad queries") {
    CHECK(index->Search(*rec, "", 5, Filter{}).status().code() == StatusCode::kInvalidArgument);
    CHECK(index->Search(*rec, "python", 0, Filter{}).status().code() == StatusCode::kInvalidArgument);
    auto none = index->Search(*rec, "the 的 🔥", 5, Filter{});
    REQUIRE(none.ok());
    CHECK(none->rows.empty());
    std::string huge(1u << 20, 'x');
    CHECK(index->Search(*rec, huge, 5, Filter{}).ok());
  }
}

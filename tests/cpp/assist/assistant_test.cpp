#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "assist/assist_fixtures.hpp"
#include "zhixuan/assist/assistant.hpp"

using namespace zhixuan;

namespace {
std::unique_ptr<Assistant> Make(bool with_catalog = true) {
  auto faq = ParseFaq(testing::kSmallFaq);
  REQUIRE(faq.ok());
  std::optional<CourseCatalog> catalog;
  if (with_catalog) {
    auto parsed = CourseCatalog::Parse(testing::kSmallCatalog);
    REQUIRE(parsed.ok());
    catalog = std::move(parsed).value();
  }
  auto a = Assistant::Create(std::move(faq).value(), std::move(catalog));
  REQUIRE(a.ok());
  return std::move(a).value();
}
std::string IdOf(const Assistant& a, int32_t entry) { return entry < 0 ? "" : a.faq().entries[entry].id; }
}  // namespace

TEST_CASE("paraphrased, colloquial and typo'd questions find their entry", "[assist][assistant]") {
  auto a = Make();
  for (const auto& [question, id] : std::vector<std::pair<std::string, std::string>>{
           {"我想退钱", "refund"}, {"公司要报销 开票在哪", "invoice"}, {"結業證怎麼拿", "certificate"},
           {"密码忘了", "password"}, {"我要找人工", "human"}}) {
    auto answer = a->Ask(question, "");
    REQUIRE(answer.ok());
    INFO(question);
    REQUIRE(!answer->suggestions.empty());
    CHECK(IdOf(*a, answer->suggestions[0]) == id);
  }
}

TEST_CASE("a confident answer carries the entry's intent", "[assist][assistant]") {
  auto a = Make();
  auto answer = a->Ask("怎么申请退款", "");
  REQUIRE(answer.ok());
  CHECK(answer->answered);
  CHECK_FALSE(answer->handover);
  CHECK(answer->intent == "refund");
  CHECK(answer->confidence >= a->options().threshold);
  CHECK(answer->topic == "退款");
}

TEST_CASE("a question the base cannot answer is handed over with suggestions", "[assist][assistant]") {
  auto a = Make();
  auto answer = a->Ask("今天天气怎么样 适合出去玩吗", "");
  REQUIRE(answer.ok());
  CHECK_FALSE(answer->answered);
  CHECK(answer->handover);
  CHECK(answer->entry == -1);
  CHECK(answer->suggestions.size() <= 3);
  SECTION("nothing to match at all: confidence 0, no suggestions") {
    auto empty = a->Ask("？？？", "");
    REQUIRE(empty.ok());
    CHECK(empty->handover);
    CHECK(empty->confidence == 0.0f);
    CHECK(empty->suggestions.empty());
  }
}

TEST_CASE("asking for a human answers and hands over", "[assist][assistant]") {
  auto a = Make();
  auto answer = a->Ask("转人工", "");
  REQUIRE(answer.ok());
  CHECK(answer->answered);
  CHECK(answer->handover);
  CHECK(answer->intent == "human");
}

TEST_CASE("on a course page, 'this course' is answered from its catalog entry", "[assist][assistant]") {
  auto a = Make();
  auto answer = a->Ask("这门课多久能学完", "c1");
  REQUIRE(answer.ok());
  REQUIRE(answer->answered);
  CHECK(answer->from_course);
  // 30 lessons x 40 minutes = 20 hours; one hour a day.
  CHECK(answer->answer == "《考研数学 零基础入门》共 30 节，约 20 小时，大约 20 天能学完。");
  SECTION("given hours win over lessons") {
    auto p = a->Ask("这门课多久能学完", "c4");
    REQUIRE(p.ok());
    CHECK(p->answer == "《Python 零基础入门》共 12 节，约 9.5 小时，大约 10 天能学完。");
  }
  SECTION("a fact the course lacks falls back to the generic answer") {
    auto p = a->Ask("这门课多久能学完", "c3");  // no lessons
    REQUIRE(p.ok());
    CHECK_FALSE(p->from_course);
    CHECK(p->answer == "时长见课程目录。");
  }
  SECTION("without a course, the generic answer") {
    auto p = a->Ask("这门课多久能学完", "");
    REQUIRE(p.ok());
    CHECK_FALSE(p->from_course);
    CHECK(p->answer == "时长见课程目录。");
  }
  SECTION("an unknown course id is ignored") {
    auto p = a->Ask("这门课多久能学完", "zzz");
    REQUIRE(p.ok());
    CHECK_FALSE(p->from_course);
  }
}

TEST_CASE("a question naming a tag brings the matching courses, the specific tag first", "[assist][assistant]") {
  auto a = Make();
  auto answer = a->Ask("考研数学怎么复习", "");
  REQUIRE(answer.ok());
  REQUIRE(answer->related_courses.size() >= 2);
  CHECK(answer->related_courses[0] == "c1");
  CHECK(answer->related_courses[1] == "c2");
  SECTION("the current course is not recommended to itself") {
    auto on_page = a->Ask("考研数学怎么复习", "c1");
    REQUIRE(on_page.ok());
    CHECK(std::find(on_page->related_courses.begin(), on_page->related_courses.end(), "c1") == on_page->related_courses.end());
  }
  SECTION("no catalog, no recommendations") {
    auto bare = Make(false);
    auto p = bare->Ask("考研数学怎么复习", "");
    REQUIRE(p.ok());
    CHECK(p->related_courses.empty());
  }
}

TEST_CASE("an oversized question is TOO_LARGE; invalid UTF-8 is tolerated", "[assist][assistant]") {
  auto a = Make();
  auto big = a->Ask(std::string(kMaxQuestionBytes + 1, 'a'), "");
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == StatusCode::kTooLarge);
  auto bad = a->Ask(std::string("退") + "\xc3\x28" + "款", "");
  CHECK(bad.ok());
}

TEST_CASE("out-of-range options are INVALID_ARGUMENT", "[assist][assistant]") {
  auto faq = ParseFaq(testing::kSmallFaq);
  REQUIRE(faq.ok());
  AssistOptions options;
  options.threshold = 1.5f;
  auto a = Assistant::Create(std::move(faq).value(), std::nullopt, options);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a malformed catalog names the item", "[assist][course]") {
  auto c = CourseCatalog::Parse(R"({"items": [{"id": "a"}, {"id": "b", "lessons": "many"}]})");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == StatusCode::kMalformedCatalog);
  CHECK(c.status().message().find("items[1]") != std::string::npos);
}

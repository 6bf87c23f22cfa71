#include <catch2/catch.hpp>

#include <string>

#include "assist/assist_fixtures.hpp"
#include "zhixuan/assist/faq.hpp"

using namespace zhixuan;

namespace {
Status ParseStatus(const std::string& json) {
  auto faq = ParseFaq(json);
  return faq.ok() ? Status::Ok() : faq.status();
}
bool Mentions(const Status& s, const std::string& what) { return s.message().find(what) != std::string::npos; }
}  // namespace

TEST_CASE("a well-formed FAQ parses with every field", "[assist][faq]") {
  auto faq = ParseFaq(testing::kSmallFaq);
  REQUIRE(faq.ok());
  CHECK(faq->version == "t1");
  REQUIRE(faq->entries.size() == 8);
  const FaqEntry& refund = faq->entries[faq->find("refund")];
  CHECK(refund.paraphrases.size() == 2);
  CHECK(refund.intent == "refund");
  REQUIRE(refund.links.size() == 1);
  CHECK(refund.links[0].url == "/help/refund");
  CHECK(faq->find("nope") == -1);
}

TEST_CASE("a bare array of entries is a FAQ too", "[assist][faq]") {
  auto faq = ParseFaq(R"([{"id": "a", "question": "q", "answer": "a"}])");
  REQUIRE(faq.ok());
  CHECK(faq->entries.size() == 1);
}

TEST_CASE("malformed FAQs are named errors that point at the entry and field", "[assist][faq]") {
  SECTION("not JSON") {
    const Status s = ParseStatus("{\"entries\": [");
    CHECK(s.code() == StatusCode::kMalformedFaq);
  }
  SECTION("no entries") {
    CHECK(ParseStatus(R"({"entries": []})").code() == StatusCode::kMalformedFaq);
    CHECK(ParseStatus(R"({"version": "x"})").code() == StatusCode::kMalformedFaq);
  }
  SECTION("a missing answer names the entry and the field") {
    const Status s = ParseStatus(R"([{"id": "a", "question": "q", "answer": "a"}, {"id": "b", "question": "q"}])");
    CHECK(s.code() == StatusCode::kMalformedFaq);
    CHECK(Mentions(s, "entries[1]"));
    CHECK(Mentions(s, "'b'"));
    CHECK(Mentions(s, "answer"));
  }
  SECTION("wrong types") {
    CHECK(Mentions(ParseStatus(R"([{"id": 3, "question": "q", "answer": "a"}])"), "'id' must be a string"));
    CHECK(Mentions(ParseStatus(R"([{"id": "a", "question": "q", "answer": "a", "paraphrases": "x"}])"), "paraphrases"));
    CHECK(Mentions(ParseStatus(R"([{"id": "a", "question": "q", "answer": "a", "tags": [1]}])"), "'tags'[0]"));
    CHECK(Mentions(ParseStatus(R"([{"id": "a", "question": "  ", "answer": "a"}])"), "'question' is empty"));
  }
  SECTION("a bad list element names the entry, its id and the element") {
    const Status s = ParseStatus(R"([{"id": "a", "question": "q", "answer": "a"},
                                     {"id": "b", "question": "q", "answer": "a", "paraphrases": ["ok", 5]}])");
    CHECK(s.code() == StatusCode::kMalformedFaq);
    CHECK(Mentions(s, "entries[1] ('b'): 'paraphrases'[1] must be a string"));
  }
  SECTION("duplicate ids") {
    CHECK(Mentions(ParseStatus(R"([{"id": "a", "question": "q", "answer": "a"}, {"id": "a", "question": "q", "answer": "a"}])"),
                   "duplicate"));
  }
  SECTION("intents and links are checked") {
    CHECK(Mentions(ParseStatus(R"([{"id": "a", "question": "q", "answer": "a", "intent": "Refund!"}])"), "intent"));
    CHECK(Mentions(ParseStatus(R"J([{"id": "a", "question": "q", "answer": "a", "links": [{"title": "x", "url": "javascript:alert(1)"}]}])J"),
                   "'url'"));
    CHECK(Mentions(ParseStatus(R"([{"id": "a", "question": "q", "answer": "a", "links": [{"url": "/x"}]}])"), "title"));
  }
}

TEST_CASE("oversized FAQ fields are TOO_LARGE", "[assist][faq]") {
  const std::string long_question(kMaxFaqQuestionBytes + 1, 'x');
  const Status s = ParseStatus(R"([{"id": "a", "question": ")" + long_question + R"(", "answer": "a"}])");
  CHECK(s.code() == StatusCode::kTooLarge);
  std::string many = R"([{"id": "a", "question": "q", "answer": "a", "paraphrases": [)";
  for (size_t i = 0; i <= kMaxFaqParaphrases; ++i) many += std::string(i ? "," : "") + "\"p\"";
  CHECK(ParseStatus(many + "]}]").code() == StatusCode::kTooLarge);
}

#include <catch2/catch.hpp>

#include "assist/assist_fixtures.hpp"
#include "zhixuan/assist/faq_matcher.hpp"

using namespace zhixuan;

namespace {
FaqBase Small() {
  auto faq = ParseFaq(testing::kSmallFaq);
  REQUIRE(faq.ok());
  return std::move(faq).value();
}
}  // namespace

TEST_CASE("the matcher ranks by BM25 and returns at most k entries", "[assist][matcher]") {
  const FaqBase base = Small();
  const FaqMatcher m = FaqMatcher::Build(base, TunedMatcherOptions());
  const Match match = m.Rank("发票在哪里申请", 2);
  REQUIRE(match.entries.size() <= 2);
  REQUIRE(!match.entries.empty());
  CHECK(base.entries[match.entries[0]].id == "invoice");
  for (size_t i = 1; i < match.scores.size(); ++i) CHECK(match.scores[i - 1] >= match.scores[i]);
  CHECK(match.confidence > 0.0f);
  CHECK(match.confidence < 1.0f);
}

TEST_CASE("normalization lets a synonym match where the baseline cannot", "[assist][matcher]") {
  const FaqBase base = Small();
  const FaqMatcher ours = FaqMatcher::Build(base, TunedMatcherOptions());
  const FaqMatcher baseline = FaqMatcher::Build(base, BaselineMatcherOptions());
  // 收据 (a synonym of 发票 here) shares no character with any field of the base.
  const Match a = ours.Rank("收据", 3);
  REQUIRE(!a.entries.empty());
  CHECK(base.entries[a.entries[0]].id == "invoice");
  const Match b = baseline.Rank("收据", 3);
  CHECK(b.entries.empty());
  // Traditional characters fold too.
  const Match t = ours.Rank("報銷要發票", 3);
  REQUIRE(!t.entries.empty());
  CHECK(base.entries[t.entries[0]].id == "invoice");
}

TEST_CASE("coverage falls when the question holds words the base never saw", "[assist][matcher]") {
  const FaqBase base = Small();
  const FaqMatcher m = FaqMatcher::Build(base, TunedMatcherOptions());
  const Match in = m.Rank("怎么申请退款", 3);
  const Match out = m.Rank("怎么申请退款 顺便问下火星移民签证", 3);
  CHECK(in.features.coverage > out.features.coverage);
  CHECK(in.confidence > out.confidence);
}

TEST_CASE("the field weight picks max-over-fields, entry sums, or a blend", "[assist][matcher]") {
  const FaqBase base = Small();
  for (float w : {0.0f, 0.5f, 1.0f}) {
    MatcherOptions o = TunedMatcherOptions();
    o.field_weight = w;
    const Match match = FaqMatcher::Build(base, o).Rank("证书怎么领取", 3);
    INFO(w);
    REQUIRE(!match.entries.empty());
    CHECK(base.entries[match.entries[0]].id == "certificate");
  }
}

TEST_CASE("field coverage is high when one field holds the question, low when its words are spread", "[assist][matcher]") {
  // Entry "a": one paraphrase says the whole question. Entry "b": the same words, one per field.
  auto faq = ParseFaq(R"({"entries": [
    {"id": "a", "question": "发票抬头怎么修改", "paraphrases": ["其他问题"], "answer": "A"},
    {"id": "b", "question": "发票", "paraphrases": ["抬头", "修改"], "answer": "B"}]})");
  REQUIRE(faq.ok());
  MatcherOptions o = TunedMatcherOptions();
  o.field_weight = 0.0f;  // entries by their sums: both hold every word of the question
  o.all_indexes = true;   // the field index, for the feature, whatever the tuned weights use
  const FaqMatcher m = FaqMatcher::Build(*faq, o);
  const Match match = m.Rank("发票抬头修改", 2);
  REQUIRE(match.entries.size() == 2);
  MatchFeatures a, b;
  for (const int32_t top : {0, 1}) {
    FaqBase only = *faq;
    only.entries.erase(only.entries.begin() + (1 - top));
    const Match single = FaqMatcher::Build(only, o).Rank("发票抬头修改", 1);
    REQUIRE(!single.entries.empty());
    (top == 0 ? a : b) = single.features;
  }
  CHECK(a.coverage == Approx(b.coverage).margin(0.2));
  CHECK(a.field_coverage > b.field_coverage + 0.3f);
  // The calibration reads it: with weight on field coverage, the concentrated entry is surer.
  MatcherOptions w = o;
  w.w_field_coverage = 3.0f;
  CHECK(CalibratedConfidence(a, w) > CalibratedConfidence(b, w));
}

TEST_CASE("the character n-gram index: its relative score as a feature, its score fused", "[assist][matcher]") {
  auto faq = ParseFaq(R"({"entries": [
    {"id": "a", "question": "直播课在哪里看回放", "answer": "A"},
    {"id": "b", "question": "发票怎么开", "answer": "B"}]})");
  REQUIRE(faq.ok());
  MatcherOptions o = TunedMatcherOptions();
  o.char_weight = 0.0f;
  o.w_char_relative = 0.0f;
  SECTION("not built when no weight uses it: the feature stays 0") {
    const Match match = FaqMatcher::Build(*faq, o).Rank("直播课在哪里看回放", 1);
    REQUIRE(!match.entries.empty());
    CHECK(match.features.char_relative == 0.0f);
  }
  SECTION("the question as the entry says it scores higher than a partial one") {
    o.all_indexes = true;
    const FaqMatcher m = FaqMatcher::Build(*faq, o);
    const Match whole = m.Rank("直播课在哪里看回放", 1);
    const Match part = m.Rank("直播课回放在哪里找呢", 1);
    REQUIRE(!whole.entries.empty());
    REQUIRE(!part.entries.empty());
    CHECK(whole.features.char_relative > part.features.char_relative + 0.1f);
    CHECK(part.features.char_relative > 0.0f);
    CHECK(whole.features.char_relative <= 1.0f);
  }
  SECTION("fused: the same ranking, scores raised by the character evidence") {
    const Match words = FaqMatcher::Build(*faq, o).Rank("直播回放", 2);
    o.char_weight = 0.5f;
    const Match fused = FaqMatcher::Build(*faq, o).Rank("直播回放", 2);
    REQUIRE(!words.entries.empty());
    REQUIRE(!fused.entries.empty());
    CHECK(fused.entries[0] == words.entries[0]);
    CHECK(fused.scores[0] > words.scores[0]);
  }
}

TEST_CASE("long texts grow the build's term buffer without losing terms", "[assist][matcher]") {
  // A long answer (thousands of terms) joins the entry document: a word only at its end still matches.
  std::string answer;
  for (int i = 0; i < 1500; ++i) answer += "课程";  // about 6,000 terms: under kMaxTokensPerText
  answer += " 独角兽";
  const std::string json = R"({"entries": [{"id": "long", "question": "问题一", "answer": ")" + answer +
                           R"("}, {"id": "short", "question": "问题二", "answer": "短"}]})";
  auto faq = ParseFaq(json);
  REQUIRE(faq.ok());
  MatcherOptions o = TunedMatcherOptions();
  o.answer_in_entry = true;
  const Match match = FaqMatcher::Build(*faq, o).Rank("独角兽", 2);
  REQUIRE(!match.entries.empty());
  CHECK(faq->entries[match.entries[0]].id == "long");
}

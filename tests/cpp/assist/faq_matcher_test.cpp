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

TEST_CASE("character-unigram coverage: a near miss leaves characters the base never saw", "[assist][matcher]") {
  // Short answers: with the answer in the entry document, its characters count as seen.
  auto faq = ParseFaq(R"({"entries": [
    {"id": "cert", "question": "证书在哪里下载", "paraphrases": ["电子证书怎么保存"], "answer": "A"},
    {"id": "invoice", "question": "怎么开发票", "answer": "B"}]})");
  REQUIRE(faq.ok());
  const FaqMatcher m = FaqMatcher::Build(*faq, TunedMatcherOptions());
  const Match paraphrase = m.Rank("在哪里下载证书", 1);
  const Match near_miss = m.Rank("证书能加盖公章吗", 1);  // 盖, 公, 章: never in the base
  REQUIRE(!paraphrase.entries.empty());
  REQUIRE(!near_miss.entries.empty());
  CHECK(faq->entries[near_miss.entries[0]].id == "cert");  // the shared word still ranks it first
  CHECK(paraphrase.features.unseen_unigrams == 0.0f);
  CHECK(near_miss.features.unseen_unigrams > 0.3f);
  CHECK(paraphrase.features.char_unigram_coverage > near_miss.features.char_unigram_coverage + 0.3f);
  CHECK(near_miss.features.char_unigram_coverage > 0.0f);
  CHECK(paraphrase.features.char_unigram_coverage <= 1.0f);
  // The tuned calibration reads it: the near miss is less sure than the paraphrase.
  CHECK(TunedMatcherOptions().w_char_unigram_coverage > 0.0f);
  CHECK(paraphrase.confidence > near_miss.confidence);
}

TEST_CASE("field recall: the share of the best field's own IDF mass the question says", "[assist][matcher]") {
  auto faq = ParseFaq(R"({"entries": [
    {"id": "a", "question": "发票抬头怎么修改", "paraphrases": ["税号填错了"], "answer": "A"},
    {"id": "b", "question": "证书怎么下载", "answer": "B"}]})");
  REQUIRE(faq.ok());
  MatcherOptions o = TunedMatcherOptions();
  o.all_indexes = true;  // the field index, for the feature
  const FaqMatcher m = FaqMatcher::Build(*faq, o);
  const Match whole = m.Rank("发票抬头怎么修改", 1);
  const Match part = m.Rank("发票", 1);
  REQUIRE(!whole.entries.empty());
  REQUIRE(!part.entries.empty());
  CHECK(whole.features.field_recall == Approx(1.0f));
  CHECK(part.features.field_recall > 0.0f);
  CHECK(part.features.field_recall < 0.5f);
  // Without the field index the feature stays 0.
  const Match no_fields = FaqMatcher::Build(*faq, TunedMatcherOptions()).Rank("发票抬头怎么修改", 1);
  CHECK(no_fields.features.field_recall == 0.0f);
}

TEST_CASE("the character index agrees, covers, and the largest uncovered IDF is seen", "[assist][matcher]") {
  auto faq = ParseFaq(R"({"entries": [
    {"id": "a", "question": "直播课在哪里看回放", "answer": "A"},
    {"id": "b", "question": "发票怎么开", "answer": "B"}]})");
  REQUIRE(faq.ok());
  const FaqMatcher m = FaqMatcher::Build(*faq, TunedMatcherOptions());
  const Match same = m.Rank("直播课在哪里看回放", 1);
  REQUIRE(!same.entries.empty());
  CHECK(same.features.agreement == 1.0f);
  CHECK(same.features.char_coverage == Approx(1.0f));
  CHECK(same.features.uncovered_max == 0.0f);
  // A word of the other entry left unexplained by the top one: its IDF, over the unseen IDF.
  const Match mixed = m.Rank("直播课在哪里看回放 发票", 1);
  REQUIRE(!mixed.entries.empty());
  CHECK(mixed.features.uncovered_max > 0.0f);
  CHECK(mixed.features.uncovered_max < 1.0f);
  CHECK(mixed.features.char_coverage < 1.0f);
}

TEST_CASE("each text decoded once for both indexes ranks as decoding it for each", "[assist][matcher]") {
  // The tuned options take the one-decode path; all_indexes builds the field index too, which
  // takes the path field by field (a text decoded for the words, again for the characters).
  const FaqBase base = Small();
  MatcherOptions separate = TunedMatcherOptions();
  separate.all_indexes = true;
  const FaqMatcher once = FaqMatcher::Build(base, TunedMatcherOptions());
  const FaqMatcher twice = FaqMatcher::Build(base, separate);
  for (const char* q : {"发票在哪里申请", "證書怎麼領取", "退款要几天到账", "ＶＩＰ七天能退吗", "今天天气"}) {
    INFO(q);
    const Match a = once.Rank(q, 5);
    const Match b = twice.Rank(q, 5);
    CHECK(a.entries == b.entries);
    REQUIRE(a.scores.size() == b.scores.size());
    for (size_t i = 0; i < a.scores.size(); ++i) CHECK(a.scores[i] == Approx(b.scores[i]).epsilon(1e-6));
    CHECK(a.confidence == Approx(b.confidence).epsilon(1e-6));
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

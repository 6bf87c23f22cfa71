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

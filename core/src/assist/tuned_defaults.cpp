// The matcher's weights (chosen on 233 held-out paraphrases of demo/faq.json: each left out of
// the base in turn and asked), its confidence calibration and the hand-over threshold (fitted on
// the 92 questions of the tuning half of tests/fixtures/faq-queries.json; never the test half),
// as printed by `zhixuan faq-eval --tune`. Re-run it after changing the FAQ, the normalizer or the tokenizer.
#include "zhixuan/assist/assistant.hpp"
#include "zhixuan/assist/faq_matcher.hpp"

namespace zhixuan {

MatcherOptions TunedMatcherOptions() {
  MatcherOptions o;
  o.field_weight = 0.25f;
  o.answer_in_entry = true;
  o.drop_stopwords = true;
  o.bm25.k1 = 1.6f;
  o.bm25.b = 0.75f;
  o.w_bias = -1.509f;
  o.w_coverage = 2.945f;
  o.w_relative = 1.620f;
  o.w_margin = 1.511f;
  return o;
}

float TunedThreshold() { return 0.563f; }

}  // namespace zhixuan

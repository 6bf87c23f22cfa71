// The matcher's weights (chosen on 233 held-out paraphrases of demo/faq.json: each left out of
// the base in turn and asked), its confidence calibration (the features by 2-fold
// cross-validation, then the weights) and the hand-over threshold (fitted on the 229 questions
// of the tuning split of tests/fixtures/faq-queries.json; never the test split),
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
  o.w_bias = -0.833f;
  o.w_coverage = 2.464f;
  o.w_relative = 0.000f;
  o.w_margin = 0.000f;
  o.w_field_coverage = 1.550f;
  return o;
}

float TunedThreshold() { return 0.514f; }

}  // namespace zhixuan

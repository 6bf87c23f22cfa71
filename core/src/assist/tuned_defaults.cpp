// The matcher's weights (chosen on 233 held-out paraphrases of demo/faq.json: each left out of
// the base in turn and asked), its confidence calibration (the features by 2-fold
// cross-validation, then the weights) and the hand-over threshold (fitted on the 349 questions
// of the tuning split of tests/fixtures/faq-queries.json; never the test split),
// as printed by `zhixuan faq-eval --tune`. Re-run it after changing the FAQ, the normalizer or the tokenizer.
#include "zhixuan/assist/assistant.hpp"
#include "zhixuan/assist/faq_matcher.hpp"

namespace zhixuan {

MatcherOptions TunedMatcherOptions() {
  MatcherOptions o;
  o.char_weight = 0.50f;
  o.field_weight = 0.00f;
  o.answer_in_entry = true;
  o.drop_stopwords = true;
  o.bm25.k1 = 1.2f;
  o.bm25.b = 0.50f;
  o.w_bias = -1.709f;
  o.w_coverage = 0.000f;
  o.w_relative = 1.876f;
  o.w_margin = 0.000f;
  o.w_field_coverage = 0.000f;
  o.w_char_relative = 1.053f;
  o.w_char_coverage = 0.000f;
  o.w_agreement = 0.000f;
  o.w_uncovered_max = 0.000f;
  o.w_field_recall = 0.000f;
  o.w_char_unigram_coverage = 2.101f;
  o.w_unseen_unigrams = 0.000f;
  return o;
}

float TunedThreshold() { return 0.522f; }

}  // namespace zhixuan

// Ranks FAQ entries for a question. Two BM25 indexes over the same terms: one document per
// field (the question and each paraphrase: the best-matching field is the evidence) and one
// document per entry (all its fields together: paraphrases add up). An entry's score fuses
// both: field_weight * best_field + (1 - field_weight) * entry. The terms are the text room's
// tokens (CJK unigrams + bigrams, Latin words, numbers; stopwords dropped) of the normalized
// text (normalize.hpp). A third index over the raw text's character n-grams adds its score
// with char_weight. The confidence of the top entry is a logistic function of features (how much
// of the question's IDF mass the entry covers, its score relative to the question's own maximum,
// its margin over the runner-up, ...: MatchFeatures), fitted on held-out questions by
// `zhixuan faq-eval --tune` (docs/assistant.md; figures: bench/RESULTS.md, "FAQ assistant").
// An index no weight uses is not built (the index build is timed: issue 16).
//
// The baseline the evaluation compares against is this class with TermMode::kCharNgrams:
// character unigrams + bigrams of the raw text, one document per entry, no normalization.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zhixuan/assist/bm25.hpp"
#include "zhixuan/assist/faq.hpp"
#include "zhixuan/assist/term_table.hpp"

namespace zhixuan {

enum class TermMode { kWords, kCharNgrams };

struct MatcherOptions {
  TermMode mode = TermMode::kWords;
  bool normalize = true;
  bool drop_stopwords = true;
  Bm25Params bm25;
  float field_weight = 0.5f;     // 0: entry documents only; 1: best field only
  bool answer_in_entry = false;  // the answer text joins the entry document
  // A third BM25 index, over character unigrams + bigrams of the raw text (the baseline's terms:
  // no normalization, no stopwords; one document per entry, its question and paraphrases).
  // Its score joins the entry's: + char_weight * char_score * (word maximum / char maximum),
  // the maxima being the question's own best possible scores in each index. Built when
  // char_weight or w_char_relative is not 0.
  float char_weight = 0.0f;
  // Build the field and character indexes even when no weight uses them (faq-eval --tune
  // computes every feature before choosing which the calibration uses).
  bool all_indexes = false;
  // Confidence = sigmoid(bias + coverage * w_coverage + relative * w_relative + margin * w_margin
  //                      + field_coverage * w_field_coverage + char_relative * w_char_relative).
  float w_bias = -6.0f;
  float w_coverage = 6.0f;
  float w_relative = 4.0f;
  float w_margin = 3.0f;
  float w_field_coverage = 0.0f;
  float w_char_relative = 0.0f;
  // + char_coverage * w_char_coverage + agreement * w_agreement + uncovered_max * w_uncovered_max
  // + field_recall * w_field_recall + char_unigram_coverage * w_char_unigram_coverage
  // + unseen_unigrams * w_unseen_unigrams (MatchFeatures).
  float w_char_coverage = 0.0f;
  float w_agreement = 0.0f;
  float w_uncovered_max = 0.0f;
  float w_field_recall = 0.0f;
  float w_char_unigram_coverage = 0.0f;
  float w_unseen_unigrams = 0.0f;
};

// The defaults chosen by `zhixuan faq-eval --tune` on the tuning half of the held-out questions.
MatcherOptions TunedMatcherOptions();
// The baseline: BM25 over character unigrams and bigrams of the raw text.
MatcherOptions BaselineMatcherOptions();

struct MatchFeatures {
  float coverage = 0;  // IDF mass of the question's terms found in the top entry / all of it
  float relative = 0;  // top score / the question's maximum possible score
  float margin = 0;    // (top - second) / top
  // The same IDF mass, covered by the top entry's best single field (its question or one
  // paraphrase): a question off the base's topics shares a word or two with an entry's many
  // fields together, rarely most of its words with one of them.
  float field_coverage = 0;
  // The top entry's character n-gram score / the question's maximum there (0 without that index).
  float char_relative = 0;
  // The IDF mass of the question's character n-grams held by the top entry's character document
  // (0 without that index).
  float char_coverage = 0;
  // 1 when the character index alone ranks the top entry first too (0 without that index): the
  // two signals agree.
  float agreement = 0;
  // The largest IDF among the question's terms the top entry lacks (an unknown term counts with
  // the unseen IDF), over the unseen IDF: a near miss leaves one telling word unexplained
  // (证书能加盖**公章**吗), a paraphrase rarely does.
  float uncovered_max = 0;
  // The other direction: the share of the best field's own IDF mass the question holds (0
  // without the field index). A paraphrase says most of some field; a near miss says one word.
  float field_recall = 0;
  // The single CJK characters of the question only: the share of their IDF mass the top entry
  // holds (an unknown character counts with the unseen IDF). A bigram the base never saw is
  // common in a paraphrase (想退, 退掉); a character it never saw is rarer, and more often the
  // topic of a question the base does not answer (连麦, 港币, 弹幕).
  float char_unigram_coverage = 0;
  // The share of the question's single CJK characters the base never saw (0 when it has none).
  float unseen_unigrams = 0;
};

// The calibrated confidence of a top entry with these features (sigmoid of the weighted sum).
float CalibratedConfidence(const MatchFeatures& features, const MatcherOptions& options);

struct Match {
  std::vector<int32_t> entries;  // best first
  std::vector<float> scores;
  MatchFeatures features;        // of entries[0]
  float confidence = 0;          // of entries[0]; 0 when nothing matched
  int32_t query_terms = 0;       // distinct terms of the question (0: nothing to match)
};

// A growable array of term ids, written through a pointer: the index build appends every term
// of every text, and vector::push_back stayed an out-of-line call per term in wasm.
class TermBuffer {
 public:
  // Room for `extra` more ids; write them from the returned pointer, then Commit the end.
  uint32_t* Reserve(size_t extra);
  void Commit(const uint32_t* end) { size_ = static_cast<size_t>(end - data_.get()); }
  void Append(const TermBuffer& other);
  void clear() { size_ = 0; }
  const uint32_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint32_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

class FaqMatcher {
 public:
  static FaqMatcher Build(const FaqBase& base, const MatcherOptions& options);

  // The k best entries (k >= 1), with the top one's confidence. Never fails: an empty or
  // unmatched question gives an empty list and confidence 0.
  Match Rank(std::string_view question, int k) const;
  const MatcherOptions& options() const { return options_; }
  int32_t entry_count() const { return entry_count_; }

  // The terms of a text as this matcher sees them (for tests and the CLI's diagnostics).
  std::vector<std::string> Terms(std::string_view text) const;

 private:
  // Appends the text's term ids to *out (adding new terms to the vocabulary).
  void TermIds(std::string_view text, TermBuffer* out);
  // The same for the raw text's character n-grams (the character index's terms).
  void CharTermIds(std::string_view text, TermBuffer* out);
  // Both at once, the text decoded once (kWords mode with normalization: the tuned options).
  void WordAndCharTermIds(std::string_view text, TermBuffer* words, TermBuffer* chars);
  // The question's distinct known term ids; *unknown counts the others. With `unigrams`, also
  // which ids are single CJK characters (*unigrams: a flag per id) and how many unknown terms are.
  struct UnigramCounts {
    std::vector<bool> is_unigram;  // per returned id
    int32_t unknown = 0;
  };
  std::vector<uint32_t> QueryTermIds(std::string_view text, int32_t* unknown, UnigramCounts* unigrams = nullptr) const;
  std::vector<uint32_t> QueryCharIds(std::string_view text, int32_t* unknown) const;
  bool has_chars() const {
    return options_.all_indexes || options_.char_weight != 0.0f || options_.w_char_relative != 0.0f ||
           options_.w_char_coverage != 0.0f || options_.w_agreement != 0.0f;
  }
  bool has_fields() const {
    return options_.all_indexes || options_.field_weight > 0.0f || options_.w_field_coverage != 0.0f ||
           options_.w_field_recall != 0.0f;
  }

  MatcherOptions options_;
  int32_t entry_count_ = 0;
  TermTable vocabulary_;
  Bm25Index fields_;  // by field (if has_fields())
  Bm25Index entries_;
  Bm25Index chars_;  // character n-grams of the raw text, by entry (if has_chars())
  std::vector<int32_t> entry_of_field_;
  std::vector<int32_t> first_field_;  // entry -> its fields [first_field_[e], first_field_[e + 1])
  std::vector<float> field_mass_;     // field -> the IDF mass (entry index IDFs) of its distinct terms
};

}  // namespace zhixuan

#include "zhixuan/assist/faq_matcher.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <utility>

#include "zhixuan/assist/normalize.hpp"
#include "zhixuan/base/flatten.hpp"
#include "zhixuan/base/utf8.hpp"
#include "zhixuan/text/tokenizer.hpp"

namespace zhixuan {
namespace {

// FNV-1a of a code point sequence's UTF-8, for the baseline's character n-grams.
uint64_t HashBytes(std::string_view s) { return TokenHash64(s); }

bool IsSpaceOrPunct(uint32_t cp) {
  if (cp < 0x80) return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0x2000 && cp <= 0x206F) || cp == 0xFFFD;
}

// The baseline's terms: every character that is not space or punctuation, and each pair of
// adjacent such characters (the UTF-8 bytes of each, hashed).
template <typename Emit>
void CharNgrams(std::string_view text, Emit emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  std::string_view previous;
  while (i < text.size()) {
    size_t n = 1;
    uint32_t cp = p[i];
    if (p[i] >= 0x80) {
      n = Utf8SequenceLength(p + i, text.size() - i);
      if (n == 0) {
        n = 1;
        cp = 0xFFFD;
      } else {
        cp = n == 2 ? p[i] & 0x1F : n == 3 ? p[i] & 0x0F : p[i] & 0x07;
        for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
      }
    }
    const std::string_view ch = text.substr(i, n);
    i += n;
    if (IsSpaceOrPunct(cp)) {
      previous = {};
      continue;
    }
    emit(ch);
    if (!previous.empty()) emit(std::string_view(previous.data(), previous.size() + ch.size()));
    previous = ch;
  }
}

// CharNgrams over code points, as keys (a unigram's key its code point, a bigram's both):
// writes at most 2 * size keys.
ZX_FLATTEN size_t CharKeys(const uint32_t* cps, size_t size, uint64_t* out) {
  uint64_t* const first = out;
  uint32_t previous = 0;
  for (size_t i = 0; i < size; ++i) {
    const uint32_t cp = cps[i];
    if (IsSpaceOrPunct(cp)) {
      previous = 0;
      continue;
    }
    *out++ = cp;
    if (previous) *out++ = static_cast<uint64_t>(previous) << 21 | cp;
    previous = cp;
  }
  return static_cast<size_t>(out - first);
}

// A growable key buffer of this thread.
uint64_t* KeyRoom(size_t n) {
  static thread_local std::unique_ptr<uint64_t[]> keys;
  static thread_local size_t capacity = 0;
  if (n > capacity) {
    capacity = std::max(n, 2 * capacity);
    keys.reset(new uint64_t[capacity]);
  }
  return keys.get();
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// The term keys of a text in kWords mode (text/tokenizer.hpp TokenKeys of its normalized code
// points: no UTF-8 round trip between the normalizer and the tokenizer), in a buffer of this
// thread valid until the next call.
ZX_FLATTEN std::pair<const uint64_t*, size_t> WordKeys(std::string_view text, const MatcherOptions& options) {
  const CodePointSpan cps = options.normalize ? NormalizedCodePoints(text) : DecodedCodePoints(text);
  uint64_t* keys = KeyRoom(2 * cps.size + 1);
  TokenizerOptions tokenizer;
  tokenizer.drop_stopwords = options.drop_stopwords;
  return {keys, TokenKeys(cps.data, cps.size, tokenizer, keys)};
}

// The raw text's character n-gram keys (CharKeys), in the same buffer.
std::pair<const uint64_t*, size_t> RawCharKeys(std::string_view text) {
  const CodePointSpan cps = DecodedCodePoints(text);
  uint64_t* keys = KeyRoom(2 * cps.size + 1);
  return {keys, CharKeys(cps.data, cps.size, keys)};
}

float Self(const Bm25Index& index, const std::vector<uint32_t>& terms, int32_t unknown) {
  float self = unknown * index.UnseenIdf();
  for (uint32_t t : terms) self += index.Idf(t);
  return self;
}

}  // namespace

float CalibratedConfidence(const MatchFeatures& f, const MatcherOptions& o) {
  return Sigmoid(o.w_bias + o.w_coverage * f.coverage + o.w_relative * f.relative + o.w_margin * f.margin +
                 o.w_field_coverage * f.field_coverage + o.w_char_relative * f.char_relative +
                 o.w_char_coverage * f.char_coverage + o.w_agreement * f.agreement + o.w_uncovered_max * f.uncovered_max +
                 o.w_field_recall * f.field_recall + o.w_char_unigram_coverage * f.char_unigram_coverage +
                 o.w_unseen_unigrams * f.unseen_unigrams);
}

MatcherOptions BaselineMatcherOptions() {
  MatcherOptions o;
  o.mode = TermMode::kCharNgrams;
  o.normalize = false;
  o.drop_stopwords = false;
  o.field_weight = 0.0f;
  o.answer_in_entry = false;
  return o;
}

uint32_t* TermBuffer::Reserve(size_t extra) {
  if (size_ + extra > capacity_) {
    const size_t capacity = std::max(capacity_ * 2, size_ + extra);
    std::unique_ptr<uint32_t[]> grown(new uint32_t[capacity]);
    if (size_) std::memcpy(grown.get(), data_.get(), size_ * sizeof(uint32_t));
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  return data_.get() + size_;
}

void TermBuffer::Append(const TermBuffer& other) {
  uint32_t* o = Reserve(other.size_);
  if (other.size_) std::memcpy(o, other.data_.get(), other.size_ * sizeof(uint32_t));
  size_ += other.size_;
}

ZX_FLATTEN void FaqMatcher::TermIds(std::string_view raw, TermBuffer* out) {
  if (options_.mode == TermMode::kCharNgrams) {
    const std::string normalized = options_.normalize ? NormalizeQuestion(raw) : std::string(raw);
    // At most two terms per byte (a character's unigram and the bigram it starts).
    uint32_t* o = out->Reserve(2 * normalized.size() + 2);
    CharNgrams(normalized, [&](std::string_view gram) { *o++ = vocabulary_.Intern(HashBytes(gram)); });
    out->Commit(o);
    return;
  }
  const auto [keys, count] = WordKeys(raw, options_);
  uint32_t* o = out->Reserve(count);
  for (size_t i = 0; i < count; ++i) *o++ = vocabulary_.Intern(keys[i]);
  out->Commit(o);
}

ZX_FLATTEN void FaqMatcher::CharTermIds(std::string_view raw, TermBuffer* out) {
  const auto [keys, count] = RawCharKeys(raw);
  uint32_t* o = out->Reserve(count);
  for (size_t i = 0; i < count; ++i) *o++ = vocabulary_.Intern(keys[i]);
  out->Commit(o);
}

ZX_FLATTEN void FaqMatcher::WordAndCharTermIds(std::string_view raw, TermBuffer* words, TermBuffer* chars) {
  const CodePointSpan decoded = DecodedCodePoints(raw);
  {
    uint64_t* keys = KeyRoom(2 * decoded.size + 1);
    const size_t count = CharKeys(decoded.data, decoded.size, keys);
    uint32_t* o = chars->Reserve(count);
    for (size_t i = 0; i < count; ++i) *o++ = vocabulary_.Intern(keys[i]);
    chars->Commit(o);
  }
  const CodePointSpan cps = NormalizeDecoded(decoded);
  uint64_t* keys = KeyRoom(2 * cps.size + 1);
  TokenizerOptions tokenizer;
  tokenizer.drop_stopwords = options_.drop_stopwords;
  const size_t count = TokenKeys(cps.data, cps.size, tokenizer, keys);
  uint32_t* o = words->Reserve(count);
  for (size_t i = 0; i < count; ++i) *o++ = vocabulary_.Intern(keys[i]);
  words->Commit(o);
}

FaqMatcher FaqMatcher::Build(const FaqBase& base, const MatcherOptions& options) {
  FaqMatcher m;
  m.options_ = options;
  m.entry_count_ = static_cast<int32_t>(base.entries.size());
  TermBuffer field_terms, entry_terms, char_terms;
  const bool chars = m.has_chars();
  const bool fields = m.has_fields();  // without it every entry's field range stays empty
  // The tuned options: each text decoded once for the word and the character index.
  const bool decode_once = chars && !fields && options.mode == TermMode::kWords && options.normalize;
  m.first_field_.reserve(base.entries.size() + 1);
  for (size_t e = 0; e < base.entries.size(); ++e) {
    const FaqEntry& entry = base.entries[e];
    m.first_field_.push_back(static_cast<int32_t>(m.entry_of_field_.size()));
    entry_terms.clear();
    char_terms.clear();
    auto add_field = [&](const std::string& text) {
      if (decode_once) {
        m.WordAndCharTermIds(text, &entry_terms, &char_terms);
        return;
      }
      if (fields) {
        field_terms.clear();
        m.TermIds(text, &field_terms);
        entry_terms.Append(field_terms);
        m.fields_.AddDocument(field_terms.data(), field_terms.size());
        m.entry_of_field_.push_back(static_cast<int32_t>(e));
      } else {
        m.TermIds(text, &entry_terms);
      }
      if (chars) m.CharTermIds(text, &char_terms);
    };
    add_field(entry.question);
    for (const std::string& p : entry.paraphrases) add_field(p);
    if (options.answer_in_entry) m.TermIds(entry.answer, &entry_terms);
    m.entries_.AddDocument(entry_terms.data(), entry_terms.size());
    if (chars) m.chars_.AddDocument(char_terms.data(), char_terms.size());
  }
  m.first_field_.push_back(static_cast<int32_t>(m.entry_of_field_.size()));
  const uint32_t vocabulary = m.vocabulary_.size();
  if (fields) m.fields_.Finish(vocabulary, options.bm25);
  m.entries_.Finish(vocabulary, options.bm25);
  if (chars) m.chars_.Finish(vocabulary, options.bm25);
  if (fields) {
    m.field_mass_.assign(static_cast<size_t>(m.fields_.document_count()), 0.0f);
    m.fields_.AddMassByDocument(m.entries_, &m.field_mass_);
  }
  return m;
}

std::vector<uint32_t> FaqMatcher::QueryTermIds(std::string_view text, int32_t* unknown, UnigramCounts* unigrams) const {
  // Known terms by id, unknown ones counted (they weigh on the coverage), duplicates once.
  std::vector<uint32_t> ids;
  std::vector<uint64_t> hashes;
  if (options_.mode == TermMode::kCharNgrams) {
    const std::string normalized = options_.normalize ? NormalizeQuestion(text) : std::string(text);
    CharNgrams(normalized, [&](std::string_view gram) { hashes.push_back(HashBytes(gram)); });
  } else {
    const auto [keys, count] = WordKeys(text, options_);
    hashes.assign(keys, keys + count);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  *unknown = 0;
  for (uint64_t h : hashes) {
    const uint32_t id = vocabulary_.Find(h);
    if (id == TermTable::kAbsent) ++*unknown;
    else ids.push_back(id);
    if (!unigrams) continue;
    // A CJK character's key is its code point (TokenKeys; kCharNgrams keys are hashes). The
    // character index shares the vocabulary: a character only it holds is unseen here.
    const bool unigram = options_.mode == TermMode::kWords && h < (uint64_t{1} << 21);
    if (id == TermTable::kAbsent) {
      unigrams->unknown += unigram;
    } else {
      const bool seen = entries_.DocumentFrequency(id) > 0;
      unigrams->is_unigram.push_back(unigram && seen);
      unigrams->unknown += unigram && !seen;
    }
  }
  return ids;
}

std::vector<uint32_t> FaqMatcher::QueryCharIds(std::string_view text, int32_t* unknown) const {
  const auto [keys, count] = RawCharKeys(text);
  std::vector<uint64_t> distinct(keys, keys + count);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<uint32_t> ids;
  *unknown = 0;
  for (uint64_t k : distinct) {
    const uint32_t id = vocabulary_.Find(k);
    // A term of the word indexes only is unseen here too (its df in the char index is 0).
    if (id == TermTable::kAbsent || chars_.DocumentFrequency(id) == 0) ++*unknown;
    else ids.push_back(id);
  }
  return ids;
}

std::vector<std::string> FaqMatcher::Terms(std::string_view text) const {
  const std::string normalized = options_.normalize ? NormalizeQuestion(text) : std::string(text);
  std::vector<std::string> out;
  if (options_.mode == TermMode::kCharNgrams) {
    CharNgrams(normalized, [&](std::string_view gram) { out.emplace_back(gram); });
    return out;
  }
  TokenizerOptions tokenizer;
  tokenizer.drop_stopwords = options_.drop_stopwords;
  return Tokenize(normalized, tokenizer);
}

Match FaqMatcher::Rank(std::string_view question, int k) const {
  Match match;
  int32_t unknown = 0;
  UnigramCounts unigrams;
  const std::vector<uint32_t> terms = QueryTermIds(question, &unknown, &unigrams);
  match.query_terms = static_cast<int32_t>(terms.size()) + unknown;
  if (terms.empty() || k < 1) return match;

  std::vector<float> entry_scores(static_cast<size_t>(entry_count_), 0.0f);
  std::vector<int32_t> touched;
  if (options_.field_weight < 1.0f) {
    entries_.Accumulate(terms, &entry_scores, &touched);
    for (int32_t e : touched) entry_scores[e] *= 1.0f - options_.field_weight;
  }
  if (options_.field_weight > 0.0f) {
    std::vector<float> field_scores(static_cast<size_t>(fields_.document_count()), 0.0f);
    std::vector<int32_t> fields_touched;
    fields_.Accumulate(terms, &field_scores, &fields_touched);
    std::vector<float> best(static_cast<size_t>(entry_count_), 0.0f);
    std::vector<int32_t> best_touched;
    for (int32_t f : fields_touched) {
      const int32_t e = entry_of_field_[f];
      if (best[e] == 0.0f) best_touched.push_back(e);
      best[e] = std::max(best[e], field_scores[f]);
    }
    for (int32_t e : best_touched) {
      if (entry_scores[e] == 0.0f) touched.push_back(e);
      entry_scores[e] += options_.field_weight * best[e];
    }
  }
  std::vector<float> char_scores;
  std::vector<uint32_t> char_terms;
  int32_t char_unknown = 0;
  float char_max = 0;
  if (has_chars()) {
    char_terms = QueryCharIds(question, &char_unknown);
    char_scores.assign(static_cast<size_t>(entry_count_), 0.0f);
    std::vector<int32_t> char_touched;
    chars_.Accumulate(char_terms, &char_scores, &char_touched);
    char_max = Self(chars_, char_terms, char_unknown) * (options_.bm25.k1 + 1.0f);
    const float word_max = Self(entries_, terms, unknown) * (options_.bm25.k1 + 1.0f);
    if (options_.char_weight != 0.0f && char_max > 0) {
      const float scale = options_.char_weight * word_max / char_max;
      for (int32_t e : char_touched) {
        if (entry_scores[e] == 0.0f) touched.push_back(e);
        entry_scores[e] += scale * char_scores[e];
      }
    }
  }
  if (touched.empty()) return match;
  const size_t top = std::min(static_cast<size_t>(k), touched.size());
  auto better = [&](int32_t a, int32_t b) { return entry_scores[a] != entry_scores[b] ? entry_scores[a] > entry_scores[b] : a < b; };
  std::partial_sort(touched.begin(), touched.begin() + static_cast<std::ptrdiff_t>(top), touched.end(), better);
  for (size_t i = 0; i < top; ++i) {
    match.entries.push_back(touched[i]);
    match.scores.push_back(entry_scores[touched[i]]);
  }
  // Confidence features of the top entry (IDFs of the entry index: one document per entry).
  const int32_t e1 = match.entries[0];
  const float unseen = entries_.UnseenIdf();
  float mass = unknown * unseen, covered = 0, self = 0;
  float uncovered_max = unknown > 0 ? unseen : 0.0f;
  float best_field = 0, field_recall = 0;
  float unigram_mass = unigrams.unknown * unseen, unigram_covered = 0;
  int32_t unigram_count = unigrams.unknown;
  for (size_t i = 0; i < terms.size(); ++i) {
    const uint32_t t = terms[i];
    const float idf = entries_.Idf(t);
    const bool in_top = entries_.Contains(e1, t);
    mass += idf;
    if (in_top) covered += idf;
    else uncovered_max = std::max(uncovered_max, idf);
    if (unigrams.is_unigram[i]) {
      ++unigram_count;
      unigram_mass += idf;
      if (in_top) unigram_covered += idf;
    }
  }
  for (int32_t f = first_field_[e1]; f < first_field_[e1 + 1]; ++f) {
    float in_field = 0;
    for (uint32_t t : terms)
      if (fields_.Contains(f, t)) in_field += entries_.Idf(t);
    best_field = std::max(best_field, in_field);
    if (field_mass_[f] > 0) field_recall = std::max(field_recall, std::min(1.0f, in_field / field_mass_[f]));
  }
  float char_mass = char_unknown * chars_.UnseenIdf(), char_covered = 0;
  for (uint32_t t : char_terms) {
    const float idf = chars_.Idf(t);
    char_mass += idf;
    if (chars_.Contains(e1, t)) char_covered += idf;
  }
  bool agreement = false;
  if (!char_scores.empty() && char_scores[e1] > 0) {
    agreement = true;  // unless some entry scores higher in the character index alone
    for (size_t e = 0; e < char_scores.size() && agreement; ++e) agreement = char_scores[e] <= char_scores[e1];
  }
  for (uint32_t t : terms) self += entries_.Idf(t);
  self += unknown * entries_.UnseenIdf();
  const float s1 = match.scores[0];
  const float s2 = touched.size() > 1 ? entry_scores[touched[1]] : 0.0f;
  match.features.coverage = mass > 0 ? covered / mass : 0.0f;
  match.features.relative = self > 0 ? std::min(1.0f, s1 / (self * (options_.bm25.k1 + 1.0f))) : 0.0f;
  match.features.margin = s1 > 0 ? (s1 - s2) / s1 : 0.0f;
  match.features.field_coverage = mass > 0 ? best_field / mass : 0.0f;
  match.features.char_relative = char_max > 0 ? std::min(1.0f, char_scores[e1] / char_max) : 0.0f;
  match.features.char_coverage = char_mass > 0 ? char_covered / char_mass : 0.0f;
  match.features.agreement = agreement ? 1.0f : 0.0f;
  match.features.uncovered_max = unseen > 0 ? uncovered_max / unseen : 0.0f;
  match.features.field_recall = field_recall;
  match.features.char_unigram_coverage = unigram_mass > 0 ? unigram_covered / unigram_mass : 0.0f;
  match.features.unseen_unigrams = unigram_count > 0 ? static_cast<float>(unigrams.unknown) / unigram_count : 0.0f;
  match.confidence = CalibratedConfidence(match.features, options_);
  return match;
}

}  // namespace zhixuan

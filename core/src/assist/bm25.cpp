#include "zhixuan/assist/bm25.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "zhixuan/base/flatten.hpp"

namespace zhixuan {

ZX_FLATTEN void Bm25Index::AddDocument(const uint32_t* terms, size_t count) {
  pending_terms_.insert(pending_terms_.end(), terms, terms + count);
  pending_offsets_.push_back(static_cast<uint32_t>(pending_terms_.size()));
  lengths_.push_back(static_cast<float>(count));
}

// Two passes over the documents' terms, no sort: the first counts each term's distinct
// documents (a document is new for a term when it differs from the last one seen), which sizes
// the postings; the second writes a posting at a term's first occurrence in a document and
// raises its term frequency at the next ones. Documents come in order, so each term's postings
// are sorted by document (Contains searches them).
ZX_FLATTEN void Bm25Index::Finish(uint32_t vocabulary_size, Bm25Params params) {
  params_ = params;
  const size_t n = lengths_.size();
  const uint32_t* terms = pending_terms_.data();
  constexpr uint32_t kNone = 0xFFFFFFFFu;

  offsets_.assign(vocabulary_size + 1, 0);
  std::unique_ptr<uint32_t[]> last(new uint32_t[vocabulary_size]);  // by term: the last document seen
  std::fill(last.get(), last.get() + vocabulary_size, kNone);
  for (uint32_t d = 0; d < n; ++d)
    for (uint32_t i = pending_offsets_[d]; i < pending_offsets_[d + 1]; ++i) {
      const uint32_t t = terms[i];
      if (last[t] != d) {
        last[t] = d;
        ++offsets_[t + 1];
      }
    }
  for (uint32_t t = 0; t < vocabulary_size; ++t) offsets_[t + 1] += offsets_[t];
  const uint32_t postings = offsets_[vocabulary_size];

  postings_.reset(new Posting[postings]);
  // A term's last posting is the one before fill[t]: a repeat within the document reaches it
  // without searching.
  std::fill(last.get(), last.get() + vocabulary_size, kNone);
  std::vector<uint32_t> fill(offsets_.begin(), offsets_.end() - 1);
  for (uint32_t d = 0; d < n; ++d)
    for (uint32_t i = pending_offsets_[d]; i < pending_offsets_[d + 1]; ++i) {
      const uint32_t t = terms[i];
      if (last[t] == d) {
        Posting& p = postings_[fill[t] - 1];
        p.tf = std::min(p.tf + 1.0f, 65535.0f);
      } else {
        last[t] = d;
        postings_[fill[t]++] = {static_cast<int32_t>(d), 1.0f};
      }
    }
  pending_terms_ = {};
  pending_offsets_ = {0};

  double length_sum = 0;
  for (size_t d = 0; d < n; ++d) length_sum += lengths_[d];
  const float avg = n ? static_cast<float>(length_sum / static_cast<double>(n)) : 1.0f;
  idf_.resize(vocabulary_size);
  for (uint32_t t = 0; t < vocabulary_size; ++t) {
    const float df = static_cast<float>(offsets_[t + 1] - offsets_[t]);
    idf_[t] = std::log(1.0f + (static_cast<float>(n) - df + 0.5f) / (df + 0.5f));
  }
  norm_.resize(n);
  for (size_t d = 0; d < n; ++d) norm_[d] = params.k1 * (1.0f - params.b + params.b * lengths_[d] / std::max(avg, 1e-6f));
}

float Bm25Index::Idf(uint32_t term) const { return term < idf_.size() ? idf_[term] : UnseenIdf(); }

float Bm25Index::UnseenIdf() const {
  const float n = static_cast<float>(lengths_.size());
  return std::log(1.0f + (n + 0.5f) / 0.5f);
}

void Bm25Index::Accumulate(const std::vector<uint32_t>& query_terms, std::vector<float>* scores,
                           std::vector<int32_t>* touched) const {
  float* s = scores->data();
  const float k1p1 = params_.k1 + 1.0f;
  for (uint32_t t : query_terms) {
    if (t >= idf_.size()) continue;
    const float idf = idf_[t];
    for (uint32_t p = offsets_[t]; p < offsets_[t + 1]; ++p) {
      const Posting& post = postings_[p];
      if (s[post.doc] == 0.0f) touched->push_back(post.doc);
      s[post.doc] += idf * post.tf * k1p1 / (post.tf + norm_[post.doc]);
    }
  }
}

void Bm25Index::AddMassByDocument(const Bm25Index& weights, std::vector<float>* mass) const {
  float* m = mass->data();
  for (uint32_t t = 0; t + 1 < offsets_.size(); ++t) {
    const float idf = weights.Idf(t);
    for (uint32_t p = offsets_[t]; p < offsets_[t + 1]; ++p) m[postings_[p].doc] += idf;
  }
}

bool Bm25Index::Contains(int32_t doc, uint32_t term) const {
  if (term >= idf_.size()) return false;
  const Posting* first = postings_.get() + offsets_[term];
  const Posting* last = postings_.get() + offsets_[term + 1];
  const Posting* it = std::lower_bound(first, last, doc, [](const Posting& p, int32_t d) { return p.doc < d; });
  return it != last && it->doc == doc;
}

}  // namespace zhixuan

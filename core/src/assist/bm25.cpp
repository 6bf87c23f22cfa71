#include "zhixuan/assist/bm25.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "zhixuan/base/flatten.hpp"

namespace zhixuan {

namespace {
constexpr uint32_t kNoDocument = 0xFFFFFFFFu;
}  // namespace

ZX_FLATTEN void Bm25Index::AddDocument(const uint32_t* terms, size_t count) {
  const uint32_t d = static_cast<uint32_t>(lengths_.size());
  if (pending_size_ + count > pending_capacity_) {
    const size_t capacity = std::max(2 * pending_capacity_, pending_size_ + count);
    std::unique_ptr<PendingTerm[]> grown(new PendingTerm[capacity]);
    std::copy(pending_.get(), pending_.get() + pending_size_, grown.get());
    pending_ = std::move(grown);
    pending_capacity_ = capacity;
  }
  PendingTerm* const pending = pending_.get();
  size_t size = pending_size_;
  for (size_t i = 0; i < count; ++i) {
    const uint32_t t = terms[i];
    if (t >= last_doc_.size()) {  // the vocabulary grows as documents come
      const size_t terms_now = std::max<size_t>(2 * last_doc_.size(), t + 1);
      last_doc_.resize(terms_now, kNoDocument);
      last_at_.resize(terms_now);
      df_.resize(terms_now, 0);
    }
    if (last_doc_[t] == d) {
      ++pending[last_at_[t]].tf;
    } else {
      last_doc_[t] = d;
      last_at_[t] = static_cast<uint32_t>(size);
      ++df_[t];
      pending[size++] = {t, 1};
    }
  }
  pending_size_ = size;
  pending_offsets_.push_back(static_cast<uint32_t>(size));
  lengths_.push_back(static_cast<float>(count));
}

// The postings from the documents' distinct terms (AddDocument counted them), scattered into
// term buckets sized by document frequency, no sort: documents come in order, so each term's
// postings are sorted by document (Contains searches them).
ZX_FLATTEN void Bm25Index::Finish(uint32_t vocabulary_size, Bm25Params params) {
  params_ = params;
  const size_t n = lengths_.size();
  df_.resize(std::max<size_t>(df_.size(), vocabulary_size), 0);
  offsets_.assign(vocabulary_size + 1, 0);
  for (uint32_t t = 0; t < vocabulary_size; ++t) offsets_[t + 1] = offsets_[t] + df_[t];
  postings_.reset(new Posting[pending_size_]);
  std::vector<uint32_t> fill(offsets_.begin(), offsets_.end() - 1);
  const PendingTerm* const pending = pending_.get();
  for (uint32_t d = 0; d < n; ++d)
    for (uint32_t i = pending_offsets_[d]; i < pending_offsets_[d + 1]; ++i)
      postings_[fill[pending[i].term]++] = {static_cast<int32_t>(d), static_cast<float>(std::min<uint32_t>(pending[i].tf, 0xFFFF))};
  pending_.reset();
  pending_size_ = pending_capacity_ = 0;
  pending_offsets_ = {0};
  last_doc_ = {};
  last_at_ = {};
  df_ = {};

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

#include "zhixuan/assist/bm25.hpp"

#include <algorithm>
#include <cmath>

namespace zhixuan {

void Bm25Index::AddDocument(const std::vector<uint32_t>& terms) {
  std::vector<uint32_t> sorted = terms;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<uint32_t, uint16_t>> counts;
  for (uint32_t t : sorted) {
    if (!counts.empty() && counts.back().first == t) {
      if (counts.back().second < 0xFFFF) ++counts.back().second;
    } else {
      counts.emplace_back(t, 1);
    }
  }
  pending_.push_back(std::move(counts));
  lengths_.push_back(static_cast<float>(terms.size()));
}

void Bm25Index::Finish(uint32_t vocabulary_size, Bm25Params params) {
  params_ = params;
  const size_t n = pending_.size();
  std::vector<uint32_t> df(vocabulary_size, 0);
  size_t total = 0;
  double length_sum = 0;
  for (size_t d = 0; d < n; ++d) {
    for (const auto& [t, c] : pending_[d]) ++df[t];
    total += pending_[d].size();
    length_sum += lengths_[d];
  }
  const float avg = n ? static_cast<float>(length_sum / static_cast<double>(n)) : 1.0f;
  offsets_.assign(vocabulary_size + 1, 0);
  for (uint32_t t = 0; t < vocabulary_size; ++t) offsets_[t + 1] = offsets_[t] + df[t];
  postings_.resize(total);
  doc_offsets_.assign(n + 1, 0);
  doc_terms_.resize(total);
  std::vector<uint32_t> fill(offsets_.begin(), offsets_.end() - 1);
  for (size_t d = 0; d < n; ++d) {
    doc_offsets_[d + 1] = doc_offsets_[d] + static_cast<uint32_t>(pending_[d].size());
    uint32_t k = doc_offsets_[d];
    for (const auto& [t, c] : pending_[d]) {
      postings_[fill[t]++] = {static_cast<int32_t>(d), static_cast<float>(c)};
      doc_terms_[k++] = t;
    }
  }
  idf_.resize(vocabulary_size);
  for (uint32_t t = 0; t < vocabulary_size; ++t)
    idf_[t] = std::log(1.0f + (static_cast<float>(n) - df[t] + 0.5f) / (df[t] + 0.5f));
  norm_.resize(n);
  for (size_t d = 0; d < n; ++d) norm_[d] = params.k1 * (1.0f - params.b + params.b * lengths_[d] / std::max(avg, 1e-6f));
  pending_.clear();
  pending_.shrink_to_fit();
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

bool Bm25Index::Contains(int32_t doc, uint32_t term) const {
  const auto first = doc_terms_.begin() + doc_offsets_[doc];
  const auto last = doc_terms_.begin() + doc_offsets_[doc + 1];
  return std::binary_search(first, last, term);
}

}  // namespace zhixuan

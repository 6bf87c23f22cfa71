// A BM25 index over documents given as term ids (the caller owns the vocabulary): postings in
// one CSR array, scores accumulated into a caller-held dense array with a list of the
// documents touched (no clearing of the whole array per query).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace zhixuan {

struct Bm25Params {
  float k1 = 1.2f;
  float b = 0.75f;
};

class Bm25Index {
 public:
  // terms: the document's term ids in any order, duplicates counted as term frequency.
  void AddDocument(const std::vector<uint32_t>& terms) { AddDocument(terms.data(), terms.size()); }
  void AddDocument(const uint32_t* terms, size_t count);
  // After the last AddDocument; vocabulary_size bounds every term id added.
  void Finish(uint32_t vocabulary_size, Bm25Params params);

  int32_t document_count() const { return static_cast<int32_t>(lengths_.size()); }
  // Robertson-Sparck Jones IDF, always > 0; an unseen or unknown term has the largest.
  float Idf(uint32_t term) const;
  float UnseenIdf() const;
  // How many documents hold the term (0 for a term never added).
  uint32_t DocumentFrequency(uint32_t term) const { return term < idf_.size() ? offsets_[term + 1] - offsets_[term] : 0; }
  // Adds the BM25 contribution of each (distinct) query term to scores[doc]; docs whose score
  // went from 0 to positive are appended to *touched. scores has document_count() entries.
  void Accumulate(const std::vector<uint32_t>& query_terms, std::vector<float>* scores, std::vector<int32_t>* touched) const;
  // mass[doc] += weights.Idf(term) for each distinct term of each document (mass has
  // document_count() entries): a document's own IDF mass under another index's IDFs.
  void AddMassByDocument(const Bm25Index& weights, std::vector<float>* mass) const;
  // True if the document holds the term.
  bool Contains(int32_t doc, uint32_t term) const;

 private:
  struct Posting {
    int32_t doc;
    float tf;
  };
  struct PendingTerm {
    uint32_t term;
    uint32_t tf;
  };
  // Until Finish: each document's distinct terms with their frequencies, all documents in one
  // buffer (no allocation per document), counted as they come: a term is new in a document when
  // its last document differs, else its entry (at last_at_) counts one more.
  std::unique_ptr<PendingTerm[]> pending_;
  size_t pending_size_ = 0;
  size_t pending_capacity_ = 0;
  std::vector<uint32_t> pending_offsets_{0};
  std::vector<uint32_t> last_doc_;  // by term
  std::vector<uint32_t> last_at_;   // by term: its entry in pending_ for last_doc_
  std::vector<uint32_t> df_;        // by term: documents holding it
  std::vector<float> lengths_;
  std::vector<uint32_t> offsets_;   // term -> postings_[offsets_[t] .. offsets_[t + 1])
  std::unique_ptr<Posting[]> postings_;  // by term, each term's by document; not value-initialized: every slot is written by Finish
  std::vector<float> idf_;
  std::vector<float> norm_;  // per doc: k1 * (1 - b + b * len / avg)
  Bm25Params params_;
};

}  // namespace zhixuan

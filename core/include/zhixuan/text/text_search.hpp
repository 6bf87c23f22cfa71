// The device's text state for one recommender: the bundle's featurizer and
// projection plus the TF-IDF vector of every row that has catalog text.
//  - AddItems: embeds new catalog entries from their text (text_projection.hpp)
//    and appends them to the recommender, recommendable at once.
//  - EmbedColdItems: the same for catalog items the model has no row for.
//  - Search: ranks rows for a typed query. Score = TF-IDF cosine of query and item
//    text (lexical: what the user typed must matter most) + 0.1 x cosine of the
//    query's projected embedding direction and the item's embedding (semantic: breaks
//    lexical ties and fills the list when few items contain the words). Queries are
//    read up to kMaxQueryBytes; an empty query is kInvalidArgument; a query of only
//    stopwords/punctuation matches nothing and gives an empty list.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "zhixuan/model/recommender.hpp"
#include "zhixuan/base/status.hpp"
#include "zhixuan/text/text.hpp"
#include "zhixuan/text/text_projection.hpp"

namespace zhixuan {

constexpr size_t kMaxQueryBytes = 1024;
constexpr size_t kMaxAddItemsBatch = 100000;
constexpr float kSearchSemanticWeight = 0.1f;

class ContentIndex {
 public:
  ContentIndex() = default;
  static StatusOr<ContentIndex> Create(const Recommender& rec);

  const TextFeaturizer& featurizer() const { return featurizer_; }
  const TextProjection& projection() const { return projection_; }
  bool can_embed() const { return projection_.available(); }

  // Embeds and appends; ids must be new (or catalog items still cold). All or nothing.
  Status AddItems(Recommender* rec, std::vector<CatalogItem> items);
  // Embeds every catalog item without a row; returns how many.
  StatusOr<int64_t> EmbedColdItems(Recommender* rec);

  StatusOr<TopK> Search(const Recommender& rec, std::string_view query, int k, const Filter& filter) const;

  // The embedding of free text (projection, bias removed): the direction text
  // points to in the embedding space. Zero vector without a projection.
  std::vector<float> TextDirection(const SparseVector& features) const;
  // TF-IDF vector of a row (empty when the row has no catalog text).
  const SparseVector& RowText(int32_t row) const;
  // Featurizes rows appended by others since the last call.
  void Sync(const Recommender& rec);

 private:
  TextFeaturizer featurizer_;
  TextProjection projection_;
  std::vector<SparseVector> rows_;
};

}  // namespace zhixuan

// Text features: tokens (tokenizer.hpp) -> signed feature hashing into
// 2^kTextHashBits buckets -> sublinear TF x IDF -> L2-normalized sparse vector.
// The IDF comes from the bundle (document frequencies of the training catalog):
//   text_buckets  I32 [m]  sorted ascending: the buckets seen in the training catalog
//   text_idf      F32 [m]  idf of those buckets; unseen buckets get log(1 + docs) + 1
//   manifest "text": {"hash_bits": 18, "docs": <training catalog size>}
// Without those, every idf is 1 (plain normalized TF).
// An item's text is its title (weight 1), its tags (weight 1, plus the whole tag
// as one "#tag" feature) and its description (weight 0.5); a single CJK character
// counts half of a word (bigram). TF = w for a summed weight w <= 1, else 1 + ln w.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr int kTextHashBits = 18;
constexpr int32_t kTextBuckets = int32_t{1} << kTextHashBits;

struct SparseVector {
  std::vector<int32_t> indices;  // ascending, unique
  std::vector<float> values;
  bool empty() const { return indices.empty(); }
};

// Many sparse vectors in one block (CSR): row i is [offsets[i], offsets[i + 1]).
struct SparseRows {
  std::vector<int32_t> offsets{0};
  std::vector<int32_t> indices;
  std::vector<float> values;
};

// The hash of a token: bucket = low 18 bits of TokenHash64 (tokenizer.hpp),
// sign = its top bit (+1 / -1). Identical on every host.
struct TokenHash {
  int32_t bucket;
  float sign;
};
TokenHash HashToken(std::string_view token);

// A token reduced to its 64-bit hash, with the weight of its field.
struct HashedToken {
  uint64_t hash;
  float weight;
};

// Dot product of two sparse vectors (cosine when both are L2-normalized).
float SparseDot(const SparseVector& a, const SparseVector& b);

// Weighted tokens of a catalog item (title, tags, description), in a fixed order.
struct WeightedToken {
  std::string token;
  float weight;
};
std::vector<WeightedToken> ItemTokens(const CatalogItem& item);
std::vector<WeightedToken> QueryTokens(std::string_view text);

class TextFeaturizer {
 public:
  TextFeaturizer() = default;  // idf 1 everywhere
  // Reads text_buckets/text_idf/manifest "text" when the model has them; a bundle
  // that has them broken is kMalformedModel.
  static StatusOr<TextFeaturizer> FromModel(const Model& model);
  // From document frequencies: df[b] = how many of `docs` documents hit bucket b.
  static TextFeaturizer FromDocumentFrequencies(const std::vector<int32_t>& buckets, const std::vector<int32_t>& df,
                                                int64_t docs);

  bool has_idf() const { return !buckets_.empty(); }
  int64_t docs() const { return docs_; }
  float Idf(int32_t bucket) const;
  const std::vector<int32_t>& buckets() const { return buckets_; }
  const std::vector<float>& idf() const { return idf_; }

  SparseVector Featurize(const std::vector<WeightedToken>& tokens) const;
  SparseVector FeaturizeHashed(std::vector<HashedToken> tokens) const;
  // Same result as Featurize(ItemTokens(item)) / Featurize(QueryTokens(text)), without per-token strings.
  SparseVector FeaturizeItem(const CatalogItem& item) const;
  SparseVector FeaturizeQuery(std::string_view text) const;
  // FeaturizeQuery of each text, as CSR rows.
  SparseRows FeaturizeQueries(const std::vector<std::string>& texts) const;

  // The bundle tensors and manifest key of this featurizer's idf (see above).
  void WriteTo(Model* model) const;

 private:
  std::vector<int32_t> buckets_;  // ascending
  std::vector<float> idf_;
  int64_t docs_ = 0;
  float unseen_idf_ = 1.f;
};

// Bucket -> how many items hit it, over the catalog's items (the IDF's input).
void DocumentFrequencies(const std::vector<SparseVector>& docs, std::vector<int32_t>* buckets,
                         std::vector<int32_t>* df);

}  // namespace zhixuan

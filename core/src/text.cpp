#include "zhixuan/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "zhixuan/tokenizer.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;

constexpr float kDescriptionWeight = 0.5f;

void AddTokens(std::string_view text, float weight, std::vector<WeightedToken>* out) {
  for (std::string& t : Tokenize(text)) out->push_back({std::move(t), weight});
}

float SmoothIdf(int64_t docs, int64_t df) {
  return static_cast<float>(std::log((1.0 + static_cast<double>(docs)) / (1.0 + static_cast<double>(df))) + 1.0);
}

}  // namespace

TokenHash HashToken(std::string_view token) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a offset basis
  for (unsigned char c : token) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h += 0x9E3779B97F4A7C15ull;  // splitmix64 finalizer: spreads FNV's weak low bits
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  h ^= h >> 31;
  return {static_cast<int32_t>(h & (kTextBuckets - 1)), (h >> 63) ? -1.f : 1.f};
}

float SparseDot(const SparseVector& a, const SparseVector& b) {
  float sum = 0.f;
  size_t i = 0, j = 0;
  while (i < a.indices.size() && j < b.indices.size()) {
    if (a.indices[i] < b.indices[j]) ++i;
    else if (a.indices[i] > b.indices[j]) ++j;
    else sum += a.values[i++] * b.values[j++];
  }
  return sum;
}

std::vector<WeightedToken> ItemTokens(const CatalogItem& item) {
  std::vector<WeightedToken> tokens;
  AddTokens(TruncateUtf8(item.title, kMaxTitleBytes), 1.f, &tokens);
  for (const std::string& tag : item.tags) {
    AddTokens(tag, 1.f, &tokens);
    // The whole tag as one feature: "machine learning" is more than its words.
    if (Tokenize(tag).size() > 1) {
      std::string whole = "#" + TruncateUtf8(tag, 2 * kMaxTokenBytes);
      for (char& c : whole) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      tokens.push_back({std::move(whole), 1.f});
    }
  }
  AddTokens(TruncateUtf8(item.description, kMaxDescriptionBytes), kDescriptionWeight, &tokens);
  return tokens;
}

std::vector<WeightedToken> QueryTokens(std::string_view text) {
  std::vector<WeightedToken> tokens;
  AddTokens(text, 1.f, &tokens);
  return tokens;
}

TextFeaturizer TextFeaturizer::FromDocumentFrequencies(const std::vector<int32_t>& buckets,
                                                      const std::vector<int32_t>& df, int64_t docs) {
  TextFeaturizer f;
  f.docs_ = docs;
  f.unseen_idf_ = SmoothIdf(docs, 0);
  f.buckets_ = buckets;
  f.idf_.resize(df.size());
  for (size_t i = 0; i < df.size(); ++i) f.idf_[i] = SmoothIdf(docs, df[i]);
  return f;
}

StatusOr<TextFeaturizer> TextFeaturizer::FromModel(const Model& model) {
  TextFeaturizer f;
  auto b = model.extras.find("text_buckets");
  auto idf = model.extras.find("text_idf");
  if (b == model.extras.end() && idf == model.extras.end()) return f;
  if (b == model.extras.end() || idf == model.extras.end())
    return MalformedModel("bundle has only one of text_buckets and text_idf");
  if (b->second.dtype != DType::kI32 || b->second.shape.size() != 1)
    return MalformedModel("text_buckets must be a 1-D I32 tensor");
  if (idf->second.dtype != DType::kF32 || idf->second.shape != b->second.shape)
    return MalformedModel("text_idf must be F32 with the shape of text_buckets");
  const int64_t m = b->second.shape[0];
  f.buckets_.resize(m);
  f.idf_.resize(m);
  std::memcpy(f.buckets_.data(), b->second.bytes.data(), m * sizeof(int32_t));
  std::memcpy(f.idf_.data(), idf->second.bytes.data(), m * sizeof(float));
  for (int64_t i = 0; i < m; ++i) {
    if (f.buckets_[i] < 0 || f.buckets_[i] >= kTextBuckets || (i > 0 && f.buckets_[i] <= f.buckets_[i - 1]))
      return MalformedModel("text_buckets must be ascending bucket numbers below 2^18");
    if (!std::isfinite(f.idf_[i]) || f.idf_[i] < 0) return MalformedModel("text_idf holds a negative or non-finite value");
  }
  Json manifest = Json::parse(model.manifest.json, nullptr, false);
  const Json* text = (!manifest.is_discarded() && manifest.is_object() && manifest.contains("text")) ? &manifest["text"] : nullptr;
  if (text == nullptr || !text->is_object() || !text->contains("docs") || !(*text)["docs"].is_number_integer())
    return MalformedModel("manifest key text.docs (training catalog size) is missing");
  if (text->contains("hash_bits") && (*text)["hash_bits"] != kTextHashBits)
    return Status(StatusCode::kUnsupported, "bundle text features use another hash size than 2^18");
  f.docs_ = (*text)["docs"].get<int64_t>();
  if (f.docs_ < 0) return MalformedModel("manifest text.docs is negative");
  f.unseen_idf_ = SmoothIdf(f.docs_, 0);
  return f;
}

float TextFeaturizer::Idf(int32_t bucket) const {
  if (buckets_.empty()) return 1.f;
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), bucket);
  return (it != buckets_.end() && *it == bucket) ? idf_[it - buckets_.begin()] : unseen_idf_;
}

SparseVector TextFeaturizer::Featurize(const std::vector<WeightedToken>& tokens) const {
  // Sum each token's weights in order of first appearance: a fixed order makes the
  // float sums identical natively and in wasm.
  std::unordered_map<std::string_view, size_t> slot;
  std::vector<std::pair<std::string_view, double>> counts;
  for (const WeightedToken& t : tokens) {
    auto [it, fresh] = slot.emplace(t.token, counts.size());
    if (fresh) counts.emplace_back(t.token, 0.0);
    counts[it->second].second += t.weight;
  }
  struct Entry {
    int32_t bucket;
    size_t order;
    double value;
  };
  std::vector<Entry> entries;
  entries.reserve(counts.size());
  for (size_t k = 0; k < counts.size(); ++k) {
    const double c = counts[k].second;
    const double tf = c > 1.0 ? 1.0 + std::log(c) : c;  // sublinear TF
    const TokenHash h = HashToken(counts[k].first);
    entries.push_back({h.bucket, k, h.sign * tf * Idf(h.bucket)});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.bucket != b.bucket ? a.bucket < b.bucket : a.order < b.order; });
  SparseVector v;
  for (const Entry& e : entries) {
    if (!v.indices.empty() && v.indices.back() == e.bucket) {
      v.values.back() += static_cast<float>(e.value);
    } else {
      v.indices.push_back(e.bucket);
      v.values.push_back(static_cast<float>(e.value));
    }
  }
  double norm = 0.0;
  for (float x : v.values) norm += static_cast<double>(x) * x;
  if (norm <= 0.0) return SparseVector{};  // empty, or signed collisions cancelled out
  const float inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : v.values) x *= inv;
  return v;
}

void TextFeaturizer::WriteTo(Model* model) const {
  model->extras["text_buckets"] = MakeI32Tensor({static_cast<int64_t>(buckets_.size())}, buckets_.data());
  model->extras["text_idf"] = MakeF32Tensor({static_cast<int64_t>(idf_.size())}, idf_.data());
  Json manifest = Json::parse(model->manifest.json.empty() ? "{}" : model->manifest.json, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) manifest = Json::object();
  manifest["text"] = {{"hash_bits", kTextHashBits}, {"docs", docs_}};
  model->manifest.json = manifest.dump();
}

void DocumentFrequencies(const std::vector<SparseVector>& docs, std::vector<int32_t>* buckets, std::vector<int32_t>* df) {
  std::vector<int32_t> counts(kTextBuckets, 0);
  for (const SparseVector& d : docs)
    for (int32_t b : d.indices) ++counts[b];
  buckets->clear();
  df->clear();
  for (int32_t b = 0; b < kTextBuckets; ++b) {
    if (counts[b] == 0) continue;
    buckets->push_back(b);
    df->push_back(counts[b]);
  }
}

}  // namespace zhixuan

#include "zhixuan/text/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "zhixuan/text/tokenizer.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;

constexpr float kDescriptionWeight = 0.5f;
// A single CJK character says less than a two-character word (学 vs 数学): half weight.
constexpr float kCjkUnigramWeight = 0.5f;

// One code point of 3 or 4 UTF-8 bytes: the tokenizer only emits those for CJK.
bool IsCjkUnigram(std::string_view token) {
  if (token.size() != 3 && token.size() != 4) return false;
  const auto lead = static_cast<unsigned char>(token[0]);
  return token.size() == 3 ? (lead & 0xF0) == 0xE0 : (lead & 0xF8) == 0xF0;
}

float TokenWeight(std::string_view token, float field_weight) {
  return IsCjkUnigram(token) ? field_weight * kCjkUnigramWeight : field_weight;
}

void AddTokens(std::string_view text, float weight, std::vector<WeightedToken>* out) {
  for (std::string& t : Tokenize(text)) {
    const float w = TokenWeight(t, weight);
    out->push_back({std::move(t), w});
  }
}

float SmoothIdf(int64_t docs, int64_t df) {
  return static_cast<float>(std::log((1.0 + static_cast<double>(docs)) / (1.0 + static_cast<double>(df))) + 1.0);
}

}  // namespace

TokenHash HashToken(std::string_view token) {
  const uint64_t h = TokenHash64(token);
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

namespace {

// The whole tag as one feature ("machine learning" is more than its words): "#" +
// the tag, ASCII lower-cased, when the tag has more than one token.
bool WholeTag(const std::string& tag, std::string* out) {
  if (Tokenize(tag).size() <= 1) return false;
  *out = "#" + TruncateUtf8(tag, 2 * kMaxTokenBytes);
  for (char& c : *out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return true;
}

// TruncateUtf8 without the copy.
std::string_view CutUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

void AddHashes(std::string_view text, float weight, std::vector<HashedToken>* out) {
  struct Context {
    std::vector<HashedToken>* out;
    float weight;
  } context{out, weight};
  ForEachToken(text, TokenizerOptions{}, [](void* c, std::string_view token, uint64_t hash) {
    auto* ctx = static_cast<Context*>(c);
    ctx->out->push_back({hash, TokenWeight(token, ctx->weight)});
  }, &context);
}

}  // namespace

std::vector<WeightedToken> ItemTokens(const CatalogItem& item) {
  std::vector<WeightedToken> tokens;
  AddTokens(TruncateUtf8(item.title, kMaxTitleBytes), 1.f, &tokens);
  for (const std::string& tag : item.tags) {
    AddTokens(tag, 1.f, &tokens);
    std::string whole;
    if (WholeTag(tag, &whole)) tokens.push_back({std::move(whole), 1.f});
  }
  AddTokens(TruncateUtf8(item.description, kMaxDescriptionBytes), kDescriptionWeight, &tokens);
  return tokens;
}

std::vector<WeightedToken> QueryTokens(std::string_view text) {
  std::vector<WeightedToken> tokens;
  AddTokens(text, 1.f, &tokens);
  return tokens;
}

SparseVector TextFeaturizer::FeaturizeItem(const CatalogItem& item) const {
  std::vector<HashedToken> tokens;
  tokens.reserve(32);
  AddHashes(CutUtf8(item.title, kMaxTitleBytes), 1.f, &tokens);
  for (const std::string& tag : item.tags) {
    AddHashes(tag, 1.f, &tokens);
    std::string whole;
    if (WholeTag(tag, &whole)) tokens.push_back({TokenHash64(whole), 1.f});
  }
  AddHashes(CutUtf8(item.description, kMaxDescriptionBytes), kDescriptionWeight, &tokens);
  return FeaturizeHashed(std::move(tokens));
}

SparseRows TextFeaturizer::FeaturizeQueries(const std::vector<std::string>& texts) const {
  SparseRows out;
  for (const std::string& text : texts) {
    const SparseVector v = FeaturizeQuery(text);
    out.indices.insert(out.indices.end(), v.indices.begin(), v.indices.end());
    out.values.insert(out.values.end(), v.values.begin(), v.values.end());
    out.offsets.push_back(static_cast<int32_t>(out.indices.size()));
  }
  return out;
}

SparseVector TextFeaturizer::FeaturizeQuery(std::string_view text) const {
  std::vector<HashedToken> tokens;
  tokens.reserve(32);
  AddHashes(text, 1.f, &tokens);
  return FeaturizeHashed(std::move(tokens));
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
  std::vector<HashedToken> hashed;
  hashed.reserve(tokens.size());
  for (const WeightedToken& t : tokens) hashed.push_back({TokenHash64(t.token), t.weight});
  return FeaturizeHashed(std::move(hashed));
}

SparseVector TextFeaturizer::FeaturizeHashed(std::vector<HashedToken> tokens) const {
  // Group equal tokens (by 64-bit hash) and sum their weights; then order by bucket.
  // The weights are dyadic (1, 0.5, 0.25), so their sums are exact in any order, and
  // every other order is fixed by the hashes: the results are identical natively and in wasm.
  std::sort(tokens.begin(), tokens.end(), [](const HashedToken& a, const HashedToken& b) { return a.hash < b.hash; });
  struct Entry {
    int32_t bucket;
    uint64_t hash;
    double value;
  };
  std::vector<Entry> entries;
  entries.reserve(tokens.size());
  for (size_t k = 0; k < tokens.size();) {
    double c = 0;
    size_t e = k;
    for (; e < tokens.size() && tokens[e].hash == tokens[k].hash; ++e) c += tokens[e].weight;
    const double tf = c > 1.0 ? 1.0 + std::log(c) : c;  // sublinear TF
    const uint64_t h = tokens[k].hash;
    const int32_t bucket = static_cast<int32_t>(h & (kTextBuckets - 1));
    entries.push_back({bucket, h, ((h >> 63) ? -tf : tf) * Idf(bucket)});
    k = e;
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.bucket != b.bucket ? a.bucket < b.bucket : a.hash < b.hash; });
  SparseVector v;
  v.indices.reserve(entries.size());
  v.values.reserve(entries.size());
  for (size_t k = 0; k < entries.size();) {
    double sum = 0;
    size_t e = k;
    for (; e < entries.size() && entries[e].bucket == entries[k].bucket; ++e) sum += entries[e].value;
    if (sum != 0.0) {  // signed collisions may cancel
      v.indices.push_back(entries[k].bucket);
      v.values.push_back(static_cast<float>(sum));
    }
    k = e;
  }
  double norm = 0.0;
  for (float x : v.values) norm += static_cast<double>(x) * x;
  if (norm <= 0.0) return SparseVector{};
  const double inv = 1.0 / std::sqrt(norm);
  for (float& x : v.values) x = static_cast<float>(x * inv);
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

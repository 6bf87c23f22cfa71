#include "zhixuan/text/text_search.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace zhixuan {
namespace {

float Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return static_cast<float>(std::sqrt(s));
}

}  // namespace

StatusOr<ContentIndex> ContentIndex::Create(const Recommender& rec) {
  ContentIndex index;
  auto featurizer = TextFeaturizer::FromModel(rec.model());
  if (!featurizer.ok()) return featurizer.status();
  index.featurizer_ = std::move(featurizer).value();
  auto projection = TextProjection::FromModel(rec.model(), index.featurizer_);
  if (!projection.ok()) return projection.status();
  index.projection_ = std::move(projection).value();
  index.Sync(rec);
  return index;
}

void ContentIndex::Sync(const Recommender& rec) {
  static const SparseVector kEmpty;
  for (int32_t r = static_cast<int32_t>(rows_.size()); r < rec.item_count(); ++r) {
    const CatalogItem* item = rec.CatalogItemOf(r);
    rows_.push_back(item ? featurizer_.FeaturizeItem(*item) : kEmpty);
  }
}

const SparseVector& ContentIndex::RowText(int32_t row) const {
  static const SparseVector kEmpty;
  return (row >= 0 && row < static_cast<int32_t>(rows_.size())) ? rows_[row] : kEmpty;
}

std::vector<float> ContentIndex::TextDirection(const SparseVector& features) const {
  if (!projection_.available()) return {};
  std::vector<float> out = projection_.Embed(features);
  const std::vector<float> bias = projection_.Embed(SparseVector{});
  for (size_t j = 0; j < out.size(); ++j) out[j] -= bias[j];
  return out;
}

Status ContentIndex::AddItems(Recommender* rec, std::vector<CatalogItem> items) {
  if (items.empty()) return InvalidArgument("addItems needs at least one item");
  if (items.size() > kMaxAddItemsBatch) return Status(StatusCode::kTooLarge, "addItems takes at most 100000 items per call");
  if (!projection_.available())
    return Status(StatusCode::kUnsupported, "the bundle has no text_projection (train with --catalog to embed new items from text)");
  std::unordered_set<std::string> seen;
  for (const CatalogItem& item : items) {
    if (item.id.empty() || item.id.size() > kMaxItemIdBytes) return InvalidArgument("item id is empty or longer than 256 bytes");
    if (!seen.insert(item.id).second) return InvalidArgument("item id '" + item.id + "' appears twice in addItems");
    if (rec->RowOf(item.id) >= 0) return InvalidArgument("item id '" + item.id + "' already exists");
  }
  Sync(*rec);
  std::vector<float> rows(items.size() * projection_.dim());
  std::vector<SparseVector> texts;
  for (size_t i = 0; i < items.size(); ++i) {
    texts.push_back(featurizer_.FeaturizeItem(items[i]));
    projection_.Embed(texts.back(), rows.data() + i * projection_.dim());
  }
  ZX_RETURN_IF_ERROR(rec->AppendCatalogItems(std::move(items), rows.data()));
  for (SparseVector& t : texts) rows_.push_back(std::move(t));
  return Status::Ok();
}

StatusOr<int64_t> ContentIndex::EmbedColdItems(Recommender* rec) {
  const Catalog* catalog = rec->catalog();
  if (catalog == nullptr || rec->cold_items().empty()) return int64_t{0};
  std::vector<CatalogItem> cold;
  for (const std::string& id : rec->cold_items())
    if (const CatalogItem* item = catalog->find(id)) cold.push_back(*item);
  const int64_t count = static_cast<int64_t>(cold.size());
  ZX_RETURN_IF_ERROR(AddItems(rec, std::move(cold)));
  return count;
}

StatusOr<TopK> ContentIndex::Search(const Recommender& rec, std::string_view query, int k, const Filter& filter) const {
  if (k <= 0 || k > kMaxK) return InvalidArgument("k must be in 1.." + std::to_string(kMaxK) + ", got " + std::to_string(k));
  if (query.empty()) return InvalidArgument("search query is empty");
  const std::string text = TruncateUtf8(std::string(query.substr(0, kMaxQueryBytes + 4)), kMaxQueryBytes);
  const SparseVector q = featurizer_.FeaturizeQuery(text);
  if (q.empty()) return TopK{};
  const int64_t n = std::min<int64_t>(rec.item_count(), static_cast<int64_t>(rows_.size()));
  std::vector<float> scores(static_cast<size_t>(rec.item_count()), 0.f);
  std::vector<uint8_t> allowed = rec.Allowed(filter);
  for (int64_t r = 0; r < n; ++r) scores[r] = SparseDot(q, rows_[r]);
  for (int64_t r = n; r < rec.item_count(); ++r) allowed[r] = 0;  // not featurized yet (call Sync)
  const std::vector<float> direction = TextDirection(q);
  const float dnorm = direction.empty() ? 0.f : Norm(direction);
  if (dnorm > 0) {
    std::vector<float> row(rec.dim());
    for (int64_t r = 0; r < n; ++r) {
      rec.model().items.RowToF32(r, row.data());
      const float rnorm = Norm(row);
      if (rnorm <= 0) continue;
      float dot = 0;
      for (int j = 0; j < rec.dim(); ++j) dot += row[j] * direction[j];
      scores[r] += kSearchSemanticWeight * dot / (rnorm * dnorm);
    }
  }
  TopK top = SelectTopK(scores.data(), rec.item_count(), k, allowed.data());
  return top;
}

}  // namespace zhixuan

#include "zhixuan/model/recommender.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string_view>
#include <unordered_set>

#include "zhixuan/base/json_reader.hpp"

namespace zhixuan {
namespace {

bool SoldOn(const CatalogItem& item, const std::string& channel) {
  return item.channels.empty() || std::find(item.channels.begin(), item.channels.end(), channel) != item.channels.end();
}

bool HasAnyTag(const CatalogItem& item, const std::vector<std::string>& tags) {
  for (const std::string& t : item.tags)
    if (std::find(tags.begin(), tags.end(), t) != tags.end()) return true;
  return false;
}

Status ReadPrice(const JsonValue& j, const char* key, double* out) {
  const JsonValue price = j.Find(key);
  if (!price.exists() || price.is_null()) return Status::Ok();
  if (!price.is_number() || !std::isfinite(price.as_double()) || price.as_double() < 0)
    return InvalidArgument(std::string("filter.") + key + " must be a finite number >= 0");
  *out = price.as_double();
  return Status::Ok();
}

}  // namespace

StatusOr<Filter> ParseFilterJson(const std::string& json_text) {
  Filter filter;
  if (json_text.empty()) return filter;
  JsonDocument doc;
  if (!doc.Parse(json_text, nullptr) || !doc.root().is_object()) return InvalidArgument("filter must be an object");
  const JsonValue j = doc.root();
  for (const auto& member : j.members()) {
    const std::string_view key = member.key;
    if (key != "tags" && key != "minPrice" && key != "maxPrice" && key != "channel" && key != "available")
      return InvalidArgument("filter has unknown key '" + std::string(key) + "' (known: tags, minPrice, maxPrice, channel, available)");
  }
  if (const JsonValue tags = j.Find("tags"); tags.exists() && !tags.is_null()) {
    if (!tags.is_array()) return InvalidArgument("filter.tags must be an array of strings");
    for (JsonValue t : tags.elements()) {
      if (!t.is_string()) return InvalidArgument("filter.tags must be an array of strings");
      filter.tags.emplace_back(t.as_string());
    }
  }
  ZX_RETURN_IF_ERROR(ReadPrice(j, "minPrice", &filter.min_price));
  ZX_RETURN_IF_ERROR(ReadPrice(j, "maxPrice", &filter.max_price));
  if (filter.min_price >= 0 && filter.max_price >= 0 && filter.min_price > filter.max_price)
    return InvalidArgument("filter.minPrice is greater than filter.maxPrice");
  if (const JsonValue channel = j.Find("channel"); channel.exists() && !channel.is_null()) {
    if (!channel.is_string()) return InvalidArgument("filter.channel must be a string");
    filter.channel = std::string(channel.as_string());
  }
  if (const JsonValue available = j.Find("available"); available.exists() && !available.is_null()) {
    if (!available.is_bool()) return InvalidArgument("filter.available must be a boolean");
    filter.only_available = available.as_bool();
  }
  return filter;
}

StatusOr<std::unique_ptr<Recommender>> Recommender::Create(Model model, std::optional<Catalog> catalog) {
  std::unique_ptr<Recommender> rec(new Recommender());
  if (catalog && !catalog->model_version.empty() && catalog->model_version != model.manifest.model_version)
    return Status(StatusCode::kModelMismatch, "catalog was made for model version '" + catalog->model_version +
                                                  "' but the model is '" + model.manifest.model_version + "'");
  // A model built by hand (not LoadModel/MakeModel) has no index yet; a repeated id keeps its first row.
  if (model.id_index.size() != model.manifest.item_ids.size()) {
    RowIndex index;
    for (size_t r = 0; r < model.manifest.item_ids.size(); ++r) index.Insert(static_cast<int32_t>(r), model.manifest.item_ids);
    model.id_index = std::move(index);
  }
  rec->model_ = std::move(model);
  rec->catalog_ = std::move(catalog);
  const auto& ids = rec->model_.manifest.item_ids;
  if (rec->catalog_) {
    rec->catalog_index_.assign(ids.size(), -1);  // without a catalog it stays empty (400 KB less per 100k rows at load)
    for (size_t i = 0; i < rec->catalog_->items.size(); ++i) {
      const CatalogItem& item = rec->catalog_->items[i];
      const int32_t row = rec->model_.id_index.Find(item.id, ids);
      if (row < 0) {
        rec->cold_items_.push_back(item.id);
        continue;
      }
      rec->catalog_index_[row] = static_cast<int32_t>(i);
      for (const auto& alias : item.aliases) rec->alias_rows_.emplace(alias.second, row);
    }
  }
  return rec;
}

int32_t Recommender::RowOf(const std::string& id) const {
  const int32_t row = model_.id_index.Find(id, model_.manifest.item_ids);
  if (row >= 0) return row;
  auto it = alias_rows_.find(id);
  return it == alias_rows_.end() ? -1 : it->second;
}

const CatalogItem* Recommender::CatalogItemOf(int32_t row) const {
  if (!catalog_ || row < 0 || row >= static_cast<int32_t>(catalog_index_.size()) || catalog_index_[row] < 0) return nullptr;
  return &catalog_->items[catalog_index_[row]];
}

uint64_t Recommender::NextGeneration() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

Filter Recommender::Compile(Filter filter) const {
  filter.compiled.reset();
  // Without a catalog every row passes: selection needs no mask at all.
  if (catalog_) filter.compiled = std::make_shared<const std::vector<uint8_t>>(AllowedMask(filter));
  filter.compiled_for = generation_;
  return filter;
}

const std::vector<uint8_t>* Recommender::CompiledMask(const Filter& filter) const {
  return filter.compiled && filter.compiled_for == generation_ ? filter.compiled.get() : nullptr;
}

std::vector<uint8_t> Recommender::AllowedMask(const Filter& filter) const {
  if (const std::vector<uint8_t>* compiled = CompiledMask(filter)) return *compiled;
  std::vector<uint8_t> allowed(static_cast<size_t>(item_count()), 1);
  if (!catalog_) return allowed;
  const bool price_bound = filter.min_price >= 0 || filter.max_price >= 0;
  for (int32_t r = 0; r < item_count(); ++r) {
    const CatalogItem* item = CatalogItemOf(r);
    if (item == nullptr) {
      // Not in the catalog: nothing to sell it by, so any catalog-based filter drops it.
      allowed[r] = filter.tags.empty() && !price_bound && filter.channel.empty();
      continue;
    }
    bool keep = !filter.only_available || item->available;
    if (keep && !filter.tags.empty()) keep = HasAnyTag(*item, filter.tags);
    if (keep && price_bound) {
      keep = !std::isnan(item->price) && (filter.min_price < 0 || item->price >= filter.min_price) &&
             (filter.max_price < 0 || item->price <= filter.max_price);
    }
    if (keep && !filter.channel.empty()) keep = SoldOn(*item, filter.channel);
    allowed[r] = keep;
  }
  return allowed;
}

Status Recommender::CheckK(int k) const {
  if (k <= 0 || k > kMaxK) return InvalidArgument("k must be in 1.." + std::to_string(kMaxK) + ", got " + std::to_string(k));
  return Status::Ok();
}

StatusOr<std::vector<float>> Recommender::FoldIn(const FoldInInput& input) const {
  return zhixuan::FoldIn(model_.items, GramOf(model_), model_.manifest.foldin, input);
}

StatusOr<std::vector<float>> Recommender::QueryVector(std::vector<float> user_vector, const FoldInInput& history) const {
  if (user_vector.empty()) {
    auto folded = FoldIn(history);
    if (!folded.ok()) return folded.status();
    user_vector = std::move(folded).value();
  }
  if (static_cast<int>(user_vector.size()) != dim())
    return InvalidArgument("userVector has " + std::to_string(user_vector.size()) + " values, the model needs " + std::to_string(dim()));
  return user_vector;
}

StatusOr<TopK> Recommender::Recommend(const Query& query) const {
  ZX_RETURN_IF_ERROR(CheckK(query.k));
  if (query.user_vector == nullptr) return InvalidArgument("user vector is missing");
  for (int j = 0; j < dim(); ++j)
    if (!std::isfinite(query.user_vector[j])) return InvalidArgument("user vector contains NaN or Inf");
  // Without a catalog or exclusions every row passes: no N-byte mask to build per query; a
  // compiled filter without exclusions is read as it is.
  std::vector<uint8_t> allowed;
  const uint8_t* mask = nullptr;
  const std::vector<uint8_t>* compiled = CompiledMask(query.filter);
  if (compiled && query.exclude_rows.empty()) {
    mask = compiled->data();
  } else if (catalog_ || !query.exclude_rows.empty()) {
    allowed = AllowedMask(query.filter);
    for (int32_t r : query.exclude_rows)
      if (r >= 0 && r < item_count()) allowed[r] = 0;
    mask = allowed.data();
  }
  return ScoreTopK(model_.items, query.user_vector, model_.bias.empty() ? nullptr : model_.bias.data(), query.k, mask);
}

StatusOr<std::vector<TopK>> Recommender::RecommendBatch(const float* user_vectors, int count, int k,
                                                        const Filter& filter) const {
  ZX_RETURN_IF_ERROR(CheckK(k));
  if (count <= 0 || count > 4096) return InvalidArgument("batch size must be in 1..4096");
  for (int64_t i = 0; i < int64_t{count} * dim(); ++i)
    if (!std::isfinite(user_vectors[i])) return InvalidArgument("user vector " + std::to_string(i / dim()) + " contains NaN or Inf");
  const std::vector<uint8_t>* compiled = CompiledMask(filter);
  const std::vector<uint8_t> allowed = catalog_ && !compiled ? AllowedMask(filter) : std::vector<uint8_t>();
  const uint8_t* mask = compiled ? compiled->data() : allowed.empty() ? nullptr : allowed.data();
  return ScoreTopKBatch(model_.items, user_vectors, count, model_.bias.empty() ? nullptr : model_.bias.data(), k, mask);
}

StatusOr<TopK> Recommender::SimilarItems(int32_t row, int k, const Filter& filter) const {
  ZX_RETURN_IF_ERROR(CheckK(k));
  if (row < 0 || row >= item_count()) return Status(StatusCode::kUnknownItem, "item row " + std::to_string(row) + " is out of range");
  std::vector<float> anchor(dim());
  model_.items.RowToF32(row, anchor.data());
  std::vector<float> scores(static_cast<size_t>(item_count()));
  ScoreRows(model_.items, anchor.data(), nullptr, 0, item_count(), scores.data());
  // Cosine: divide by row norms so popular (long) vectors do not dominate.
  std::vector<float> v(dim());
  float anchor_norm = 0.f;
  for (float a : anchor) anchor_norm += a * a;
  anchor_norm = std::sqrt(anchor_norm) + 1e-12f;
  for (int64_t r = 0; r < item_count(); ++r) {
    model_.items.RowToF32(r, v.data());
    float norm = 0.f;
    for (float x : v) norm += x * x;
    scores[r] /= (std::sqrt(norm) + 1e-12f) * anchor_norm;
  }
  std::vector<uint8_t> allowed = AllowedMask(filter);
  allowed[row] = 0;
  return SelectTopK(scores.data(), item_count(), k, allowed.data());
}

Status Recommender::AppendItems(const std::vector<std::string>& ids, const float* rows) {
  std::unordered_set<std::string_view> batch;  // linear, not quadratic: addItems batches can be large
  static_assert(kMaxItems <= static_cast<int64_t>(RowIndex::kMaxRows), "the id index must hold every row");
  if (static_cast<int64_t>(ids.size()) > kMaxItems - model_.items.rows())
    return Status(StatusCode::kTooLarge, "a model holds at most 20M items");  // as a bundle (and the id index's rows)
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty() || ids[i].size() > kMaxItemIdBytes) return InvalidArgument("item id is empty or longer than 256 bytes");
    if (RowOf(ids[i]) >= 0) return InvalidArgument("item id '" + ids[i] + "' already exists");
    if (!batch.insert(ids[i]).second) return InvalidArgument("item id '" + ids[i] + "' appears twice in the batch");
  }
  for (size_t i = 0; i < ids.size() * dim(); ++i)
    if (!std::isfinite(rows[i])) return InvalidArgument("new item embedding contains NaN or Inf");
  // Items added on the device do not change the shipped Gram matrix: the server's
  // fold-in objective is defined over the trained items, and keeping G fixed keeps
  // device and server user vectors identical.
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t row = static_cast<int32_t>(model_.items.rows() + i);
    model_.manifest.item_ids.push_back(ids[i]);
    model_.id_index.Insert(row, model_.manifest.item_ids);
    int32_t catalog_index = -1;
    if (catalog_) {
      auto it = catalog_->index.find(ids[i]);
      if (it != catalog_->index.end()) {
        catalog_index = it->second;
        cold_items_.erase(std::remove(cold_items_.begin(), cold_items_.end(), ids[i]), cold_items_.end());
      }
    }
    if (catalog_index >= 0) {
      catalog_index_.resize(static_cast<size_t>(row), -1);  // rows past its end have no catalog item
      catalog_index_.push_back(catalog_index);
    }
  }
  model_.items.AppendRows(rows, static_cast<int64_t>(ids.size()));
  generation_ = NextGeneration();
  if (!model_.bias.empty()) model_.bias.resize(model_.items.rows(), 0.f);
  return Status::Ok();
}

Status Recommender::AppendCatalogItems(std::vector<CatalogItem> items, const float* rows) {
  std::vector<std::string> ids;
  for (const CatalogItem& item : items) {
    // A catalog item without a row (cold) may be embedded: its entry is replaced.
    if (RowOf(item.id) >= 0) return InvalidArgument("item id '" + item.id + "' already exists");
    for (const auto& alias : item.aliases)
      if (RowOf(alias.second) >= 0) return InvalidArgument("alias '" + alias.second + "' of item '" + item.id + "' is already in use");
    ids.push_back(item.id);
  }
  if (!catalog_) catalog_.emplace();
  std::vector<std::string> added;  // index entries to undo on failure
  for (const CatalogItem& item : items) {
    if (catalog_->index.count(item.id)) continue;
    catalog_->index.emplace(item.id, static_cast<int32_t>(catalog_->items.size() + added.size()));
    added.push_back(item.id);
  }
  Status appended = AppendItems(ids, rows);
  if (!appended.ok()) {
    for (const std::string& id : added) catalog_->index.erase(id);
    return appended;
  }
  for (CatalogItem& item : items) {
    const int32_t slot = catalog_->index.at(item.id);
    for (const auto& alias : item.aliases) {
      catalog_->index.emplace(alias.second, slot);
      alias_rows_.emplace(alias.second, RowOf(item.id));
    }
    if (slot < static_cast<int32_t>(catalog_->items.size())) catalog_->items[slot] = std::move(item);
    else catalog_->items.push_back(std::move(item));
  }
  generation_ = NextGeneration();
  return Status::Ok();
}

}  // namespace zhixuan

// The on-device recommender: a loaded model plus (optionally) the catalog,
// answering top-K queries with filters. Rows are the model's item rows; catalog
// items the model lacks are "cold" (reported, not scored) until embedded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/catalog.hpp"
#include "zhixuan/model/foldin.hpp"
#include "zhixuan/model/scoring.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr int kMaxK = 100000;

// Filters applied during selection. Items without a catalog entry pass filters
// that only need catalog facts to exclude (they have no tags/price/channels).
struct Filter {
  std::vector<std::string> tags;  // keep items with any of these tags (empty: all)
  double min_price = -1;          // < 0: no lower bound
  double max_price = -1;          // < 0: no upper bound
  std::string channel;            // keep items sold on this channel (empty: all)
  bool only_available = true;     // drop items the catalog marks unavailable
  // The rows it keeps, compiled for one row set (Session::CompileFilter caches it): selection
  // reads it instead of the catalog while the recommender's generation() is `compiled_for`.
  std::shared_ptr<const std::vector<uint8_t>> compiled;
  uint64_t compiled_for = 0;
};

// Parses the JSON filter the JS wrapper sends: {"tags":[..],"minPrice":..,"maxPrice":..,
// "channel":"..","available":true|false}. Unknown keys are an error (typos should not pass silently).
StatusOr<Filter> ParseFilterJson(const std::string& json_text);

struct Query {
  const float* user_vector = nullptr;  // dim floats
  int k = 10;
  std::vector<int32_t> exclude_rows;   // seen items and explicit exclusions
  Filter filter;
};

class Recommender {
 public:
  // Joins model and catalog; a catalog made for another model_version is a kModelMismatch.
  static StatusOr<std::unique_ptr<Recommender>> Create(Model model, std::optional<Catalog> catalog);

  const Model& model() const { return model_; }
  const Catalog* catalog() const { return catalog_ ? &*catalog_ : nullptr; }
  int dim() const { return model_.manifest.dim; }
  int64_t item_count() const { return model_.items.rows(); }
  const IdList& item_ids() const { return model_.manifest.item_ids; }
  // Row of a model id or catalog alias; -1 when unknown or cold.
  int32_t RowOf(const std::string& id) const;
  // Catalog items the model has no row for.
  const std::vector<std::string>& cold_items() const { return cold_items_; }
  // Catalog entry of a row (null when the catalog lacks it).
  const CatalogItem* CatalogItemOf(int32_t row) const;

  const std::vector<float>& gram() const { return GramOf(model_); }  // computed on first use when the bundle lacks it

  StatusOr<std::vector<float>> FoldIn(const FoldInInput& input) const;
  // The vector a query scores with: `user_vector` when given (dim values), else `history` folded in.
  StatusOr<std::vector<float>> QueryVector(std::vector<float> user_vector, const FoldInInput& history) const;
  StatusOr<TopK> Recommend(const Query& query) const;
  // Several users at once, reading the matrix once: user_vectors is count x dim.
  StatusOr<std::vector<TopK>> RecommendBatch(const float* user_vectors, int count, int k, const Filter& filter) const;
  // Nearest items by inner product of embeddings (cosine when the rows are normalized).
  StatusOr<TopK> SimilarItems(int32_t row, int k, const Filter& filter) const;

  // Adds rows (items embedded on the device); ids must be new.
  Status AppendItems(const std::vector<std::string>& ids, const float* rows);
  // allowed[r] = 1 for rows that pass the filter (for rankings made outside Recommend).
  std::vector<uint8_t> Allowed(const Filter& filter) const { return AllowedMask(filter); }
  // The filter with its row mask built for the rows as they are now (see Filter::compiled).
  Filter Compile(Filter filter) const;
  // Changes whenever rows or catalog change (a compiled filter of another generation is stale).
  uint64_t generation() const { return generation_; }

  // Lends the catalog to a successor (Session::ReplaceModel) without copying it; rows and their
  // names stay as they are, catalog facts are unavailable until ReturnCatalog gives it back.
  std::optional<Catalog> LendCatalog() {
    generation_ = NextGeneration();
    return std::exchange(catalog_, std::nullopt);
  }
  void ReturnCatalog(std::optional<Catalog> catalog) {
    generation_ = NextGeneration();
    catalog_ = std::move(catalog);
  }

  // Adds new catalog entries with their rows (items embedded from text on the device,
  // see text_search.hpp); ids and aliases must be new. Creates the catalog if none.
  Status AppendCatalogItems(std::vector<CatalogItem> items, const float* rows);

 private:
  Recommender() = default;
  // allowed[r] = 1 for rows that pass the filter.
  std::vector<uint8_t> AllowedMask(const Filter& filter) const;
  // The filter's compiled mask when it is current, else null.
  const std::vector<uint8_t>* CompiledMask(const Filter& filter) const;
  Status CheckK(int k) const;

  Model model_;
  std::optional<Catalog> catalog_;
  // Rows by name: model ids live in model_.id_index; catalog aliases here (ids win a clash).
  std::unordered_map<std::string, int32_t> alias_rows_;
  std::vector<int32_t> catalog_index_;                 // row -> catalog item or -1 (none past its end)
  std::vector<std::string> cold_items_;
  uint64_t generation_ = NextGeneration();
  // Generations are unique across recommenders, so a mask compiled for one never passes for another's.
  static uint64_t NextGeneration();
};

}  // namespace zhixuan

// The text room as a Session room: the content index (search, items embedded from text), the
// cold-start lists and the popularity prior of the session's model, and the re-ranking policy
// (long-tail mask, the user's best tail items, pool size). On a model change it re-embeds the
// items the device had embedded (they have no row in the new model) when the bundle can embed.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "zhixuan/session/session_room.hpp"
#include "zhixuan/text/cold_start.hpp"
#include "zhixuan/text/diversity.hpp"
#include "zhixuan/text/text_search.hpp"

namespace zhixuan {

class TextRoom : public SessionRoom {
 public:
  static StatusOr<std::unique_ptr<TextRoom>> Create(const Recommender& rec);

  const ContentIndex& index() const { return state_.index; }
  const ColdStart& cold_start() const { return *state_.cold; }

  Status AddItems(Recommender& rec, std::vector<CatalogItem> items);
  StatusOr<int64_t> EmbedColdItems(Recommender& rec);
  StatusOr<TopK> Search(const Recommender& rec, std::string_view query, int k, const Filter& filter);
  StatusOr<ExplainedList> Cold(const Recommender& rec, const ColdStartRequest& request);

  // The list for `query` re-ranked in one step: a pool of the most relevant items, MMR
  // diversity, and exploration slots from the user's best long-tail items.
  StatusOr<TopK> Recommend(const Recommender& rec, const Query& query, const RerankOptions& options) const {
    return RecommendReranked(rec, query, options, state_.popularity);
  }
  // How many relevance-ranked items to re-rank for a list of k.
  int PoolSize(const Recommender& rec, int k) const { return RerankPoolSize(k, rec.item_count()); }
  // Re-ranks a relevance-ordered pool to k. With `user` (its vector, exclusions and filter),
  // the exploration slots come from the user's best long-tail items over the whole catalog;
  // without, from the pool.
  StatusOr<TopK> Rerank(const Recommender& rec, const TopK& pool, int k, const RerankOptions& options,
                        const Query* user) const;

  bool adds_items() const override { return true; }
  Status Stage(const Recommender& current, Recommender& next) override;
  void Commit() override;
  void Abort() override;

 private:
  struct State {
    ContentIndex index;
    std::optional<ColdStart> cold;
    std::vector<float> popularity;  // empty when the bundle has none
  };
  static StatusOr<State> Build(const Recommender& rec);

  State state_;
  std::optional<State> staged_;
};

}  // namespace zhixuan

#include "zhixuan/session/text_room.hpp"

namespace zhixuan {

StatusOr<TextRoom::State> TextRoom::Build(const Recommender& rec) {
  State state;
  auto index = ContentIndex::Create(rec);
  if (!index.ok()) return index.status();
  state.index = std::move(index).value();
  auto cold = ColdStart::Create(rec);
  if (!cold.ok()) return cold.status();
  state.cold = std::move(cold).value();
  auto popularity = ItemPopularity(rec.model(), rec.item_count());
  if (popularity.ok()) state.popularity = std::move(popularity).value();
  return state;
}

StatusOr<std::unique_ptr<TextRoom>> TextRoom::Create(const Recommender& rec) {
  auto state = Build(rec);
  if (!state.ok()) return state.status();
  std::unique_ptr<TextRoom> room(new TextRoom());
  room->state_ = std::move(state).value();
  return room;
}

Status TextRoom::AddItems(Recommender& rec, std::vector<CatalogItem> items) {
  return state_.index.AddItems(&rec, std::move(items));
}

StatusOr<int64_t> TextRoom::EmbedColdItems(Recommender& rec) { return state_.index.EmbedColdItems(&rec); }

StatusOr<TopK> TextRoom::Search(const Recommender& rec, std::string_view query, int k, const Filter& filter) {
  state_.index.Sync(rec);
  return state_.index.Search(rec, query, k, filter);
}

StatusOr<ExplainedList> TextRoom::Cold(const Recommender& rec, const ColdStartRequest& request) {
  state_.index.Sync(rec);
  return state_.cold->Recommend(rec, state_.index, request);
}

StatusOr<TopK> TextRoom::Rerank(const Recommender& rec, const TopK& pool, int k, const RerankOptions& options,
                                const Query* user) const {
  const std::vector<uint8_t> tail = LongTailMask(state_.popularity, rec.item_count());
  std::optional<TopK> tail_ranked;
  if (options.exploration > 0 && user != nullptr && user->user_vector != nullptr) {
    Query query = *user;
    query.k = k;
    auto ranked = TailRanking(rec, query, tail);
    if (!ranked.ok()) return ranked.status();
    tail_ranked = std::move(ranked).value();
  }
  return RerankCandidates(rec.model().items, pool, k, options, tail, tail_ranked ? &*tail_ranked : nullptr);
}

Status TextRoom::Stage(const Recommender& current, Recommender& next) {
  auto state = Build(next);
  if (!state.ok()) return state.status();
  // Items embedded on the device have a row in `current` but none in `next`: embed them again.
  if (state->index.can_embed() && next.catalog() != nullptr) {
    std::vector<CatalogItem> again;
    for (const std::string& id : next.cold_items())
      if (current.RowOf(id) >= 0)
        if (const CatalogItem* item = next.catalog()->find(id)) again.push_back(*item);
    if (!again.empty()) ZX_RETURN_IF_ERROR(state->index.AddItems(&next, std::move(again)));
  }
  staged_ = std::move(state).value();
  return Status::Ok();
}

void TextRoom::Commit() {
  state_ = std::move(*staged_);
  staged_.reset();
}

void TextRoom::Abort() { staged_.reset(); }

}  // namespace zhixuan

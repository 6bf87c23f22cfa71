// Re-ranking after relevance: diversity and exploration of the long tail, over a
// pool of the max(4k, k + 50) most relevant items (RerankPoolSize).
// - diversity in [0, 1]: maximal marginal relevance (Carbonell & Goldstein 1998)
//   over the item embeddings: repeatedly take the pool item maximizing
//   (1 - diversity) * rel(i) - diversity * max_{j chosen} cos(v_i, v_j),
//   rel = the relevance score min-max scaled to [0, 1] over the pool.
//   0 keeps the relevance order; 1 picks the most dissimilar items.
// - exploration in [0, 1]: reserves round(exploration * k) slots (at least 1 when
//   exploration > 0) for long-tail items. Long tail: every row outside the head, the
//   ceil(20%) most popular rows by item_popularity (rows appended on the device count
//   as tail). The slots go to the most relevant tail items of the whole catalog not
//   already in the list (from the pool's tail items when no user vector is at hand); tail items the list already holds count towards the quota. With F fresh tail
//   items, they take positions floor((j + 1) * k / F) - 1 (j = 0..F-1); the head items
//   keep their relative order in the other positions and the lowest-ranked ones make
//   room. Deterministic (no randomness).
// Without item_popularity in the bundle there is no tail and exploration is a no-op.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/model/item_matrix.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/model/scoring.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr double kHeadFraction = 0.2;

struct RerankOptions {
  float diversity = 0.f;
  float exploration = 0.f;
};

// 1 for long-tail rows (see above); popularity may be shorter than rows.
std::vector<uint8_t> LongTailMask(const std::vector<float>& popularity, int64_t rows);

// MMR over `candidates` (best first); returns at most k.
TopK MmrRerank(const ItemMatrix& items, const TopK& candidates, int k, float diversity);

// Puts long-tail items into the reserved slots of `ranked` (k long); tail_ranked
// holds the tail's best items, best first.
TopK ReserveTailSlots(const TopK& ranked, const TopK& tail_ranked, const std::vector<uint8_t>& tail, int k,
                      float exploration);

// How many relevance-ranked candidates to re-rank for a list of k.
int RerankPoolSize(int k, int64_t rows);

// MMR to k, then the tail slots, over a relevance-ordered pool (best first). The tail
// slots are filled from `tail_ranked` (the user's best tail items over the whole catalog,
// TailRanking) when given, else from the pool's own tail items.
StatusOr<TopK> RerankCandidates(const ItemMatrix& items, const TopK& pool, int k, const RerankOptions& options,
                                const std::vector<uint8_t>& tail, const TopK* tail_ranked = nullptr);

// The query's best long-tail items over the whole catalog (head rows excluded), best first.
StatusOr<TopK> TailRanking(const Recommender& rec, const Query& query, const std::vector<uint8_t>& tail);

// Recommend with both applied (popularity: ItemPopularity of cold_start.hpp).
StatusOr<TopK> RecommendReranked(const Recommender& rec, const Query& query, const RerankOptions& options,
                                 const std::vector<float>& popularity);

}  // namespace zhixuan

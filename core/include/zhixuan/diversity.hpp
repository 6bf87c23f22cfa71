// Re-ranking after relevance: diversity and exploration of the long tail.
// - diversity in [0, 1]: maximal marginal relevance (Carbonell & Goldstein 1998)
//   over the item embeddings. From the top max(4k, k + 50) candidates, repeatedly
//   take argmax (1 - diversity) * rel(i) - diversity * max_{j chosen} cos(v_i, v_j),
//   rel = the relevance score min-max scaled to [0, 1] over the candidates.
//   0 keeps the relevance order; 1 picks the most dissimilar items.
// - exploration in [0, 1]: reserves round(exploration * k) slots (at least 1 when
//   exploration > 0) for long-tail items. Long tail: every row outside the head, the
//   ceil(20%) most popular rows by item_popularity (rows appended on the device count
//   as tail). The reserved slots go to the most relevant tail items not already in
//   the list, at evenly spaced positions floor((j + 1) * k / slots) - 1; tail items
//   the list already holds count towards the quota. Deterministic (no randomness).
// Without item_popularity in the bundle, exploration has no tail to draw from and
// is a no-op.
#pragma once

#include <cstdint>
#include <vector>

#include "zhixuan/item_matrix.hpp"
#include "zhixuan/recommender.hpp"
#include "zhixuan/scoring.hpp"
#include "zhixuan/status.hpp"

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

// Recommend with both applied (popularity: ItemPopularity of cold_start.hpp).
StatusOr<TopK> RecommendReranked(const Recommender& rec, const Query& query, const RerankOptions& options,
                                 const std::vector<float>& popularity);

}  // namespace zhixuan

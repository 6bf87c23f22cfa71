#include "zhixuan/text/diversity.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace zhixuan {

std::vector<uint8_t> LongTailMask(const std::vector<float>& popularity, int64_t rows) {
  std::vector<uint8_t> tail(static_cast<size_t>(rows), 1);
  const int64_t known = std::min<int64_t>(rows, static_cast<int64_t>(popularity.size()));
  if (known == 0) return std::vector<uint8_t>(static_cast<size_t>(rows), 0);  // no popularity: no tail
  const int64_t head = static_cast<int64_t>(std::ceil(kHeadFraction * known));
  std::vector<int32_t> order(static_cast<size_t>(known));
  std::iota(order.begin(), order.end(), 0);
  // Most popular first, ties to the lower row (deterministic).
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return popularity[a] > popularity[b]; });
  for (int64_t i = 0; i < head; ++i) tail[order[i]] = 0;
  return tail;
}

TopK MmrRerank(const ItemMatrix& items, const TopK& candidates, int k, float diversity) {
  const size_t m = candidates.rows.size();
  TopK out;
  if (m == 0 || k <= 0) return out;
  const float lambda = 1.f - std::clamp(diversity, 0.f, 1.f);
  const int d = items.dim();
  std::vector<float> unit(m * d);
  for (size_t c = 0; c < m; ++c) {
    float* v = unit.data() + c * d;
    items.RowToF32(candidates.rows[c], v);
    double norm = 0;
    for (int j = 0; j < d; ++j) norm += static_cast<double>(v[j]) * v[j];
    const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.f;
    for (int j = 0; j < d; ++j) v[j] *= inv;
  }
  const auto [lo, hi] = std::minmax_element(candidates.scores.begin(), candidates.scores.end());
  const float range = *hi - *lo;
  std::vector<float> max_sim(m, -1.f);
  std::vector<uint8_t> taken(m, 0);
  const size_t want = std::min<size_t>(m, static_cast<size_t>(k));
  for (size_t step = 0; step < want; ++step) {
    size_t best = m;
    float best_value = 0;
    for (size_t c = 0; c < m; ++c) {
      if (taken[c]) continue;
      const float rel = range > 0 ? (candidates.scores[c] - *lo) / range : 1.f;
      const float value = lambda * rel - (1.f - lambda) * (step == 0 ? 0.f : max_sim[c]);
      if (best == m || value > best_value) { best = c; best_value = value; }
    }
    taken[best] = 1;
    out.rows.push_back(candidates.rows[best]);
    out.scores.push_back(candidates.scores[best]);
    const float* b = unit.data() + best * d;
    for (size_t c = 0; c < m; ++c) {
      if (taken[c]) continue;
      float s = 0;
      const float* v = unit.data() + c * d;
      for (int j = 0; j < d; ++j) s += v[j] * b[j];
      max_sim[c] = std::max(max_sim[c], s);
    }
  }
  return out;
}

TopK ReserveTailSlots(const TopK& ranked, const TopK& tail_ranked, const std::vector<uint8_t>& tail, int k,
                      float exploration) {
  if (exploration <= 0 || k <= 0) return ranked;
  const int slots = std::max(1, static_cast<int>(std::lround(std::clamp(exploration, 0.f, 1.f) * k)));
  const int size = std::min<int>(k, static_cast<int>(ranked.rows.size()));
  auto is_tail = [&](int32_t r) { return r >= 0 && r < static_cast<int32_t>(tail.size()) && tail[r]; };
  int have = 0;
  for (int i = 0; i < size; ++i) have += is_tail(ranked.rows[i]) ? 1 : 0;
  // Fresh tail items, best first.
  std::vector<std::pair<int32_t, float>> fresh;
  for (size_t i = 0; i < tail_ranked.rows.size() && have + static_cast<int>(fresh.size()) < slots; ++i) {
    const int32_t r = tail_ranked.rows[i];
    if (std::find(ranked.rows.begin(), ranked.rows.begin() + size, r) != ranked.rows.begin() + size) continue;
    fresh.emplace_back(r, tail_ranked.scores[i]);
  }
  if (fresh.empty()) return ranked;
  // Head items keep their order in the non-reserved positions; the lowest-ranked head items make room.
  std::vector<std::pair<int32_t, float>> head, kept_tail;
  for (int i = 0; i < size; ++i) (is_tail(ranked.rows[i]) ? kept_tail : head).emplace_back(ranked.rows[i], ranked.scores[i]);
  const int out_size = std::max<int>(size, std::min<int>(k, size + static_cast<int>(fresh.size())));
  const int head_keep = std::max(0, out_size - static_cast<int>(kept_tail.size() + fresh.size()));
  head.resize(std::min<size_t>(head.size(), static_cast<size_t>(head_keep)));
  std::vector<uint8_t> reserved(static_cast<size_t>(out_size), 0);
  for (int j = 0; j < static_cast<int>(fresh.size()); ++j) {
    int pos = static_cast<int>((static_cast<int64_t>(j) + 1) * out_size / static_cast<int>(fresh.size())) - 1;
    while (pos >= 0 && reserved[pos]) --pos;
    if (pos >= 0) reserved[pos] = 1;
  }
  // Merge: reserved positions take fresh tail items; others take the remaining list in order.
  std::vector<std::pair<int32_t, float>> rest;  // head and already-present tail, in original order
  for (int i = 0; i < size; ++i) {
    const int32_t r = ranked.rows[i];
    const bool keep = is_tail(r) || std::find_if(head.begin(), head.end(), [&](auto& h) { return h.first == r; }) != head.end();
    if (keep) rest.emplace_back(r, ranked.scores[i]);
  }
  TopK out;
  size_t f = 0, o = 0;
  for (int pos = 0; pos < out_size; ++pos) {
    const std::pair<int32_t, float>* pick = nullptr;
    if (reserved[pos] && f < fresh.size()) pick = &fresh[f++];
    else if (o < rest.size()) pick = &rest[o++];
    else if (f < fresh.size()) pick = &fresh[f++];
    if (!pick) break;
    out.rows.push_back(pick->first);
    out.scores.push_back(pick->second);
  }
  return out;
}

int RerankPoolSize(int k, int64_t rows) {
  const int64_t pool = std::max<int64_t>(int64_t{4} * k, int64_t{k} + 50);
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({pool, rows, kMaxK})));
}

StatusOr<TopK> TailRanking(const Recommender& rec, const Query& query, const std::vector<uint8_t>& tail) {
  Query tail_query = query;
  for (int64_t r = 0; r < rec.item_count(); ++r)
    if (r >= static_cast<int64_t>(tail.size()) || !tail[r]) tail_query.exclude_rows.push_back(static_cast<int32_t>(r));
  return rec.Recommend(tail_query);
}

StatusOr<TopK> RerankCandidates(const ItemMatrix& items, const TopK& pool, int k, const RerankOptions& options,
                                const std::vector<uint8_t>& tail, const TopK* tail_ranked) {
  if (!(options.diversity >= 0 && options.diversity <= 1)) return InvalidArgument("diversity must be in [0, 1]");
  if (!(options.exploration >= 0 && options.exploration <= 1)) return InvalidArgument("exploration must be in [0, 1]");
  if (k <= 0 || k > kMaxK) return InvalidArgument("k must be in 1.." + std::to_string(kMaxK));
  if (pool.rows.size() != pool.scores.size()) return InvalidArgument("candidate rows and scores differ in length");
  for (size_t i = 0; i < pool.rows.size(); ++i) {
    if (pool.rows[i] < 0 || pool.rows[i] >= items.rows()) return InvalidArgument("candidate row " + std::to_string(pool.rows[i]) + " is out of range");
    if (!std::isfinite(pool.scores[i])) return InvalidArgument("candidate scores must be finite");
  }
  TopK ranked = MmrRerank(items, pool, k, options.diversity);
  if (options.exploration <= 0) return ranked;
  if (tail_ranked != nullptr) return ReserveTailSlots(ranked, *tail_ranked, tail, k, options.exploration);
  TopK pool_tail;
  for (size_t i = 0; i < pool.rows.size(); ++i) {
    const int32_t r = pool.rows[i];
    if (r < static_cast<int32_t>(tail.size()) && tail[r]) {
      pool_tail.rows.push_back(r);
      pool_tail.scores.push_back(pool.scores[i]);
    }
  }
  return ReserveTailSlots(ranked, pool_tail, tail, k, options.exploration);
}

StatusOr<TopK> RecommendReranked(const Recommender& rec, const Query& query, const RerankOptions& options,
                                 const std::vector<float>& popularity) {
  if (!(options.diversity >= 0 && options.diversity <= 1)) return InvalidArgument("diversity must be in [0, 1]");
  if (!(options.exploration >= 0 && options.exploration <= 1)) return InvalidArgument("exploration must be in [0, 1]");
  if (options.diversity == 0 && options.exploration == 0) return rec.Recommend(query);
  if (query.k <= 0 || query.k > kMaxK) return InvalidArgument("k must be in 1.." + std::to_string(kMaxK));
  Query wide = query;
  wide.k = RerankPoolSize(query.k, rec.item_count());
  auto pool = rec.Recommend(wide);
  if (!pool.ok()) return pool.status();
  const std::vector<uint8_t> tail = LongTailMask(popularity, rec.item_count());
  if (options.exploration <= 0) return RerankCandidates(rec.model().items, *pool, query.k, options, tail);
  auto tail_ranked = TailRanking(rec, query, tail);
  if (!tail_ranked.ok()) return tail_ranked.status();
  return RerankCandidates(rec.model().items, *pool, query.k, options, tail, &*tail_ranked);
}

}  // namespace zhixuan

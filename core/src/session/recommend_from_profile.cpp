#include "zhixuan/session/recommend_from_profile.hpp"

#include <unordered_map>

namespace zhixuan {

StatusOr<std::optional<ProfileRecommendation>> RecommendFromProfile(const Recommender& rec, Profile& profile,
                                                                    const TextRoom& text, int k, const Filter& filter,
                                                                    const std::vector<int32_t>& exclude_rows,
                                                                    const RerankOptions& options) {
  std::vector<int32_t> excluded = profile.SeenRows();
  if (excluded.empty()) return std::optional<ProfileRecommendation>();
  if (k <= 0 || k > kMaxK) return InvalidArgument("k must be in 1.." + std::to_string(kMaxK) + ", got " + std::to_string(k));
  auto pool = profile.Recommend(text.PoolSize(rec, k), filter, exclude_rows);
  if (!pool.ok()) return pool.status();
  // Exploration draws from the user's best tail items: the list leaves out what the pool did.
  std::vector<float> vector;
  Query user;
  if (options.exploration > 0) {
    auto x = profile.UserVector();
    if (!x.ok()) return x.status();
    vector = std::move(x).value();
    excluded.insert(excluded.end(), exclude_rows.begin(), exclude_rows.end());
    user.user_vector = vector.data();
    user.exclude_rows = std::move(excluded);
    user.filter = filter;
  }
  auto top = text.Rerank(rec, pool->top, k, options, user.user_vector ? &user : nullptr);
  if (!top.ok()) return top.status();
  std::unordered_map<int32_t, const Reason*> reason_of;
  for (size_t i = 0; i < pool->top.rows.size(); ++i) reason_of.emplace(pool->top.rows[i], &pool->reasons[i]);
  ProfileRecommendation out;
  out.top = std::move(top).value();
  for (int32_t row : out.top.rows) {
    auto it = reason_of.find(row);
    Reason explore;
    explore.kind = Reason::Kind::kExplore;
    out.reasons.push_back(it == reason_of.end() ? explore : *it->second);
  }
  return std::optional<ProfileRecommendation>(std::move(out));
}

}  // namespace zhixuan

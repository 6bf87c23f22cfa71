// recommend() for the local profile with diversity and exploration, in one step: the profile's
// vector, a pool of its most relevant unseen items (text/diversity.hpp: RerankPoolSize), the
// text room's re-ranking (MMR, exploration slots from the user's best long-tail items over the
// whole catalog), and a reason per item (the pool's, or kExplore for a tail item from outside it).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "zhixuan/profile/profile.hpp"
#include "zhixuan/session/text_room.hpp"

namespace zhixuan {

// nullopt: the profile has no events yet (the host gives a cold-user list instead).
StatusOr<std::optional<ProfileRecommendation>> RecommendFromProfile(const Recommender& rec, Profile& profile,
                                                                    const TextRoom& text, int k, const Filter& filter,
                                                                    const std::vector<int32_t>& exclude_rows,
                                                                    const RerankOptions& options);

}  // namespace zhixuan

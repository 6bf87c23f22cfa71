// Lists for a cold user (no events yet), each item with the reason it is there.
// score(i) = 1.0 * popularity(i)                    log(1 + p_i) / log(1 + max p)
//          + 2.0 * interest(i)                      best interest: TF-IDF cosine of the interest
//                                                   and the item text + 0.5 x cosine of the
//                                                   interest's projected direction and the item row
//          + 0.5 * context(i)                       mean of the matched context log-lifts, clipped to [-1, 1]
// Reason of an item: "interest:<word>" when its weighted interest term is >= 0.1 and
// not below its context term, else "context:<key>" when the context term is >= 0.1,
// else "popular" (the prior is the fallback, the specific reasons win).
// Bundle inputs (all optional; the trainer writes item_popularity):
//   item_popularity  F32 [N]     interactions (or users) per item; appended rows count 0
//   context_lift     F32 [C, N]  log(p(i | context) / p(i)) per context key
//   manifest "context_priors": {"keys": ["channel:web", "hour:20", "device:mobile", ...]}  (C keys)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/model/recommender.hpp"
#include "zhixuan/base/status.hpp"
#include "zhixuan/text/text_search.hpp"

namespace zhixuan {

constexpr size_t kMaxInterests = 64;

struct ColdContext {
  std::string channel;  // e.g. "web", "mini-program" (empty: unknown)
  int hour = -1;        // 0..23 local hour (-1: unknown)
  std::string device;   // e.g. "mobile", "desktop", "tablet" (empty: unknown)
};

struct ColdStartRequest {
  std::vector<std::string> interests;  // onboarding picks: tags or free words ("python", "考研")
  ColdContext context;
  int k = 10;
  Filter filter;
  std::vector<int32_t> exclude_rows;
};

struct ExplainedList {
  std::vector<int32_t> rows;
  std::vector<float> scores;
  std::vector<std::string> reasons;  // one per row
  std::string policy;                // what the list was built from, for display and logs
};

// item_popularity of the bundle, one value per current row (0 for appended rows);
// empty when the bundle has none. kMalformedModel when present but broken.
StatusOr<std::vector<float>> ItemPopularity(const Model& model, int64_t rows);

class ColdStart {
 public:
  static StatusOr<ColdStart> Create(const Recommender& rec);
  bool has_popularity() const { return !popularity_.empty(); }
  const std::vector<std::string>& context_keys() const { return context_keys_; }

  // Needs `text` in sync with `rec` (ContentIndex::Sync) for interests.
  StatusOr<ExplainedList> Recommend(const Recommender& rec, const ContentIndex& text, const ColdStartRequest& request) const;

 private:
  std::vector<float> popularity_;        // N at creation
  std::vector<std::string> context_keys_;
  std::vector<float> context_lift_;      // C x N at creation
  int64_t rows_at_creation_ = 0;
};

}  // namespace zhixuan

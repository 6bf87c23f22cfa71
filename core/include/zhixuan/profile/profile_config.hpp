// How events become confidence: per-type weights, time decay and history bounds, read from the
// manifest key "profile" (Manifest::json). Every key is optional; the defaults:
//   "profile": {
//     "weights": {"view": 0.25, "click": 0.5, "favorite": 1.0, "add_to_cart": 1.0, "purchase": 2.0,
//                 "start": 0.5, "complete": 1.5, "rate": 1.0, "dismiss": -1.0, "refund": -2.0},
//     "half_life_days": 30,      // an event's weight halves every 30 days (0: no decay)
//     "decay_tick_hours": 1,     // decay is evaluated at the latest event time rounded up to this tick
//     "max_events": 1000,        // raw events kept; older ones fold into per-item aggregates
//     "rate_scale": 5,           // rate values lie in [0, rate_scale]
//     "max_value": 1e9,          // |value| above this is rejected (a typo, not a price)
//     "future_tolerance_minutes": 5,  // clock skew allowed for timestamps ahead of "now"
//     "snapshot_every": 64,      // storage: log records between two snapshots
//     "segment_names": []        // optional names of the rows of the segment_centroids tensor
//   }
// An item's weight is the sum over its events of weight(type) * 2^(-(asof - ts) / half-life), where
// a rate event weighs weights.rate * (2 * value / rate_scale - 1) (0 stars: -1x, full marks: +1x).
// Its confidence is c = 1 + alpha * weight (foldin.hpp); negative types lower it, and c <= 0
// leaves the item unobserved. Seen items (any event, including dismiss) are never recommended.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/profile/events.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct ProfileConfig {
  std::array<double, kEventTypeCount> weights = {0.25, 0.5, 1.0, 1.0, 2.0, 0.5, 1.5, 1.0, -1.0, -2.0};
  double half_life_ms = 30.0 * 86400e3;
  double decay_tick_ms = 3600e3;
  int64_t max_events = 1000;
  double rate_scale = 5;
  double max_value = 1e9;
  double future_tolerance_ms = 5 * 60e3;
  int64_t snapshot_every = 64;
  std::vector<std::string> segment_names;

  double WeightOf(const Event& e) const;
  // The decay reference time of a history whose latest event is at `latest_ts`.
  double AsOf(double latest_ts) const;
};

// Reads the "profile" key of a manifest JSON (absent: the defaults). Bad values are
// MALFORMED_MODEL naming the key.
StatusOr<ProfileConfig> ParseProfileConfig(const std::string& manifest_json);

}  // namespace zhixuan

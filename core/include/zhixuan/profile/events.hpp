// Interaction events and the user's event history: the facts the profile is computed from.
//   event = {id?, type, item, channel, ts, value?}
// The history keeps raw events (deduplicated by id, ordered by (ts, id)) up to a bound; older
// events are folded into one aggregate per item instead of being dropped. Everything the profile
// shows is a pure function of this history, so two devices holding the same events agree.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

enum class EventType : uint8_t { kView, kClick, kFavorite, kAddToCart, kPurchase, kStart, kComplete, kRate, kDismiss, kRefund };
constexpr int kEventTypeCount = 10;

// "view", "click", "favorite", "add_to_cart", "purchase", "start", "complete", "rate", "dismiss", "refund".
const char* EventTypeName(EventType type);
bool ParseEventType(const std::string& name, EventType* out);

constexpr size_t kMaxEventIdBytes = 128;
constexpr size_t kMaxChannelBytes = 64;

struct Event {
  std::string id;       // the caller's id, or "h:" + a hash of the content when none was given
  EventType type = EventType::kView;
  std::string item;     // canonical item id (aliases resolved before the event is stored)
  std::string channel;  // free string: web, h5, app, mini-program, offline-store, ...
  double ts = 0;        // milliseconds since the Unix epoch
  double value = std::numeric_limits<double>::quiet_NaN();  // rate: stars; purchase: amount paid

  bool has_value() const { return value == value; }
};

// Total order of the history: by time, then id.
inline bool EventBefore(double ts_a, const std::string& id_a, double ts_b, const std::string& id_b) {
  return ts_a < ts_b || (ts_a == ts_b && id_a < id_b);
}

// The content hash that names an event sent without an id (so a resent copy deduplicates).
std::string ContentEventId(const Event& event);

// What older events of one item leave behind once folded out of the raw history.
struct ItemAggregate {
  // Every event of this item ordered at or before (watermark_ts, watermark_id) is folded in here.
  double watermark_ts = 0;
  std::string watermark_id;
  double decayed_weight = 0;  // sum of event weights * 2^((ts - watermark_ts) / half-life)
  std::array<int64_t, kEventTypeCount> counts{};
  std::map<std::string, int64_t> channels;
  double spend = 0;           // purchase amounts (value, else catalog price), refunds subtracted
  int64_t priced_purchases = 0;
  double first_ts = 0;

  bool operator==(const ItemAggregate& o) const;
};

class EventHistory {
 public:
  const std::vector<Event>& events() const { return events_; }  // ordered by (ts, id)
  const std::map<std::string, ItemAggregate>& aggregates() const { return aggregates_; }
  bool empty() const { return events_.empty() && aggregates_.empty(); }
  // The latest event time seen (raw or folded); 0 when empty.
  double latest_ts() const;

  // False when the id is already known or the event is older than its item's watermark
  // (it was folded into the aggregate already): a resend is a no-op.
  bool Add(Event event);
  bool Contains(const std::string& id) const { return ids_.count(id) > 0; }

  // Folds the oldest raw events beyond `max_events` into per-item aggregates; `weight_of` gives an
  // event's weight and `price_of` its purchase amount. Returns the items whose aggregate changed.
  template <typename WeightFn, typename PriceFn>
  std::vector<std::string> Compact(int64_t max_events, double half_life_ms, WeightFn weight_of, PriceFn price_of);

  // Union of raw events deduplicated by id; per item, the aggregate with the later watermark
  // wins (ties: the larger content), and raw events at or before the winning watermark are
  // dropped. Union and max are commutative, associative and idempotent, so merge is too.
  void Merge(const EventHistory& other);

  // Erases everything (forget).
  void Clear();

  // Loader entry (blob decoding): takes validated parts as they are.
  void SetAggregate(const std::string& item, ItemAggregate aggregate);

 private:
  void DropCoveredEvents();
  std::vector<Event> events_;
  std::unordered_set<std::string> ids_;
  std::map<std::string, ItemAggregate> aggregates_;
};

// 2^(-dt / half_life); 1 when half_life is 0 (decay off).
double DecayFactor(double dt_ms, double half_life_ms);

template <typename WeightFn, typename PriceFn>
std::vector<std::string> EventHistory::Compact(int64_t max_events, double half_life_ms, WeightFn weight_of,
                                               PriceFn price_of) {
  std::vector<std::string> changed;
  if (max_events < 0 || static_cast<int64_t>(events_.size()) <= max_events) return changed;
  const size_t fold = events_.size() - static_cast<size_t>(max_events);
  for (size_t i = 0; i < fold; ++i) {
    const Event& e = events_[i];
    auto [it, fresh] = aggregates_.try_emplace(e.item);
    ItemAggregate& a = it->second;
    if (fresh) {
      a.first_ts = e.ts;
      a.watermark_ts = e.ts;
    }
    // Re-anchor the decayed sum at the new watermark (events arrive in order, so ts >= watermark).
    a.decayed_weight = a.decayed_weight * DecayFactor(e.ts - a.watermark_ts, half_life_ms) + weight_of(e);
    a.watermark_ts = e.ts;
    a.watermark_id = e.id;
    a.counts[static_cast<int>(e.type)] += 1;
    a.channels[e.channel] += 1;
    const double amount = price_of(e);
    if (e.type == EventType::kPurchase && amount == amount) {
      a.spend += amount;
      a.priced_purchases += 1;
    } else if (e.type == EventType::kRefund && amount == amount) {
      a.spend -= amount;
    }
    if (changed.empty() || changed.back() != e.item) changed.push_back(e.item);
    ids_.erase(e.id);
  }
  events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(fold));
  return changed;
}

}  // namespace zhixuan

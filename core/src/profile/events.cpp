#include "zhixuan/profile/events.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "zhixuan/base/crc32.hpp"

namespace zhixuan {
namespace {

constexpr const char* kTypeNames[kEventTypeCount] = {"view",  "click",    "favorite", "add_to_cart", "purchase",
                                                     "start", "complete", "rate",     "dismiss",     "refund"};

auto ContentKey(const ItemAggregate& a) {
  return std::tie(a.watermark_ts, a.watermark_id, a.decayed_weight, a.counts, a.channels, a.spend, a.priced_purchases,
                  a.first_ts);
}

}  // namespace

const char* EventTypeName(EventType type) { return kTypeNames[static_cast<int>(type)]; }

bool ParseEventType(const std::string& name, EventType* out) {
  for (int i = 0; i < kEventTypeCount; ++i) {
    if (name == kTypeNames[i]) {
      *out = static_cast<EventType>(i);
      return true;
    }
  }
  return false;
}

std::string ContentEventId(const Event& e) {
  char number[64];
  std::string text = std::string(EventTypeName(e.type)) + '\x1f' + e.item + '\x1f' + e.channel + '\x1f';
  std::snprintf(number, sizeof number, "%.17g\x1f%.17g", e.ts, e.has_value() ? e.value : 0.0);
  text += number;
  text += e.has_value() ? "v" : "-";
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  // Two independent CRCs (the second seeded differently) give 64 bits: plenty for one user's events.
  const uint32_t h1 = Crc32(bytes, text.size());
  const uint32_t h2 = Crc32(bytes, text.size(), 0x9E3779B9u);
  char id[24];
  std::snprintf(id, sizeof id, "h:%08x%08x", h1, h2);
  return id;
}

bool ItemAggregate::operator==(const ItemAggregate& o) const { return ContentKey(*this) == ContentKey(o); }

double DecayFactor(double dt_ms, double half_life_ms) {
  if (half_life_ms <= 0) return 1.0;
  return std::exp2(-dt_ms / half_life_ms);
}

double EventHistory::latest_ts() const {
  double latest = events_.empty() ? 0.0 : events_.back().ts;
  for (const auto& [item, a] : aggregates_) latest = std::max(latest, a.watermark_ts);
  return latest;
}

bool EventHistory::Add(Event event) {
  if (ids_.count(event.id)) return false;
  auto agg = aggregates_.find(event.item);
  if (agg != aggregates_.end() &&
      !EventBefore(agg->second.watermark_ts, agg->second.watermark_id, event.ts, event.id))
    return false;  // folded into the aggregate already
  auto pos = std::upper_bound(events_.begin(), events_.end(), event, [](const Event& a, const Event& b) {
    return EventBefore(a.ts, a.id, b.ts, b.id);
  });
  ids_.insert(event.id);
  events_.insert(pos, std::move(event));
  return true;
}

void EventHistory::DropCoveredEvents() {
  auto covered = [this](const Event& e) {
    auto agg = aggregates_.find(e.item);
    return agg != aggregates_.end() && !EventBefore(agg->second.watermark_ts, agg->second.watermark_id, e.ts, e.id);
  };
  for (const Event& e : events_)
    if (covered(e)) ids_.erase(e.id);
  events_.erase(std::remove_if(events_.begin(), events_.end(), covered), events_.end());
}

void EventHistory::Merge(const EventHistory& other) {
  for (const auto& [item, theirs] : other.aggregates_) {
    auto [it, fresh] = aggregates_.try_emplace(item, theirs);
    if (fresh) continue;
    ItemAggregate& mine = it->second;
    if (ContentKey(mine) < ContentKey(theirs)) mine = theirs;  // watermark first, so the later one wins
  }
  for (const Event& e : other.events_)
    if (!ids_.count(e.id)) {
      auto pos = std::upper_bound(events_.begin(), events_.end(), e, [](const Event& a, const Event& b) {
        return EventBefore(a.ts, a.id, b.ts, b.id);
      });
      ids_.insert(e.id);
      events_.insert(pos, e);
    }
  DropCoveredEvents();
}

void EventHistory::Clear() {
  events_.clear();
  events_.shrink_to_fit();
  ids_.clear();
  aggregates_.clear();
}

void EventHistory::SetAggregate(const std::string& item, ItemAggregate aggregate) {
  aggregates_[item] = std::move(aggregate);
  DropCoveredEvents();
}

}  // namespace zhixuan

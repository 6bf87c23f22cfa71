// The readable side of the profile: interest tags, spending tier, segment, channels, recency,
// and the "because" behind each recommendation.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

#include "zhixuan/profile/profile.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;
constexpr double kDayMs = 86400e3;
constexpr size_t kTopTags = 10;

// Where `value` falls among the sorted catalog prices, as the fraction of prices <= value.
double PriceQuantile(const std::vector<double>& sorted_prices, double value) {
  if (sorted_prices.empty()) return std::nan("");
  const auto it = std::upper_bound(sorted_prices.begin(), sorted_prices.end(), value);
  return static_cast<double>(it - sorted_prices.begin()) / static_cast<double>(sorted_prices.size());
}

const char* TierOf(double quantile) {
  if (!(quantile == quantile)) return "unknown";
  if (quantile <= 1.0 / 3) return "budget";
  if (quantile <= 2.0 / 3) return "mid";
  return "premium";
}

}  // namespace

const char* ReasonKindName(Reason::Kind kind) {
  switch (kind) {
    case Reason::Kind::kItem: return "item";
    case Reason::Kind::kTag: return "tag";
    case Reason::Kind::kExplore: return "explore";
    default: return "none";
  }
}

std::vector<std::pair<std::string, double>> Profile::TagWeights() const {
  std::map<std::string, double> tags;
  const Catalog* catalog = rec_->catalog();
  if (catalog == nullptr) return {};
  for (const auto& [item, w] : item_weight_) {
    if (w <= 0) continue;  // dismissed / refunded items say nothing about interests
    if (const CatalogItem* c = catalog->find(item))
      for (const std::string& t : c->tags) tags[t] += w;
  }
  std::vector<std::pair<std::string, double>> out(tags.begin(), tags.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  return out;
}

StatusOr<Reason> Profile::Because(int32_t row) {
  if (row < 0 || row >= rec_->item_count()) return Status(StatusCode::kUnknownItem, "item row is out of range");
  ZX_RETURN_IF_ERROR(RefreshIfModelGrew());
  Reason reason;
  auto parts = foldin_.Contributions(row);
  if (!parts.ok()) return parts.status();
  double positive = 0, best = 0;
  int32_t best_row = -1;
  for (const auto& [r, c] : *parts) {
    if (c <= 0) continue;
    positive += c;
    if (c > best) {
      best = c;
      best_row = r;
    }
  }
  if (best_row >= 0) {
    reason.kind = Reason::Kind::kItem;
    reason.item = item_of_row_.count(best_row) ? item_of_row_.at(best_row) : std::string(rec_->item_ids()[best_row]);
    reason.share = best / positive;
    return reason;
  }
  // No history item pulls it up (e.g. a cold history): the user's strongest tag it carries.
  if (const CatalogItem* item = rec_->CatalogItemOf(row)) {
    for (const auto& [tag, w] : TagWeights()) {
      if (std::find(item->tags.begin(), item->tags.end(), tag) != item->tags.end()) {
        reason.kind = Reason::Kind::kTag;
        reason.tag = tag;
        return reason;
      }
    }
  }
  return reason;
}

StatusOr<ProfileRecommendation> Profile::Recommend(int k, const Filter& filter, const std::vector<int32_t>& exclude_rows) {
  auto x = UserVector();
  if (!x.ok()) return x.status();
  Query q;
  q.user_vector = x->data();
  q.k = k;
  q.exclude_rows = SeenRows();
  q.exclude_rows.insert(q.exclude_rows.end(), exclude_rows.begin(), exclude_rows.end());
  q.filter = filter;
  auto top = rec_->Recommend(q);
  if (!top.ok()) return top.status();
  ProfileRecommendation out;
  out.top = std::move(top).value();
  for (int32_t row : out.top.rows) {
    auto reason = Because(row);
    if (!reason.ok()) return reason.status();
    out.reasons.push_back(std::move(reason).value());
  }
  return out;
}

StatusOr<std::string> Profile::SummaryJson(double now_ms) {
  if (!std::isfinite(now_ms)) return InvalidArgument("now must be a finite time in ms");
  auto x = UserVector();
  if (!x.ok()) return x.status();
  Json out;
  out["model_version"] = rec_->model().manifest.model_version;

  // Interest tags, decayed weights; share = part of the total.
  const auto tags = TagWeights();
  double tag_total = 0;
  for (const auto& t : tags) tag_total += t.second;
  Json tag_list = Json::array();
  for (size_t i = 0; i < tags.size() && i < kTopTags; ++i)
    tag_list.push_back({{"tag", tags[i].first}, {"weight", tags[i].second}, {"share", tags[i].second / tag_total}});
  out["tags"] = tag_list;

  // Counts, channels, spending, recency over raw events and folded aggregates.
  std::array<int64_t, kEventTypeCount> counts{};
  std::map<std::string, int64_t> channels;
  std::map<std::string, double> channel_last;
  double spend = 0, first = 0, last = history_.latest_ts();
  int64_t priced = 0, last7 = 0, last30 = 0;
  bool any = false;
  for (const auto& [item, a] : history_.aggregates()) {
    for (int t = 0; t < kEventTypeCount; ++t) counts[t] += a.counts[t];
    for (const auto& [ch, n] : a.channels) channels[ch] += n;
    spend += a.spend;
    priced += a.priced_purchases;
    first = any ? std::min(first, a.first_ts) : a.first_ts;
    any = true;
  }
  for (const Event& e : history_.events()) {
    counts[static_cast<int>(e.type)] += 1;
    channels[e.channel] += 1;
    channel_last[e.channel] = std::max(channel_last[e.channel], e.ts);
    const double amount = PriceOf(e);
    if (amount == amount) {
      if (e.type == EventType::kPurchase) {
        spend += amount;
        ++priced;
      } else if (e.type == EventType::kRefund) {
        spend -= amount;
      }
    }
    first = any ? std::min(first, e.ts) : e.ts;
    any = true;
    if (now_ms - e.ts <= 7 * kDayMs) ++last7;
    if (now_ms - e.ts <= 30 * kDayMs) ++last30;
  }
  Json count_json = Json::object();
  int64_t total = 0;
  for (int t = 0; t < kEventTypeCount; ++t) {
    if (counts[t]) count_json[EventTypeName(static_cast<EventType>(t))] = counts[t];
    total += counts[t];
  }
  out["counts"] = count_json;
  std::vector<std::pair<std::string, int64_t>> channel_list(channels.begin(), channels.end());
  std::sort(channel_list.begin(), channel_list.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  Json channel_json = Json::array();
  for (const auto& [ch, n] : channel_list) {
    Json c = {{"channel", ch}, {"count", n}};
    if (channel_last.count(ch)) c["last"] = channel_last[ch];
    channel_json.push_back(c);
  }
  out["channels"] = channel_json;

  std::vector<double> prices;
  if (const Catalog* catalog = rec_->catalog())
    for (const CatalogItem& item : catalog->items)
      if (item.price == item.price) prices.push_back(item.price);
  std::sort(prices.begin(), prices.end());
  const double average = priced > 0 ? std::max(0.0, spend) / static_cast<double>(priced) : std::nan("");
  const double quantile = priced > 0 ? PriceQuantile(prices, average) : std::nan("");
  Json spending = {{"tier", TierOf(quantile)}, {"purchases", priced}, {"total", std::max(0.0, spend)}};
  spending["average"] = priced > 0 ? Json(average) : Json();
  spending["quantile"] = quantile == quantile ? Json(quantile) : Json();
  out["spending"] = spending;

  // Segment: nearest centroid of the shipped segment_centroids [S, d] F32, if any.
  out["segment"] = Json();
  const auto& extras = rec_->model().extras;
  if (auto it = extras.find("segment_centroids"); it != extras.end() && any) {
    const TensorData& t = it->second;
    const int d = rec_->dim();
    if (t.dtype == DType::kF32 && t.shape.size() == 2 && t.shape[1] == d && t.shape[0] > 0 &&
        t.bytes.size() == static_cast<size_t>(t.shape[0]) * d * 4) {
      double best = 0;
      int64_t best_s = -1;
      std::vector<float> c(d);
      for (int64_t s = 0; s < t.shape[0]; ++s) {
        std::memcpy(c.data(), t.bytes.data() + static_cast<size_t>(s) * d * 4, static_cast<size_t>(d) * 4);
        double dist = 0;
        for (int j = 0; j < d; ++j) dist += (c[j] - (*x)[j]) * static_cast<double>(c[j] - (*x)[j]);
        if (best_s < 0 || dist < best) {
          best = dist;
          best_s = s;
        }
      }
      Json seg = {{"index", best_s}, {"distance", std::sqrt(best)}};
      if (best_s < static_cast<int64_t>(config_.segment_names.size())) seg["name"] = config_.segment_names[best_s];
      out["segment"] = seg;
    }
  }

  Json recency = {{"events_7d", last7}, {"events_30d", last30}, {"total_events", total},
                  {"raw_events", history_.events().size()}, {"folded_items", history_.aggregates().size()}};
  recency["first"] = any ? Json(first) : Json();
  recency["last"] = any ? Json(last) : Json();
  recency["days_since_last"] = any ? Json(std::max(0.0, (now_ms - last) / kDayMs)) : Json();
  out["recency"] = recency;
  return out.dump();
}

}  // namespace zhixuan

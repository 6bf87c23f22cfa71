#include "zhixuan/profile/profile.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "zhixuan/profile/profile_blob.hpp"

namespace zhixuan {
namespace {

// A time in ms as a whole number for messages; a cast to int64 is undefined beyond its range
// (a hostile ts of 1e308 reached one: fuzz regression profile_event/future_ts_beyond_int64).
std::string WholeNumber(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", ms);
  return text;
}

using Json = nlohmann::json;

Status BadEvent(std::string m) { return InvalidArgument("event." + std::move(m)); }

StatusOr<std::string> ReadId(const Json& j, const char* key) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  return BadEvent(std::string(key) + " must be a string");
}

}  // namespace

StatusOr<std::unique_ptr<Profile>> Profile::Create(const Recommender* rec) {
  if (rec == nullptr) return Status(StatusCode::kInternal, "profile needs a recommender");
  std::unique_ptr<Profile> p(new Profile(rec));
  auto config = ParseProfileConfig(rec->model().manifest.json);
  if (!config.ok()) return config.status();
  p->config_ = std::move(config).value();
  ZX_RETURN_IF_ERROR(p->Rebind(rec));
  return p;
}

StatusOr<std::string> Profile::ResolveItem(const std::string& id) const {
  if (const Catalog* catalog = rec_->catalog()) {
    if (const CatalogItem* item = catalog->find(id)) return item->id;
  }
  const int32_t row = rec_->RowOf(id);
  if (row >= 0) return std::string(rec_->item_ids()[row]);
  return Status(StatusCode::kUnknownItem, "event.item '" + id + "' is in neither the model nor the catalog");
}

double Profile::PriceOf(const Event& e) const {
  if (e.has_value()) return e.value;
  if (const Catalog* catalog = rec_->catalog())
    if (const CatalogItem* item = catalog->find(e.item)) return item->price;
  return std::nan("");
}

StatusOr<PreparedEvent> Profile::Prepare(const std::string& event_json, double now_ms) const {
  if (event_json.size() > kMaxEventJsonBytes) return Status(StatusCode::kTooLarge, "event is larger than 64 KiB");
  Json j = Json::parse(event_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("event must be an object {type, item, channel, ts, id?, value?}");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "id" && k != "type" && k != "item" && k != "channel" && k != "ts" && k != "value")
      return BadEvent(k + " is not a known field (id, type, item, channel, ts, value)");
  }
  EventInput in;
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return BadEvent("type must be a string");
  in.type = type->get<std::string>();
  auto item = j.find("item");
  if (item == j.end()) return BadEvent("item is missing");
  auto item_id = ReadId(*item, "item");
  if (!item_id.ok()) return item_id.status();
  in.item = std::move(item_id).value();
  auto channel = j.find("channel");
  if (channel == j.end() || !channel->is_string()) return BadEvent("channel must be a string (web, h5, app, mini-program, ...)");
  in.channel = channel->get<std::string>();
  auto ts = j.find("ts");
  if (ts == j.end() || !ts->is_number()) return BadEvent("ts must be a number (ms since the Unix epoch)");
  in.ts = ts->get<double>();
  if (auto value = j.find("value"); value != j.end() && !value->is_null()) {
    if (!value->is_number()) return BadEvent("value must be a finite number");
    in.value = value->get<double>();
    in.has_value = true;
  }
  if (auto id = j.find("id"); id != j.end() && !id->is_null()) {
    auto s = ReadId(*id, "id");
    if (!s.ok()) return s.status();
    in.id = std::move(s).value();
    in.has_id = true;
  }
  return Prepare(in, now_ms);
}

StatusOr<PreparedEvent> Profile::Prepare(const EventInput& in, double now_ms) const {
  if (!std::isfinite(now_ms)) return InvalidArgument("now must be a finite time in ms");
  PreparedEvent out;
  Event& e = out.event;
  if (!ParseEventType(in.type, &e.type))
    return Status(StatusCode::kUnknownEvent, "event.type '" + in.type +
                                                 "' is unknown (view, click, favorite, add_to_cart, purchase, start, "
                                                 "complete, rate, dismiss, refund)");
  auto canonical = ResolveItem(in.item);
  if (!canonical.ok()) return canonical.status();
  e.item = std::move(canonical).value();
  if (in.channel.empty() || in.channel.size() > kMaxChannelBytes)
    return BadEvent("channel must be a non-empty string of at most 64 bytes (web, h5, app, mini-program, ...)");
  e.channel = in.channel;
  e.ts = in.ts;
  if (!std::isfinite(e.ts) || e.ts < 0) return BadEvent("ts must be a finite time >= 0 in ms");
  if (e.ts > now_ms + config_.future_tolerance_ms)
    return BadEvent("ts " + WholeNumber(e.ts) + " is in the future (now " + WholeNumber(now_ms) +
                    "); ts is in ms, not seconds or µs");
  if (in.has_value) {
    if (!std::isfinite(in.value)) return BadEvent("value must be a finite number");
    e.value = in.value;
    if (std::fabs(e.value) > config_.max_value)
      return BadEvent("value " + std::to_string(e.value) + " is beyond the limit " + std::to_string(config_.max_value));
  }
  if (e.type == EventType::kRate) {
    if (!e.has_value() || e.value < 0 || e.value > config_.rate_scale)
      return BadEvent("value of a rate event must be in [0, " + std::to_string(config_.rate_scale) + "]");
  }
  if ((e.type == EventType::kPurchase || e.type == EventType::kRefund) && e.has_value() && e.value < 0)
    return BadEvent("value (amount) of a purchase or refund must be >= 0");
  if (in.has_id) {
    if (in.id.empty() || in.id.size() > kMaxEventIdBytes) return BadEvent("id must be 1..128 bytes");
    e.id = in.id;
  } else {
    e.id = ContentEventId(e);
  }
  out.duplicate = history_.Contains(e.id);
  if (!out.duplicate) {
    auto agg = history_.aggregates().find(e.item);
    out.duplicate = agg != history_.aggregates().end() &&
                    !EventBefore(agg->second.watermark_ts, agg->second.watermark_id, e.ts, e.id);
  }
  if (!out.duplicate) {
    out.seq = last_seq_ + 1;
    out.record = EncodeLogRecord(out.seq, e);
  }
  return out;
}

Status Profile::Commit(const PreparedEvent& prepared) {
  if (prepared.duplicate) return Status::Ok();
  ZX_RETURN_IF_ERROR(RefreshIfModelGrew());
  const Event& e = prepared.event;
  if (!history_.Add(e)) return Status::Ok();
  last_seq_ = std::max(last_seq_, prepared.seq);
  const double asof = config_.AsOf(history_.latest_ts());
  if (asof != asof_) {
    ZX_RETURN_IF_ERROR(Refold());
  } else {
    double& w = item_weight_[e.item];
    w += config_.WeightOf(e) * DecayFactor(asof_ - e.ts, config_.half_life_ms);
    const int32_t row = rec_->RowOf(e.item);
    if (row >= 0) {
      item_of_row_[row] = e.item;
      ZX_RETURN_IF_ERROR(foldin_.SetWeight(row, w));
    }
  }
  CompactIfNeeded();
  return Status::Ok();
}

Status Profile::CommitRecord(const uint8_t* record, size_t size) {
  auto decoded = DecodeLogRecord(record, size);
  if (!decoded.ok()) return decoded.status();
  PreparedEvent prepared;
  prepared.seq = decoded->seq;
  prepared.event = std::move(decoded->event);
  return Commit(prepared);
}

StatusOr<bool> Profile::Track(const std::string& event_json, double now_ms) {
  auto prepared = Prepare(event_json, now_ms);
  if (!prepared.ok()) return prepared.status();
  ZX_RETURN_IF_ERROR(Commit(*prepared));
  return !prepared->duplicate;
}

void Profile::CompactIfNeeded() {
  // Weights are unchanged by folding (the aggregate keeps the decayed sum), so the vector stays.
  history_.Compact(config_.max_events, config_.half_life_ms, [this](const Event& e) { return config_.WeightOf(e); },
                   [this](const Event& e) { return PriceOf(e); });
}

double Profile::ItemWeight(const std::string& item) const {
  auto it = item_weight_.find(item);
  return it == item_weight_.end() ? 0.0 : it->second;
}

std::vector<std::pair<std::string, double>> Profile::ItemWeights() const {
  std::vector<std::pair<std::string, double>> out(item_weight_.begin(), item_weight_.end());
  std::sort(out.begin(), out.end());
  return out;
}

Status Profile::Refold() {
  asof_ = config_.AsOf(history_.latest_ts());
  folded_item_count_ = rec_->item_count();
  item_weight_.clear();
  item_of_row_.clear();
  for (const auto& [item, a] : history_.aggregates())
    item_weight_[item] += a.decayed_weight * DecayFactor(asof_ - a.watermark_ts, config_.half_life_ms);
  for (const Event& e : history_.events())
    item_weight_[e.item] += config_.WeightOf(e) * DecayFactor(asof_ - e.ts, config_.half_life_ms);
  std::vector<int32_t> rows;
  std::vector<double> weights;
  for (const auto& [item, w] : item_weight_) {
    const int32_t row = rec_->RowOf(item);
    if (row < 0 || item_of_row_.count(row)) continue;
    item_of_row_[row] = item;
    rows.push_back(row);
    weights.push_back(w);
  }
  return foldin_.Reset(rows.data(), weights.data(), static_cast<int64_t>(rows.size()));
}

Status Profile::RefreshIfModelGrew() {
  if (rec_->item_count() != folded_item_count_) return Refold();
  return Status::Ok();
}

Status Profile::Rebind(const Recommender* rec) {
  auto foldin = IncrementalFoldIn::Create(&rec->model(), rec->model().manifest.foldin);
  if (!foldin.ok()) return foldin.status();
  rec_ = rec;
  foldin_ = std::move(foldin).value();
  // Items stored under a catalog alias or an id this model now maps differently stay as they are:
  // ids are canonical already; unknown ones simply do not fold.
  return Refold();
}

StatusOr<std::vector<float>> Profile::UserVector() {
  ZX_RETURN_IF_ERROR(RefreshIfModelGrew());
  return foldin_.Solve();
}

std::vector<int32_t> Profile::SeenRows() const {
  std::vector<int32_t> rows;
  for (const auto& [item, w] : item_weight_) {
    const int32_t row = rec_->RowOf(item);
    if (row >= 0) rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<uint8_t> Profile::Export() const {
  return EncodeProfileBlob(history_, BlobKind::kExport, 0, rec_->model().manifest.model_version);
}

std::vector<uint8_t> Profile::Snapshot() const {
  return EncodeProfileBlob(history_, BlobKind::kSnapshot, last_seq_, rec_->model().manifest.model_version);
}

Status Profile::Import(const uint8_t* bytes, size_t size) {
  auto blob = DecodeProfileBlob(bytes, size);
  if (!blob.ok()) return blob.status();
  EventHistory merged = history_;
  merged.Merge(blob->history);
  std::swap(history_, merged);
  CompactIfNeeded();
  Status s = Refold();
  if (!s.ok()) {
    std::swap(history_, merged);  // keep the profile as it was
    Status back = Refold();
    (void)back;
    return s;
  }
  ++last_seq_;
  return s;
}

Status Profile::Restore(const std::vector<ByteRecord>& snapshots, const std::vector<ByteRecord>& log_records,
                        std::vector<std::string>* warnings) {
  RecoveredProfile report;
  Status s = Restore(snapshots, log_records, &report);
  if (warnings) *warnings = std::move(report.warnings);
  return s;
}

Status Profile::Restore(const std::vector<ByteRecord>& snapshots, const std::vector<ByteRecord>& log_records,
                        RecoveredProfile* report) {
  *report = RecoverProfile(snapshots, log_records);
  history_ = std::move(report->history);
  report->history.Clear();
  last_seq_ = report->last_seq;
  CompactIfNeeded();
  return Refold();
}

void Profile::Forget() {
  history_.Clear();
  last_seq_ = 0;
  Status s = Refold();  // an empty history cannot fail to fold
  (void)s;
}

}  // namespace zhixuan

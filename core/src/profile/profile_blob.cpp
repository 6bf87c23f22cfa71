#include "zhixuan/profile/profile_blob.hpp"

#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "zhixuan/profile/record_frame.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;

constexpr char kMagic[4] = {'Z', 'X', 'P', 'F'};
constexpr size_t kFieldBytes = 12;  // u16 version | u16 kind | u64 seq

Status Malformed(std::string m) { return Status(StatusCode::kMalformedPayload, "profile blob: " + std::move(m)); }

Json EventJson(const Event& e) {
  return Json::array({e.id, EventTypeName(e.type), e.item, e.channel, e.ts, e.has_value() ? Json(e.value) : Json()});
}

StatusOr<Event> EventFromJson(const Json& j) {
  if (!j.is_array() || j.size() != 6 || !j[0].is_string() || !j[1].is_string() || !j[2].is_string() ||
      !j[3].is_string() || !j[4].is_number() || !(j[5].is_null() || j[5].is_number()))
    return Malformed("an event is not [id, type, item, channel, ts, value|null]");
  Event e;
  e.id = j[0].get<std::string>();
  if (!ParseEventType(j[1].get<std::string>(), &e.type)) return Malformed("unknown event type '" + j[1].get<std::string>() + "'");
  e.item = j[2].get<std::string>();
  e.channel = j[3].get<std::string>();
  e.ts = j[4].get<double>();
  if (j[5].is_number()) e.value = j[5].get<double>();
  ZX_RETURN_IF_ERROR(ValidateStoredEvent(e));
  return e;
}

Json AggregateJson(const ItemAggregate& a) {
  Json counts = Json::object();
  for (int t = 0; t < kEventTypeCount; ++t)
    if (a.counts[t]) counts[EventTypeName(static_cast<EventType>(t))] = a.counts[t];
  return Json{{"wm_ts", a.watermark_ts}, {"wm_id", a.watermark_id}, {"weight", a.decayed_weight},
              {"counts", counts},        {"channels", a.channels},   {"spend", a.spend},
              {"priced", a.priced_purchases}, {"first_ts", a.first_ts}};
}

bool FiniteNumber(const Json& j, const char* key, double* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return false;
  *out = it->get<double>();
  return std::isfinite(*out);
}

StatusOr<ItemAggregate> AggregateFromJson(const std::string& item, const Json& j) {
  const std::string where = "aggregate of '" + item + "'";
  ItemAggregate a;
  double priced = 0;
  if (!j.is_object() || !FiniteNumber(j, "wm_ts", &a.watermark_ts) || !FiniteNumber(j, "weight", &a.decayed_weight) ||
      !FiniteNumber(j, "spend", &a.spend) || !FiniteNumber(j, "priced", &priced) ||
      !FiniteNumber(j, "first_ts", &a.first_ts) || !j.contains("wm_id") || !j["wm_id"].is_string())
    return Malformed(where + " lacks a field or holds a non-finite number");
  a.watermark_id = j["wm_id"].get<std::string>();
  a.priced_purchases = static_cast<int64_t>(priced);
  auto counts = j.find("counts");
  auto channels = j.find("channels");
  if (counts == j.end() || !counts->is_object() || channels == j.end() || !channels->is_object())
    return Malformed(where + " counts/channels are not objects");
  for (auto it = counts->begin(); it != counts->end(); ++it) {
    EventType t;
    if (!ParseEventType(it.key(), &t) || !it->is_number_integer() || it->get<int64_t>() < 0)
      return Malformed(where + " has a bad count '" + it.key() + "'");
    a.counts[static_cast<int>(t)] = it->get<int64_t>();
  }
  for (auto it = channels->begin(); it != channels->end(); ++it) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0) return Malformed(where + " has a bad channel count");
    a.channels[it.key()] = it->get<int64_t>();
  }
  return a;
}

}  // namespace

Status ValidateStoredEvent(const Event& e) {
  if (e.id.empty() || e.id.size() > kMaxEventIdBytes) return Malformed("an event id is empty or longer than 128 bytes");
  if (e.item.empty() || e.item.size() > 256) return Malformed("event '" + e.id + "' has an empty or over-long item");
  if (e.channel.size() > kMaxChannelBytes) return Malformed("event '" + e.id + "' has a channel longer than 64 bytes");
  if (!std::isfinite(e.ts) || e.ts < 0) return Malformed("event '" + e.id + "' has a bad timestamp");
  if (e.has_value() && !std::isfinite(e.value)) return Malformed("event '" + e.id + "' has a non-finite value");
  return Status::Ok();
}

std::string EventToJsonArray(const Event& event) { return EventJson(event).dump(); }

StatusOr<Event> EventFromJsonArray(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Malformed("an event is not valid JSON");
  return EventFromJson(j);
}

std::vector<uint8_t> EncodeProfileBlob(const EventHistory& history, BlobKind kind, uint64_t seq,
                                       const std::string& model_version) {
  Json events = Json::array();
  for (const Event& e : history.events()) events.push_back(EventJson(e));
  Json aggregates = Json::object();
  for (const auto& [item, a] : history.aggregates()) aggregates[item] = AggregateJson(a);
  const std::string json = Json{{"model_version", model_version}, {"events", events}, {"aggregates", aggregates}}.dump();
  std::vector<uint8_t> fields;
  PutU16(&fields, kProfileBlobVersion);
  PutU16(&fields, static_cast<uint16_t>(kind));
  PutU64(&fields, seq);
  return EncodeFrame(kMagic, fields, json);
}

StatusOr<ProfileBlob> DecodeProfileBlob(const uint8_t* bytes, size_t size) {
  if (size > kMaxProfileBlobBytes) return Status(StatusCode::kTooLarge, "profile blob is larger than 64 MiB");
  auto frame = FrameReader::Open(bytes, size, kMagic, kFieldBytes, "profile blob");
  if (!frame.ok()) return frame.status();
  const uint16_t version = GetU16(frame->fields());
  if (version == 0 || version > kProfileBlobVersion)
    return Status(StatusCode::kUnsupported, "profile blob format " + std::to_string(version) + " is newer than this SDK (" +
                                                std::to_string(kProfileBlobVersion) + ")");
  const uint16_t kind = GetU16(frame->fields() + 2);
  if (kind > 1) return Malformed("unknown blob kind " + std::to_string(kind));
  auto body = frame->Body();
  if (!body.ok()) return body.status();
  Json j = Json::parse(body->begin(), body->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed("payload is not a JSON object");
  auto events = j.find("events");
  auto aggregates = j.find("aggregates");
  if (events == j.end() || !events->is_array() || aggregates == j.end() || !aggregates->is_object())
    return Malformed("payload lacks 'events' (array) or 'aggregates' (object)");
  if (static_cast<int64_t>(events->size()) > kMaxBlobEvents) return Status(StatusCode::kTooLarge, "profile blob holds over 1e6 events");
  ProfileBlob blob;
  blob.kind = static_cast<BlobKind>(kind);
  blob.seq = GetU64(frame->fields() + 4);
  if (auto mv = j.find("model_version"); mv != j.end() && mv->is_string()) blob.model_version = mv->get<std::string>();
  for (auto it = aggregates->begin(); it != aggregates->end(); ++it) {
    auto a = AggregateFromJson(it.key(), *it);
    if (!a.ok()) return a.status();
    blob.history.SetAggregate(it.key(), std::move(a).value());
  }
  for (const Json& ej : *events) {
    auto e = EventFromJson(ej);
    if (!e.ok()) return e.status();
    blob.history.Add(std::move(e).value());
  }
  return blob;
}

}  // namespace zhixuan

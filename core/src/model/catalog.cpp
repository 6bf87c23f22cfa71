#include "zhixuan/model/catalog.hpp"

#include <cmath>
#include <map>
#include <string_view>

#include "zhixuan/base/json_reader.hpp"

namespace zhixuan {
namespace {

Status ReadStringList(const JsonValue& item, const char* key, const std::string& where, std::vector<std::string>* out) {
  const JsonValue list = item.Find(key);
  if (!list.exists() || list.is_null()) return Status::Ok();
  if (!list.is_array()) return MalformedCatalog(where + " field '" + key + "' is not an array of strings");
  if (list.size() > kMaxTagsPerItem) return MalformedCatalog(where + " has more than 64 " + key);
  for (JsonValue v : list.elements()) {
    if (!v.is_string()) return MalformedCatalog(where + " field '" + key + "' holds a non-string");
    out->push_back(TruncateUtf8(std::string(v.as_string()), 256));
  }
  return Status::Ok();
}

Status ReadText(const JsonValue& item, const char* key, size_t limit, const std::string& where, std::string* out) {
  const JsonValue text = item.Find(key);
  if (!text.exists() || text.is_null()) return Status::Ok();
  if (!text.is_string()) return MalformedCatalog(where + " field '" + key + "' is not a string");
  *out = TruncateUtf8(std::string(text.as_string()), limit);
  return Status::Ok();
}

Status ParseItem(const JsonValue& item, size_t position, CatalogItem* out) {
  std::string where = "catalog item #" + std::to_string(position);
  if (!item.is_object()) return MalformedCatalog(where + " is not an object");
  const JsonValue id = item.Find("id");
  if (!id.exists()) return MalformedCatalog(where + " has no id");
  if (id.is_integer()) out->id = std::to_string(id.as_int64());
  else if (id.is_string()) out->id = std::string(id.as_string());
  else return MalformedCatalog(where + " id is not a string");
  if (out->id.empty() || out->id.size() > 256) return MalformedCatalog(where + " id is empty or longer than 256 bytes");
  where += " ('" + out->id + "')";
  ZX_RETURN_IF_ERROR(ReadText(item, "title", kMaxTitleBytes, where, &out->title));
  ZX_RETURN_IF_ERROR(ReadText(item, "description", kMaxDescriptionBytes, where, &out->description));
  ZX_RETURN_IF_ERROR(ReadStringList(item, "tags", where, &out->tags));
  ZX_RETURN_IF_ERROR(ReadStringList(item, "channels", where, &out->channels));
  const JsonValue price = item.Find("price");
  if (price.exists() && !price.is_null()) {
    if (!price.is_number() || !std::isfinite(price.as_double()) || price.as_double() < 0)
      return MalformedCatalog(where + " price is not a finite non-negative number");
    out->price = price.as_double();
  }
  const JsonValue available = item.Find("available");
  if (available.exists() && !available.is_null()) {
    if (!available.is_bool()) return MalformedCatalog(where + " available is not a boolean");
    out->available = available.as_bool();
  }
  const JsonValue aliases = item.Find("aliases");
  if (aliases.exists() && !aliases.is_null()) {
    if (!aliases.is_object()) return MalformedCatalog(where + " aliases is not an object {channel: id}");
    // By channel name, a repeated channel keeping its last id (the order nlohmann gave).
    std::map<std::string_view, JsonValue> by_channel;
    for (const auto& [channel, alias] : aliases.members()) by_channel[channel] = alias;
    for (const auto& [channel, alias] : by_channel) {
      if (!alias.is_string() || alias.as_string().empty() || alias.as_string().size() > 256)
        return MalformedCatalog(where + " alias for channel '" + std::string(channel) + "' is not a non-empty string id");
      out->aliases.emplace_back(std::string(channel), std::string(alias.as_string()));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string TruncateUtf8(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // back off continuation bytes
  return text.substr(0, end);
}

const CatalogItem* Catalog::find(const std::string& id_or_alias) const {
  auto it = index.find(id_or_alias);
  return it == index.end() ? nullptr : &items[it->second];
}

StatusOr<std::vector<CatalogItem>> ParseCatalogItemsJson(const std::vector<std::string>& json_texts) {
  std::vector<CatalogItem> items;
  items.reserve(json_texts.size());
  for (size_t i = 0; i < json_texts.size(); ++i) {
    auto item = ParseCatalogItemJson(json_texts[i]);
    if (!item.ok()) return Status(item.status().code(), "items[" + std::to_string(i) + "]: " + item.status().message());
    items.push_back(std::move(item).value());
  }
  return items;
}

StatusOr<CatalogItem> ParseCatalogItemJson(const std::string& json_text) {
  JsonDocument doc;
  std::string error;
  if (!doc.Parse(json_text, &error)) return MalformedCatalog("catalog item is not valid JSON (" + error + ")");
  CatalogItem item;
  ZX_RETURN_IF_ERROR(ParseItem(doc.root(), 0, &item));
  return item;
}

StatusOr<Catalog> ParseCatalog(const std::string& json_text) {
  if (json_text.size() > kMaxCatalogBytes) return Status(StatusCode::kTooLarge, "catalog is larger than 256 MiB");
  JsonDocument doc;
  std::string error;
  if (!doc.Parse(json_text, &error)) return MalformedCatalog("catalog is not valid JSON (" + error + ")");
  const JsonValue j = doc.root();
  Catalog catalog;
  JsonValue items = j;
  if (j.is_object()) {
    items = j.Find("items");
    if (!items.is_array()) return MalformedCatalog("catalog object has no 'items' array");
    if (const JsonValue v = j.Find("version"); v.is_string()) catalog.version = std::string(v.as_string());
    if (const JsonValue v = j.Find("model_version"); v.is_string()) catalog.model_version = std::string(v.as_string());
  } else if (!j.is_array()) {
    return MalformedCatalog("catalog must be an object with 'items' or an array of items");
  }
  catalog.items.resize(items.size());
  catalog.index.reserve(items.size());
  size_t i = 0;
  for (JsonValue entry : items.elements()) {
    ZX_RETURN_IF_ERROR(ParseItem(entry, i, &catalog.items[i]));
    const CatalogItem& item = catalog.items[i];
    if (!catalog.index.emplace(item.id, static_cast<int32_t>(i)).second)
      return MalformedCatalog("catalog id '" + item.id + "' appears twice (or is another item's alias)");
    ++i;
  }
  for (size_t i = 0; i < catalog.items.size(); ++i) {
    for (const auto& [channel, alias] : catalog.items[i].aliases) {
      auto [it, inserted] = catalog.index.emplace(alias, static_cast<int32_t>(i));
      if (!inserted && it->second != static_cast<int32_t>(i))
        return MalformedCatalog("catalog alias '" + alias + "' (channel '" + channel + "') names two items");
    }
  }
  return catalog;
}

}  // namespace zhixuan

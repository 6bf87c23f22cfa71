#include "zhixuan/catalog.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace zhixuan {
namespace {

using Json = nlohmann::json;

Status ReadStringList(const Json& item, const char* key, const std::string& where, std::vector<std::string>* out) {
  auto it = item.find(key);
  if (it == item.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return MalformedCatalog(where + " field '" + key + "' is not an array of strings");
  if (it->size() > kMaxTagsPerItem) return MalformedCatalog(where + " has more than 64 " + key);
  for (const Json& v : *it) {
    if (!v.is_string()) return MalformedCatalog(where + " field '" + key + "' holds a non-string");
    out->push_back(TruncateUtf8(v.get<std::string>(), 256));
  }
  return Status::Ok();
}

Status ReadText(const Json& item, const char* key, size_t limit, const std::string& where, std::string* out) {
  auto it = item.find(key);
  if (it == item.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return MalformedCatalog(where + " field '" + key + "' is not a string");
  *out = TruncateUtf8(it->get<std::string>(), limit);
  return Status::Ok();
}

Status ParseItem(const Json& item, size_t position, CatalogItem* out) {
  std::string where = "catalog item #" + std::to_string(position);
  if (!item.is_object()) return MalformedCatalog(where + " is not an object");
  auto id = item.find("id");
  if (id == item.end()) return MalformedCatalog(where + " has no id");
  if (id->is_number_integer()) out->id = std::to_string(id->get<int64_t>());
  else if (id->is_string()) out->id = id->get<std::string>();
  else return MalformedCatalog(where + " id is not a string");
  if (out->id.empty() || out->id.size() > 256) return MalformedCatalog(where + " id is empty or longer than 256 bytes");
  where += " ('" + out->id + "')";
  ZX_RETURN_IF_ERROR(ReadText(item, "title", kMaxTitleBytes, where, &out->title));
  ZX_RETURN_IF_ERROR(ReadText(item, "description", kMaxDescriptionBytes, where, &out->description));
  ZX_RETURN_IF_ERROR(ReadStringList(item, "tags", where, &out->tags));
  ZX_RETURN_IF_ERROR(ReadStringList(item, "channels", where, &out->channels));
  auto price = item.find("price");
  if (price != item.end() && !price->is_null()) {
    if (!price->is_number() || !std::isfinite(price->get<double>()) || price->get<double>() < 0)
      return MalformedCatalog(where + " price is not a finite non-negative number");
    out->price = price->get<double>();
  }
  auto available = item.find("available");
  if (available != item.end() && !available->is_null()) {
    if (!available->is_boolean()) return MalformedCatalog(where + " available is not a boolean");
    out->available = available->get<bool>();
  }
  auto aliases = item.find("aliases");
  if (aliases != item.end() && !aliases->is_null()) {
    if (!aliases->is_object()) return MalformedCatalog(where + " aliases is not an object {channel: id}");
    for (auto a = aliases->begin(); a != aliases->end(); ++a) {
      if (!a->is_string() || a->get<std::string>().empty() || a->get<std::string>().size() > 256)
        return MalformedCatalog(where + " alias for channel '" + a.key() + "' is not a non-empty string id");
      out->aliases.emplace_back(a.key(), a->get<std::string>());
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

StatusOr<CatalogItem> ParseCatalogItemJson(const std::string& json_text) {
  Json j = Json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return MalformedCatalog("catalog item is not valid JSON");
  CatalogItem item;
  ZX_RETURN_IF_ERROR(ParseItem(j, 0, &item));
  return item;
}

StatusOr<Catalog> ParseCatalog(const std::string& json_text) {
  if (json_text.size() > kMaxCatalogBytes) return Status(StatusCode::kTooLarge, "catalog is larger than 256 MiB");
  Json j = Json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return MalformedCatalog("catalog is not valid JSON");
  Catalog catalog;
  const Json* items = &j;
  if (j.is_object()) {
    auto it = j.find("items");
    if (it == j.end() || !it->is_array()) return MalformedCatalog("catalog object has no 'items' array");
    items = &*it;
    if (auto v = j.find("version"); v != j.end() && v->is_string()) catalog.version = v->get<std::string>();
    if (auto v = j.find("model_version"); v != j.end() && v->is_string()) catalog.model_version = v->get<std::string>();
  } else if (!j.is_array()) {
    return MalformedCatalog("catalog must be an object with 'items' or an array of items");
  }
  catalog.items.resize(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    ZX_RETURN_IF_ERROR(ParseItem((*items)[i], i, &catalog.items[i]));
    const CatalogItem& item = catalog.items[i];
    if (!catalog.index.emplace(item.id, static_cast<int32_t>(i)).second)
      return MalformedCatalog("catalog id '" + item.id + "' appears twice (or is another item's alias)");
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

// The catalog: what the platform sells, as JSON
//   {"version": "...", "model_version": "...optional...", "items": [
//     {"id": "c1", "title": "...", "description": "...", "tags": ["python"], "price": 99.0,
//      "channels": ["web", "mini-program"], "available": true,
//      "aliases": {"mini-program": "mp_1001"}}, ...]}
// or a bare array of items. Only "id" is required.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr size_t kMaxCatalogBytes = 256u << 20;
constexpr size_t kMaxTitleBytes = 4096;        // longer titles are truncated (at a UTF-8 boundary)
constexpr size_t kMaxDescriptionBytes = 65536;  // likewise
constexpr size_t kMaxTagsPerItem = 64;

struct CatalogItem {
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> tags;
  std::vector<std::string> channels;  // empty: sold everywhere
  double price = std::numeric_limits<double>::quiet_NaN();  // NaN: unknown
  bool available = true;
  std::vector<std::pair<std::string, std::string>> aliases;  // (channel, channel-specific id)
};

struct Catalog {
  std::string version;
  std::string model_version;  // if set, the model version this catalog was made for
  std::vector<CatalogItem> items;
  std::unordered_map<std::string, int32_t> index;  // canonical id and every alias -> items[]

  const CatalogItem* find(const std::string& id_or_alias) const;
};

// Validates and parses; names the offending item and field on error.
StatusOr<Catalog> ParseCatalog(const std::string& json_text);
// Parses one item object (also used by addItems on the device).
StatusOr<CatalogItem> ParseCatalogItemJson(const std::string& json_text);
// Parses each item object; an error names the item's index ("items[3]: ...").
StatusOr<std::vector<CatalogItem>> ParseCatalogItemsJson(const std::vector<std::string>& json_texts);

// Cuts a UTF-8 string to at most max_bytes without splitting a code point.
std::string TruncateUtf8(const std::string& text, size_t max_bytes);

}  // namespace zhixuan

#include "zhixuan/assist/course_facts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "zhixuan/assist/normalize.hpp"
#include "zhixuan/base/json_reader.hpp"

namespace zhixuan {
namespace {

constexpr size_t kMaxCourseCatalogBytes = 256u << 20;

Status Bad(const std::string& m) { return Status(StatusCode::kMalformedCatalog, m); }

Status OptionalString(JsonValue item, const char* key, const std::string& where, std::string* out) {
  const JsonValue v = item.Find(key);
  if (!v.exists() || v.is_null()) return Status::Ok();
  if (!v.is_string()) return Bad(where + ": '" + key + "' must be a string");
  *out = std::string(v.as_string().substr(0, 4096));
  return Status::Ok();
}

Status OptionalNumber(JsonValue item, const char* key, const std::string& where, double* out) {
  const JsonValue v = item.Find(key);
  if (!v.exists() || v.is_null()) return Status::Ok();
  if (!v.is_number() || !std::isfinite(v.as_double()) || v.as_double() < 0)
    return Bad(where + ": '" + key + "' must be a non-negative number");
  *out = v.as_double();
  return Status::Ok();
}

std::string Number(double v) {
  char buffer[32];
  if (std::fabs(v - std::round(v)) < 1e-9) std::snprintf(buffer, sizeof buffer, "%.0f", v);
  else std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

}  // namespace

StatusOr<CourseCatalog> CourseCatalog::Parse(const std::string& json_text) {
  if (json_text.size() > kMaxCourseCatalogBytes) return Status(StatusCode::kTooLarge, "catalog is larger than 256 MiB");
  JsonDocument doc;
  std::string error;
  if (!doc.Parse(json_text, &error)) return Bad("catalog is not valid JSON: " + error);
  JsonValue items = doc.root();
  if (items.is_object()) items = items.Find("items");
  if (!items.is_array()) return Bad("catalog must be an array of items or an object with an 'items' array");
  CourseCatalog catalog;
  size_t position = 0;
  for (JsonValue item : items.elements()) {
    std::string where = "items[" + std::to_string(position++) + "]";
    if (!item.is_object()) return Bad(where + " must be an object");
    CourseFacts c;
    const JsonValue id = item.Find("id");
    if (!id.is_string() || id.as_string().empty()) return Bad(where + ": 'id' must be a non-empty string");
    c.id = std::string(id.as_string());
    where += " ('" + c.id + "')";
    ZX_RETURN_IF_ERROR(OptionalString(item, "title", where, &c.title));
    ZX_RETURN_IF_ERROR(OptionalString(item, "teacher", where, &c.teacher));
    ZX_RETURN_IF_ERROR(OptionalNumber(item, "price", where, &c.price));
    ZX_RETURN_IF_ERROR(OptionalNumber(item, "hours", where, &c.hours));
    double lessons = -1, refund_days = -1;
    ZX_RETURN_IF_ERROR(OptionalNumber(item, "lessons", where, &lessons));
    ZX_RETURN_IF_ERROR(OptionalNumber(item, "refund_days", where, &refund_days));
    if (lessons > 100000 || refund_days > 3650) return Bad(where + ": 'lessons' or 'refund_days' is out of range");
    c.lessons = lessons < 0 ? -1 : static_cast<int32_t>(lessons);
    c.refund_days = refund_days < 0 ? -1 : static_cast<int32_t>(refund_days);
    const JsonValue tags = item.Find("tags");
    if (tags.exists() && !tags.is_null()) {
      if (!tags.is_array()) return Bad(where + ": 'tags' must be an array of strings");
      for (JsonValue t : tags.elements()) {
        if (!t.is_string()) return Bad(where + ": 'tags' must be an array of strings");
        if (c.tags.size() < 64) c.tags.emplace_back(t.as_string());
      }
    }
    if (!catalog.index_.emplace(c.id, static_cast<int32_t>(catalog.items_.size())).second)
      return Bad(where + ": 'id' is a duplicate");
    const int32_t row = static_cast<int32_t>(catalog.items_.size());
    for (const std::string& tag : c.tags) {
      const std::string key = NormalizeQuestion(tag);
      auto [it, added] = catalog.tag_index_.emplace(key, static_cast<int32_t>(catalog.tags_.size()));
      if (added) {
        catalog.tags_.push_back(key);
        catalog.tag_items_.emplace_back();
      }
      auto& list = catalog.tag_items_[it->second];
      if (list.empty() || list.back() != row) list.push_back(row);
    }
    catalog.items_.push_back(std::move(c));
  }
  return catalog;
}

const CourseFacts* CourseCatalog::find(const std::string& id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &items_[it->second];
}

bool CourseCatalog::FillTemplate(const std::string& text, const CourseFacts& c, const CourseDefaults& d, std::string* out) {
  double hours = c.hours;
  if (!(hours >= 0) && c.lessons >= 0) hours = std::round(c.lessons * d.minutes_per_lesson / 30.0) / 2.0;  // to the half hour
  out->clear();
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '{') {
      out->push_back(text[i++]);
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string::npos) {
      out->append(text, i, std::string::npos);
      break;
    }
    const std::string key = text.substr(i + 1, close - i - 1);
    std::string value;
    if (key == "title" && !c.title.empty()) value = c.title;
    else if (key == "teacher" && !c.teacher.empty()) value = c.teacher;
    else if (key == "price" && c.price >= 0) value = c.price == 0 ? std::string("免费") : Number(c.price) + " 元";
    else if (key == "lessons" && c.lessons >= 0) value = std::to_string(c.lessons);
    else if (key == "hours" && hours >= 0) value = Number(hours);
    else if (key == "days" && hours >= 0) value = Number(std::max(1.0, std::ceil(hours / d.hours_per_day)));
    else if (key == "refund_days") value = std::to_string(c.refund_days >= 0 ? c.refund_days : d.refund_days);
    else return false;
    out->append(value);
    i = close + 1;
  }
  return true;
}

std::vector<std::string> CourseCatalog::Related(std::string_view question, const std::vector<std::string>& entry_tags,
                                                int k, const std::string& exclude) const {
  std::vector<int32_t> named;
  for (size_t t = 0; t < tags_.size(); ++t) {
    // Two characters at least (a one-character tag would match everywhere).
    if (tags_[t].size() >= 4 || (tags_[t].size() >= 2 && static_cast<unsigned char>(tags_[t][0]) < 0x80))
      if (question.find(tags_[t]) != std::string_view::npos) named.push_back(static_cast<int32_t>(t));
  }
  for (const std::string& tag : entry_tags) {
    const auto it = tag_index_.find(NormalizeQuestion(tag));
    if (it != tag_index_.end()) named.push_back(it->second);
  }
  std::unordered_map<int32_t, double> score;
  for (int32_t t : named) {
    const double weight = 1.0 / std::log(2.0 + static_cast<double>(tag_items_[t].size()));
    for (int32_t row : tag_items_[t]) score[row] += weight;
  }
  std::vector<std::pair<double, int32_t>> ranked;
  for (const auto& [row, s] : score)
    if (items_[row].id != exclude) ranked.emplace_back(s, row);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::string> out;
  for (size_t i = 0; i < ranked.size() && static_cast<int>(out.size()) < k; ++i) out.push_back(items_[ranked[i].second].id);
  return out;
}

}  // namespace zhixuan

#include "zhixuan/assist/faq.hpp"

#include "zhixuan/base/json_reader.hpp"

namespace zhixuan {
namespace {

Status Bad(const std::string& message) { return Status(StatusCode::kMalformedFaq, message); }

// Where a field sits ("entries[3] ('refund-how')"), spelled out only for an error message: the
// parse reads tens of thousands of strings, and building the text for each showed in wasm.
struct Where {
  size_t position = 0;                  // entries[position]
  const std::string* id = nullptr;      // the entry's id once read
  const std::string* spelled = nullptr;  // a place already spelled out (a link's)
  std::string str() const {
    if (spelled) return *spelled;
    const std::string at = "entries[" + std::to_string(position) + "]";
    return id ? at + " ('" + *id + "')" : at;
  }
};

bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

Status ReadString(JsonValue v, const char* key, size_t max_bytes, bool required, const Where& at, std::string* out) {
  auto where = [&] { return at.str(); };
  if (!v.exists() || v.is_null()) return required ? Bad(where() + ": '" + key + "' is missing") : Status::Ok();
  if (!v.is_string()) return Bad(where() + ": '" + key + "' must be a string");
  if (v.as_string().size() > max_bytes)
    return Status(StatusCode::kTooLarge, where() + ": '" + key + "' is longer than " + std::to_string(max_bytes) + " bytes");
  if (required && IsBlank(v.as_string())) return Bad(where() + ": '" + key + "' is empty");
  out->assign(v.as_string());
  return Status::Ok();
}

Status ReadStringList(JsonValue v, const char* key, size_t max_count, size_t max_bytes, const Where& place,
                      std::vector<std::string>* out) {
  if (!v.exists() || v.is_null()) return Status::Ok();
  if (!v.is_array()) return Bad(place.str() + ": '" + key + "' must be an array of strings");
  if (v.size() > max_count)
    return Status(StatusCode::kTooLarge, place.str() + ": '" + key + "' has more than " + std::to_string(max_count) + " elements");
  out->reserve(v.size());
  size_t i = 0;
  for (JsonValue s : v.elements()) {
    auto at = [&] { return place.str() + ": '" + key + "'[" + std::to_string(i) + "]"; };
    if (!s.is_string()) return Bad(at() + " must be a string");
    if (s.as_string().size() > max_bytes)
      return Status(StatusCode::kTooLarge, at() + " is longer than " + std::to_string(max_bytes) + " bytes");
    if (IsBlank(s.as_string())) return Bad(at() + " is empty");
    out->emplace_back(s.as_string());
    ++i;
  }
  return Status::Ok();
}

Status ReadLinks(JsonValue v, const Where& place, std::vector<FaqLink>* out) {
  if (!v.exists() || v.is_null()) return Status::Ok();
  const std::string where = place.str();
  if (!v.is_array()) return Bad(where + ": 'links' must be an array of {title, url}");
  if (v.size() > kMaxFaqLinks) return Status(StatusCode::kTooLarge, where + ": 'links' has more than 16 elements");
  size_t i = 0;
  for (JsonValue link : v.elements()) {
    const std::string at = where + ": 'links'[" + std::to_string(i++) + "]";
    if (!link.is_object()) return Bad(at + " must be an object {title, url}");
    FaqLink out_link;
    Where link_place;
    link_place.spelled = &at;
    ZX_RETURN_IF_ERROR(ReadString(link.Find("title"), "title", kMaxFaqQuestionBytes, true, link_place, &out_link.title));
    ZX_RETURN_IF_ERROR(ReadString(link.Find("url"), "url", 2048, true, link_place, &out_link.url));
    // Relative paths and http(s) only: a link is rendered in the page.
    const std::string& u = out_link.url;
    const bool relative = u[0] == '/' || u[0] == '#' || u[0] == '.';
    if (!relative && u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0)
      return Bad(at + ": 'url' must be a relative path or an http(s) URL");
    out->push_back(std::move(out_link));
  }
  return Status::Ok();
}

// An entry's fields, found in one pass over its members (the last of a repeated name wins, as
// with JsonValue::Find; nine Finds per entry each scanned the members).
struct EntryFields {
  enum Field { kId, kQuestion, kAnswer, kCourseAnswer, kIntent, kParaphrases, kTags, kCourses, kLinks, kCount };
  JsonValue at[kCount];

  explicit EntryFields(JsonValue entry) {
    for (const auto& member : entry.members()) {
      const int field = FieldOf(member.key);
      if (field >= 0) at[field] = member.value;
    }
  }
  static int FieldOf(std::string_view key) {
    static constexpr std::string_view kNames[kCount] = {"id", "question", "answer", "course_answer", "intent",
                                                        "paraphrases", "tags", "courses", "links"};
    for (int f = 0; f < kCount; ++f)
      if (key == kNames[f]) return f;
    return -1;
  }
};

Status CheckIntent(const std::string& intent, const Where& where) {
  if (intent.size() > kMaxFaqIntentBytes) return Bad(where.str() + ": 'intent' is longer than 32 bytes");
  for (char c : intent)
    if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9')))
      return Bad(where.str() + ": 'intent' must be lower-case letters, digits and '_' (got '" + intent + "')");
  return Status::Ok();
}

}  // namespace

int FaqBase::find(const std::string& id) const {
  const auto it = index.find(id);
  return it == index.end() ? -1 : it->second;
}

StatusOr<FaqBase> ParseFaq(std::string_view json_text) {
  if (json_text.size() > kMaxFaqBytes) return Status(StatusCode::kTooLarge, "faq is larger than 32 MiB");
  JsonDocument doc;
  std::string error;
  if (!doc.Parse(json_text, &error)) return Bad("faq is not valid JSON: " + error);
  JsonValue root = doc.root();
  FaqBase base;
  JsonValue entries = root;
  if (root.is_object()) {
    const JsonValue version = root.Find("version");
    if (version.exists() && !version.is_string()) return Bad("faq 'version' must be a string");
    if (version.is_string()) base.version = std::string(version.as_string());
    entries = root.Find("entries");
    if (!entries.exists()) return Bad("faq has no 'entries' array");
  }
  if (!entries.is_array()) return Bad("faq 'entries' must be an array of objects");
  if (entries.size() == 0) return Bad("faq has no entries");
  if (entries.size() > kMaxFaqEntries) return Status(StatusCode::kTooLarge, "faq has more than 100000 entries");
  base.entries.reserve(entries.size());
  size_t position = 0;
  for (JsonValue e : entries.elements()) {
    const size_t at = position++;
    if (!e.is_object()) return Bad("entries[" + std::to_string(at) + "] must be an object");
    FaqEntry entry;
    Where where;
    where.position = at;
    const EntryFields f(e);
    ZX_RETURN_IF_ERROR(ReadString(f.at[EntryFields::kId], "id", kMaxFaqIdBytes, true, where, &entry.id));
    where.id = &entry.id;
    ZX_RETURN_IF_ERROR(ReadString(f.at[EntryFields::kQuestion], "question", kMaxFaqQuestionBytes, true, where, &entry.question));
    ZX_RETURN_IF_ERROR(ReadString(f.at[EntryFields::kAnswer], "answer", kMaxFaqAnswerBytes, true, where, &entry.answer));
    ZX_RETURN_IF_ERROR(
        ReadString(f.at[EntryFields::kCourseAnswer], "course_answer", kMaxFaqAnswerBytes, false, where, &entry.course_answer));
    ZX_RETURN_IF_ERROR(ReadString(f.at[EntryFields::kIntent], "intent", kMaxFaqIntentBytes * 4, false, where, &entry.intent));
    ZX_RETURN_IF_ERROR(CheckIntent(entry.intent, where));
    ZX_RETURN_IF_ERROR(ReadStringList(f.at[EntryFields::kParaphrases], "paraphrases", kMaxFaqParaphrases, kMaxFaqQuestionBytes,
                                      where, &entry.paraphrases));
    ZX_RETURN_IF_ERROR(ReadStringList(f.at[EntryFields::kTags], "tags", kMaxFaqTags, kMaxFaqIdBytes, where, &entry.tags));
    ZX_RETURN_IF_ERROR(ReadStringList(f.at[EntryFields::kCourses], "courses", kMaxFaqLinks, kMaxFaqIdBytes, where, &entry.courses));
    ZX_RETURN_IF_ERROR(ReadLinks(f.at[EntryFields::kLinks], where, &entry.links));
    if (!base.index.emplace(entry.id, static_cast<int>(base.entries.size())).second)
      return Bad(where.str() + ": 'id' is a duplicate of an earlier entry");
    base.entries.push_back(std::move(entry));
  }
  return base;
}

}  // namespace zhixuan

// A small, strict JSON reader for the load path (safetensors header, manifest,
// catalog, filters): one pass into a flat node array, strings left in place when
// they hold no escapes. Strict like RFC 8259 (and nlohmann, which it replaces
// there): UTF-8 validated, lone surrogates and unescaped control characters
// rejected, numbers that overflow a double rejected, nothing after the value.
// A leading UTF-8 byte order mark is skipped. Nesting deeper than kMaxJsonDepth
// is an error (hostile input must not cost a deep stack in any reader).
// Duplicate object keys: Find returns the last one (as nlohmann did).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zhixuan {

constexpr int kMaxJsonDepth = 256;

enum class JsonType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

class JsonDocument;

// A handle to one value of a parsed document (valid while the document and its text live).
// A missing value (Find found nothing) answers false to every is_*() and exists().
class JsonValue {
 public:
  JsonValue() = default;
  JsonValue(const JsonDocument* doc, uint32_t index) : doc_(doc), index_(index) {}

  bool exists() const { return doc_ != nullptr; }
  JsonType type() const;
  bool is_null() const { return exists() && type() == JsonType::kNull; }
  bool is_bool() const { return exists() && type() == JsonType::kBool; }
  bool is_number() const { return exists() && type() == JsonType::kNumber; }
  // A number written without fraction or exponent that fits in int64.
  bool is_integer() const;
  bool is_string() const { return exists() && type() == JsonType::kString; }
  bool is_array() const { return exists() && type() == JsonType::kArray; }
  bool is_object() const { return exists() && type() == JsonType::kObject; }

  bool as_bool() const;
  double as_double() const;
  int64_t as_int64() const;  // integers only
  std::string_view as_string() const;
  // Elements of an array or members of an object.
  uint32_t size() const;
  // The text of an array or object as written (empty for other values): lets a caller hand
  // one small part of a large document to another parser.
  std::string_view raw_json() const;

  // The last member named `key` of an object (or a missing value).
  JsonValue Find(std::string_view key) const;

  // Iteration: for (JsonValue v : array.elements()), for (auto m : object.members()).
  class ElementIterator;
  class MemberIterator;
  struct Member;
  template <typename It>
  struct Range {
    It first, last;
    It begin() const { return first; }
    It end() const { return last; }
  };
  Range<ElementIterator> elements() const;
  Range<MemberIterator> members() const;

 private:
  friend class JsonDocument;
  const JsonDocument* doc_ = nullptr;
  uint32_t index_ = 0;
};

struct JsonValue::Member {
  std::string_view key;
  JsonValue value;
};

class JsonDocument {
 public:
  // Parses `text`, which must outlive the document (strings without escapes point into it).
  // On failure returns false and names the problem and its byte offset in *error.
  bool Parse(std::string_view text, std::string* error);
  JsonValue root() const { return nodes_.empty() ? JsonValue() : JsonValue(this, 0); }

 private:
  friend class JsonValue;
  friend class JsonParser;
  struct Node {
    JsonType type = JsonType::kNull;
    uint8_t flags = 0;   // kInteger | kTrue | kDecoded
    uint32_t end = 0;    // index past this node's subtree (next sibling)
    uint32_t count = 0;  // containers: elements/members; strings: length
    uint32_t offset = 0; // strings: offset into the text (or into decoded_); containers: their first byte
    union {
      double number;
      int64_t integer;     // integers; containers: the byte past their close
    };
    Node() : number(0) {}
  };
  static constexpr uint8_t kInteger = 1, kTrue = 2, kDecoded = 4;

  std::string_view StringOf(const Node& node) const {
    return node.flags & kDecoded ? std::string_view(decoded_).substr(node.offset, node.count)
                                 : text_.substr(node.offset, node.count);
  }

  std::string_view text_;
  std::string decoded_;  // strings that held escapes, decoded
  std::vector<Node> nodes_;
};

class JsonValue::ElementIterator {
 public:
  ElementIterator(const JsonDocument* doc, uint32_t index) : doc_(doc), index_(index) {}
  JsonValue operator*() const { return JsonValue(doc_, index_); }
  ElementIterator& operator++() { index_ = doc_->nodes_[index_].end; return *this; }
  bool operator!=(const ElementIterator& o) const { return index_ != o.index_; }

 private:
  const JsonDocument* doc_;
  uint32_t index_;
};

class JsonValue::MemberIterator {
 public:
  MemberIterator(const JsonDocument* doc, uint32_t key_index) : doc_(doc), index_(key_index) {}
  Member operator*() const { return {doc_->StringOf(doc_->nodes_[index_]), JsonValue(doc_, index_ + 1)}; }
  MemberIterator& operator++() { index_ = doc_->nodes_[index_ + 1].end; return *this; }
  bool operator!=(const MemberIterator& o) const { return index_ != o.index_; }

 private:
  const JsonDocument* doc_;
  uint32_t index_;
};

}  // namespace zhixuan

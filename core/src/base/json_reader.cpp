#include "zhixuan/base/json_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "zhixuan/base/tiering.hpp"
#include "zhixuan/base/utf8.hpp"

namespace zhixuan {

class JsonParser {
 public:
  JsonParser(std::string_view text, JsonDocument* doc) : p_(text.data()), size_(text.size()), doc_(doc) {}

  bool Run(std::string* error);

 private:
  using Node = JsonDocument::Node;
  enum class Step { kMore, kDone, kFailed };

  bool Fail(const char* what) {
    if (error_.empty()) error_ = std::string(what) + " at byte " + std::to_string(pos_);
    return false;
  }
  Step Failed(const char* what) {
    Fail(what);
    return Step::kFailed;
  }
  void SkipSpace() {
    while (pos_ < size_) {
      const char c = p_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++pos_;
    }
  }
  bool Expect(char c, const char* what) {
    SkipSpace();
    if (pos_ >= size_ || p_[pos_] != c) return Fail(what);
    ++pos_;
    return true;
  }
  uint32_t Push(JsonType type) {
    doc_->nodes_.emplace_back();
    doc_->nodes_.back().type = type;
    return static_cast<uint32_t>(doc_->nodes_.size() - 1);
  }
  bool ParseDocument();
  // One value and the separators after it (the document loop's body, a tier unit: see tiering.hpp).
  ZX_TIER_UNIT Step ParseNextValue();
  bool ParseKey();
  bool ParseScalar();
  ZX_TIER_UNIT bool ParseString();
  // The rest of a string holding escapes, decoded into doc_->decoded_ from pos_.
  bool DecodeEscapedString(size_t start);
  // Decodes until the closing quote (kDone) or about `stop` (kMore): a tier unit per chunk.
  ZX_TIER_UNIT Step DecodeEscapesUntil(size_t stop);
  char* DecodedSpace(size_t extra);
  ZX_TIER_UNIT bool ParseNumber();
  bool ParseLiteral(const char* word, size_t length, JsonType type, uint8_t flags);
  bool ReadHex4(uint32_t* out);
  bool CheckUtf8Sequence();

  const char* p_;
  size_t size_;
  size_t pos_ = 0;
  JsonDocument* doc_;
  std::string error_;
  size_t decoded_used_ = 0;  // bytes of doc_->decoded_ in use (it grows ahead of them)
  std::vector<uint32_t> open_;  // containers being filled, innermost last
};

namespace {

// SWAR: does any of the 8 bytes need the slow path ('"', '\\', < 0x20, >= 0x80)?
inline __attribute__((always_inline)) bool HasSpecialByte(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  const uint64_t zero_quote = (quote - kOnes) & ~quote;
  const uint64_t zero_backslash = (backslash - kOnes) & ~backslash;
  const uint64_t control = w - kOnes * 0x20;  // borrows out of bytes < 0x20
  return ((zero_quote | zero_backslash | control | w) & kHigh) != 0;
}

}  // namespace

bool JsonParser::ParseKey() {
  SkipSpace();
  if (pos_ >= size_ || p_[pos_] != '"') return Fail("expected a string key");
  return ParseString() && Expect(':', "expected ':' after an object key");
}

bool JsonParser::Run(std::string* error) {
  doc_->nodes_.clear();
  doc_->decoded_.clear();
  doc_->text_ = std::string_view(p_, size_);
  bool ok = ParseDocument();
  doc_->decoded_.resize(decoded_used_);  // views into it are offsets: shrinking keeps them valid
  if (!ok) {
    doc_->nodes_.clear();
    doc_->decoded_.clear();
    if (error) *error = error_;
  }
  return ok;
}

bool JsonParser::ParseDocument() {
  if (size_ > std::numeric_limits<uint32_t>::max() - 1) return Fail("JSON text is larger than 4 GiB");
  doc_->nodes_.reserve(size_ / 16 + 4);
  if (size_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;  // UTF-8 byte order mark
  for (;;) {
    const Step step = ParseNextValue();
    if (step != Step::kMore) return step == Step::kDone;
  }
}

JsonParser::Step JsonParser::ParseNextValue() {
  // A value starts here.
  SkipSpace();
  if (pos_ >= size_) return Failed("unexpected end of input, expected a value");
  const char c = p_[pos_];
  if (c == '{' || c == '[') {
    if (open_.size() >= static_cast<size_t>(kMaxJsonDepth)) return Failed("JSON nests deeper than 256 levels");
    const uint32_t index = Push(c == '{' ? JsonType::kObject : JsonType::kArray);
    doc_->nodes_[index].offset = static_cast<uint32_t>(pos_);
    ++pos_;
    SkipSpace();
    if (pos_ < size_ && p_[pos_] == (c == '{' ? '}' : ']')) {
      ++pos_;
      doc_->nodes_[index].end = index + 1;  // empty: a completed value, handled below
      doc_->nodes_[index].integer = static_cast<int64_t>(pos_);
    } else {
      open_.push_back(index);
      if (c == '{' && !ParseKey()) return Step::kFailed;
      return Step::kMore;
    }
  } else if (!ParseScalar()) {
    return Step::kFailed;
  }
  // A value just completed: count it in its container, then a comma or the container's close.
  for (;;) {
    if (open_.empty()) {
      SkipSpace();
      return pos_ == size_ ? Step::kDone : Failed("unexpected text after the JSON value");
    }
    Node& parent = doc_->nodes_[open_.back()];
    ++parent.count;
    const bool is_object = parent.type == JsonType::kObject;
    SkipSpace();
    if (pos_ >= size_) return Failed(is_object ? "unexpected end of input in an object" : "unexpected end of input in an array");
    const char next = p_[pos_++];
    if (next == ',') {
      if (is_object && !ParseKey()) return Step::kFailed;
      return Step::kMore;  // the next value
    }
    if (next != (is_object ? '}' : ']')) {
      --pos_;
      return Failed(is_object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
    }
    parent.end = static_cast<uint32_t>(doc_->nodes_.size());
    parent.integer = static_cast<int64_t>(pos_);  // the byte past the close
    open_.pop_back();  // the closed container is a completed value of its own parent
  }
}

bool JsonParser::ParseScalar() {
  const char c = p_[pos_];
  switch (c) {
    case '"': return ParseString();
    case 't': return ParseLiteral("true", 4, JsonType::kBool, JsonDocument::kTrue);
    case 'f': return ParseLiteral("false", 5, JsonType::kBool, 0);
    case 'n': return ParseLiteral("null", 4, JsonType::kNull, 0);
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
      return Fail("unexpected character, expected a value");
  }
}

bool JsonParser::ParseLiteral(const char* word, size_t length, JsonType type, uint8_t flags) {
  if (size_ - pos_ < length || std::memcmp(p_ + pos_, word, length) != 0) return Fail("invalid literal");
  const uint32_t index = Push(type);
  doc_->nodes_[index].flags = flags;
  doc_->nodes_[index].end = index + 1;
  pos_ += length;
  return true;
}

bool JsonParser::ParseNumber() {
  const size_t start = pos_;
  bool negative = false;
  if (p_[pos_] == '-') { negative = true; ++pos_; }
  auto digit = [&](size_t i) { return i < size_ && p_[i] >= '0' && p_[i] <= '9'; };
  if (!digit(pos_)) return Fail("invalid number");
  uint64_t magnitude = 0;
  bool overflow = false;
  if (p_[pos_] == '0') {
    ++pos_;
    if (digit(pos_)) return Fail("invalid number (leading zero)");
  } else {
    while (digit(pos_)) {
      const uint64_t d = static_cast<uint64_t>(p_[pos_] - '0');
      if (magnitude > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
      else magnitude = magnitude * 10 + d;
      ++pos_;
    }
  }
  bool integer = true;
  // For the fast path below: every digit as one integer, and the power of ten it is scaled by.
  constexpr uint64_t kExactDoubleInt = uint64_t{1} << 53;
  uint64_t mantissa = magnitude;
  bool mantissa_exact = !overflow && magnitude <= kExactDoubleInt;
  int64_t exponent10 = 0;
  if (pos_ < size_ && p_[pos_] == '.') {
    integer = false;
    ++pos_;
    if (!digit(pos_)) return Fail("invalid number (no digit after '.')");
    for (; digit(pos_); ++pos_) {
      if (!mantissa_exact) continue;
      mantissa = mantissa * 10 + static_cast<uint64_t>(p_[pos_] - '0');  // < 2^57: no overflow
      mantissa_exact = mantissa <= kExactDoubleInt;
      --exponent10;
    }
  }
  if (pos_ < size_ && (p_[pos_] == 'e' || p_[pos_] == 'E')) {
    integer = false;
    ++pos_;
    bool negative_exponent = false;
    if (pos_ < size_ && (p_[pos_] == '+' || p_[pos_] == '-')) negative_exponent = p_[pos_++] == '-';
    if (!digit(pos_)) return Fail("invalid number (no digit in the exponent)");
    int64_t written = 0;
    for (; digit(pos_); ++pos_) written = std::min<int64_t>(written * 10 + (p_[pos_] - '0'), 100000);
    exponent10 += negative_exponent ? -written : written;
  }
  const uint32_t index = Push(JsonType::kNumber);
  Node& node = doc_->nodes_[index];
  node.end = index + 1;
  constexpr uint64_t kMaxInt64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (integer && !overflow && (negative ? magnitude <= kMaxInt64 + 1 : magnitude <= kMaxInt64)) {
    node.flags = JsonDocument::kInteger;
    node.integer = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return true;
  }
  // Clinger's fast path: an integer up to 2^53 and a power of ten up to 1e22 are both exact
  // doubles, so one multiply or divide rounds correctly. Prices, scores and hyperparameters
  // take it; only the rest run strtod (in wasm, musl's strtod is soft-float long double code).
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (mantissa_exact && exponent10 >= -22 && exponent10 <= 22) {
    double value = static_cast<double>(mantissa);
    value = exponent10 < 0 ? value / kPow10[-exponent10] : value * kPow10[exponent10];
    doc_->nodes_[index].number = negative ? -value : value;
    return true;
  }
  // strtod needs a terminated copy; the lexeme is plain ASCII, so the C locale's rules apply.
  const size_t length = pos_ - start;
  char small[64];
  std::string large;
  char* copy = small;
  if (length >= sizeof small) {
    large.assign(p_ + start, length);
    copy = large.data();
  } else {
    std::memcpy(small, p_ + start, length);
    small[length] = 0;
  }
  const double value = std::strtod(copy, nullptr);
  if (!std::isfinite(value)) {
    pos_ = start;
    return Fail("number is out of the range of a double");
  }
  doc_->nodes_[index].number = value;
  return true;
}

bool JsonParser::ReadHex4(uint32_t* out) {
  if (size_ - pos_ < 4) return Fail("truncated \\u escape");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p_[pos_ + i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
    else return Fail("invalid \\u escape");
  }
  pos_ += 4;
  *out = v;
  return true;
}

// Checks the multi-byte UTF-8 sequence at pos_ and steps over it.
bool JsonParser::CheckUtf8Sequence() {
  const size_t length = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_ + pos_), size_ - pos_);
  if (length == 0) return Fail("invalid UTF-8 in a string");
  pos_ += length;
  return true;
}

bool JsonParser::ParseString() {
  ++pos_;  // the opening quote
  const size_t start = pos_;
  // Fast path, a string without escapes: 8 bytes at a time, left in place.
  for (;;) {
    while (pos_ + 8 <= size_) {
      uint64_t w;
      std::memcpy(&w, p_ + pos_, 8);
      if (HasSpecialByte(w)) break;
      pos_ += 8;
    }
    if (pos_ >= size_) return Fail("unterminated string");
    const unsigned char c = static_cast<unsigned char>(p_[pos_]);
    if (c == '"') {
      const uint32_t index = Push(JsonType::kString);
      Node& node = doc_->nodes_[index];
      node.end = index + 1;
      node.offset = static_cast<uint32_t>(start);
      node.count = static_cast<uint32_t>(pos_ - start);
      ++pos_;
      return true;
    }
    if (c == '\\') break;
    if (c < 0x20) return Fail("unescaped control character in a string");
    if (c >= 0x80) {
      // Chinese text: a run of three-byte sequences whose lead allows any continuation byte (not
      // E0, ED) stays in this loop; anything else is checked in full.
      const auto* u = reinterpret_cast<const unsigned char*>(p_);
      while (pos_ + 3 <= size_) {
        const unsigned lead = u[pos_];
        if (lead < 0xE1 || lead > 0xEF || lead == 0xED || (u[pos_ + 1] & 0xC0) != 0x80 || (u[pos_ + 2] & 0xC0) != 0x80) break;
        pos_ += 3;
      }
      if (pos_ < size_ && u[pos_] >= 0x80 && !CheckUtf8Sequence()) return false;
      continue;
    }
    ++pos_;  // plain ASCII: stay on the byte loop up to the special byte that stopped the word
    while (pos_ < size_) {
      const unsigned char b = static_cast<unsigned char>(p_[pos_]);
      if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) break;
      ++pos_;
    }
  }
  return DecodeEscapedString(start);
}

char* JsonParser::DecodedSpace(size_t extra) {
  std::string& decoded = doc_->decoded_;
  if (decoded_used_ + extra > decoded.size()) decoded.resize(std::max(decoded.size() * 2, decoded_used_ + extra + 256));
  return &decoded[decoded_used_];
}

bool JsonParser::DecodeEscapedString(size_t start) {
  // Escape-dense strings (a JSON text inside a JSON string: the manifest in the safetensors
  // header) are what this is for. Chunks of 16 KiB keep each call short enough to tier up.
  constexpr size_t kChunk = 16384;
  const size_t decoded_start = decoded_used_;
  std::memcpy(DecodedSpace(pos_ - start), p_ + start, pos_ - start);
  decoded_used_ += pos_ - start;
  for (;;) {
    const Step step = DecodeEscapesUntil(std::min(size_, pos_ + kChunk));
    if (step == Step::kFailed) return false;
    if (step == Step::kDone) break;
  }
  const uint32_t index = Push(JsonType::kString);
  Node& node = doc_->nodes_[index];
  node.end = index + 1;
  node.flags = JsonDocument::kDecoded;
  node.offset = static_cast<uint32_t>(decoded_start);
  node.count = static_cast<uint32_t>(decoded_used_ - decoded_start);
  ++pos_;  // the closing quote
  return true;
}

JsonParser::Step JsonParser::DecodeEscapesUntil(size_t stop) {
  // Decoding never lengthens the text, and one step reads at most 12 bytes past `stop`: room for
  // the chunk is made once, so the byte loop writes without checks.
  char* const base = DecodedSpace(stop - pos_ + 16) - decoded_used_;
  while (pos_ < stop) {
    char* out = base + decoded_used_;
    // Plain ASCII runs 8 bytes at a time.
    if (pos_ + 8 <= size_) {
      uint64_t w;
      std::memcpy(&w, p_ + pos_, 8);
      if (!HasSpecialByte(w)) {
        std::memcpy(out, &w, 8);
        decoded_used_ += 8;
        pos_ += 8;
        continue;
      }
    }
    const unsigned char c = static_cast<unsigned char>(p_[pos_]);
    if (c == '"') return Step::kDone;
    if (c < 0x20) return Failed("unescaped control character in a string");
    if (c >= 0x80) {
      const size_t from = pos_;
      if (!CheckUtf8Sequence()) return Step::kFailed;
      std::memcpy(out, p_ + from, pos_ - from);  // at most 4 bytes
      decoded_used_ += pos_ - from;
      continue;
    }
    if (c != '\\') {
      *out = static_cast<char>(c);
      ++decoded_used_;
      ++pos_;
      continue;
    }
    ++pos_;
    if (pos_ >= size_) return Failed("unterminated string");
    const char e = p_[pos_++];
    char simple = 0;
    switch (e) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': {
        uint32_t cp = 0;
        if (!ReadHex4(&cp)) return Step::kFailed;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return Failed("lone low surrogate in a \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          if (size_ - pos_ < 2 || p_[pos_] != '\\' || p_[pos_ + 1] != 'u') return Failed("high surrogate without its low half");
          pos_ += 2;
          if (!ReadHex4(&low)) return Step::kFailed;
          if (low < 0xDC00 || low > 0xDFFF) return Failed("high surrogate without its low half");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        decoded_used_ += EncodeUtf8(cp, out);
        continue;
      }
      default:
        --pos_;
        return Failed("invalid escape in a string");
    }
    *out = simple;
    ++decoded_used_;
  }
  return pos_ < size_ ? Step::kMore : Failed("unterminated string");
}

bool JsonDocument::Parse(std::string_view text, std::string* error) {
  JsonParser parser(text, this);
  return parser.Run(error);
}

JsonType JsonValue::type() const { return doc_->nodes_[index_].type; }

bool JsonValue::is_integer() const {
  return is_number() && (doc_->nodes_[index_].flags & JsonDocument::kInteger);
}

bool JsonValue::as_bool() const { return is_bool() && (doc_->nodes_[index_].flags & JsonDocument::kTrue); }

double JsonValue::as_double() const {
  if (!is_number()) return 0;
  const auto& node = doc_->nodes_[index_];
  return node.flags & JsonDocument::kInteger ? static_cast<double>(node.integer) : node.number;
}

int64_t JsonValue::as_int64() const { return is_integer() ? doc_->nodes_[index_].integer : 0; }

std::string_view JsonValue::as_string() const { return is_string() ? doc_->StringOf(doc_->nodes_[index_]) : std::string_view(); }

std::string_view JsonValue::raw_json() const {
  if (!is_array() && !is_object()) return std::string_view();
  const auto& node = doc_->nodes_[index_];
  return doc_->text_.substr(node.offset, static_cast<size_t>(node.integer) - node.offset);
}

uint32_t JsonValue::size() const { return is_array() || is_object() ? doc_->nodes_[index_].count : 0; }

JsonValue JsonValue::Find(std::string_view key) const {
  JsonValue found;
  if (!is_object()) return found;
  for (const Member& m : members())
    if (m.key == key) found = m.value;
  return found;
}

JsonValue::Range<JsonValue::ElementIterator> JsonValue::elements() const {
  if (!is_array()) return {ElementIterator(doc_, 0), ElementIterator(doc_, 0)};
  return {ElementIterator(doc_, index_ + 1), ElementIterator(doc_, doc_->nodes_[index_].end)};
}

JsonValue::Range<JsonValue::MemberIterator> JsonValue::members() const {
  if (!is_object()) return {MemberIterator(doc_, 0), MemberIterator(doc_, 0)};
  return {MemberIterator(doc_, index_ + 1), MemberIterator(doc_, doc_->nodes_[index_].end)};
}

}  // namespace zhixuan

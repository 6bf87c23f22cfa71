#include "zhixuan/assist/normalize.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "normalize_tables.inc"
#include "zhixuan/base/flatten.hpp"
#include "zhixuan/base/utf8.hpp"

namespace zhixuan {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;

// The per-character helpers are forced inline: in the wasm module's LTO a small helper called
// from several places kept one out-of-line body, a call per character of the FAQ (base/flatten.hpp).
#define ZX_CHAR_INLINE inline __attribute__((always_inline))

// A growable code point buffer that never zero-fills (vector::resize did, per text, out of line).
class CodePointBuffer {
 public:
  // Room for n code points from the start (the contents are kept up to the old size).
  uint32_t* Room(size_t n) {
    if (n > capacity_) {
      const size_t capacity = std::max(n, capacity_ * 2);
      std::unique_ptr<uint32_t[]> grown(new uint32_t[capacity]);
      if (capacity_) std::copy(data_.get(), data_.get() + capacity_, grown.get());
      data_ = std::move(grown);
      capacity_ = capacity;
    }
    return data_.get();
  }
  uint32_t* data() { return data_.get(); }

 private:
  std::unique_ptr<uint32_t[]> data_;
  size_t capacity_ = 0;
};

// Decodes into out (room for text.size() code points); returns the count.
ZX_CHAR_INLINE size_t DecodeTo(std::string_view text, uint32_t* out) {
  uint32_t* o = out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    const unsigned lead = p[i];
    if (lead < 0x80) {
      *o++ = lead;
      ++i;
      continue;
    }
    // Most of a Chinese FAQ: three bytes with a lead that allows any continuation (not E0, ED).
    if (lead >= 0xE1 && lead <= 0xEF && lead != 0xED && i + 2 < text.size() && (p[i + 1] & 0xC0) == 0x80 &&
        (p[i + 2] & 0xC0) == 0x80) {
      *o++ = (lead & 0x0F) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
      i += 3;
      continue;
    }
    const size_t n = Utf8SequenceLength(p + i, text.size() - i);
    if (n == 0) {
      *o++ = kReplacement;
      ++i;
      continue;
    }
    uint32_t cp = n == 2 ? p[i] & 0x1F : n == 3 ? p[i] & 0x0F : p[i] & 0x07;
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
    *o++ = cp;
    i += n;
  }
  return static_cast<size_t>(o - out);
}

std::vector<uint32_t> Decode(std::string_view text) {
  std::vector<uint32_t> out(text.size());
  out.resize(DecodeTo(text, out.data()));
  return out;
}

uint32_t DecodeOne(const char* s) { return Decode(s).at(0); }

// Direct tables for the CJK block (one load per character instead of a hash lookup: the
// index build normalizes every question, paraphrase and answer of the FAQ).
constexpr uint32_t kCjkFirst = 0x3400, kCjkLast = 0x9FFF;

// Per BMP character: what the passes after the fold look for.
constexpr uint8_t kNumeral = 1;  // a Chinese digit or unit (零〇一二两三四五六七八九十百千万)

struct Tables {
  std::vector<uint32_t> simplified;  // cp - kCjkFirst -> simplified cp (0: unchanged)
  std::vector<uint8_t> flags;        // BMP cp -> kNumeral
  // Phrase rules grouped by first code point, longest first; a BMP first code point finds its
  // group through phrase_group (index + 1, 0: none), others through the map (rare).
  struct Rule {
    std::vector<uint32_t> from, to;
  };
  std::vector<std::vector<Rule>> groups;
  std::vector<uint16_t> phrase_group;
  std::unordered_map<uint32_t, size_t> astral_groups;
  size_t max_growth = 1;  // the most code points a rule writes per code point it reads

  Tables() : simplified(kCjkLast - kCjkFirst + 1, 0), flags(0x10000, 0), phrase_group(0x10000, 0) {
    for (const auto& pair : normalize_tables::kTraditionalToSimplified) {
      const uint32_t from = DecodeOne(pair.from);
      if (from >= kCjkFirst && from <= kCjkLast) simplified[from - kCjkFirst] = DecodeOne(pair.to);
    }
    for (char32_t c : std::u32string_view(U"零〇一二两三四五六七八九十百千万")) flags[c] |= kNumeral;
    for (const auto& pair : normalize_tables::kPhrases) {
      Rule rule{Decode(pair.from), Decode(pair.to)};
      max_growth = std::max(max_growth, (rule.to.size() + rule.from.size() - 1) / rule.from.size());
      const uint32_t first = rule.from[0];
      size_t group;
      if (first < 0x10000) {
        if (!phrase_group[first]) {
          groups.emplace_back();
          phrase_group[first] = static_cast<uint16_t>(groups.size());
        }
        group = phrase_group[first] - 1u;
      } else {
        const auto it = astral_groups.emplace(first, groups.size()).first;
        if (it->second == groups.size()) groups.emplace_back();
        group = it->second;
      }
      groups[group].push_back(std::move(rule));
    }
    for (auto& rules : groups)
      std::stable_sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) { return a.from.size() > b.from.size(); });
  }

  // The rules starting with cp, or null.
  ZX_CHAR_INLINE const std::vector<Rule>* RulesOf(uint32_t cp) const {
    if (cp < 0x10000) return phrase_group[cp] ? &groups[phrase_group[cp] - 1u] : nullptr;
    if (astral_groups.empty()) return nullptr;
    const auto it = astral_groups.find(cp);
    return it == astral_groups.end() ? nullptr : &groups[it->second];
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

ZX_CHAR_INLINE uint32_t FoldChar(uint32_t cp, const Tables& t) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  else if (cp == 0x3000) cp = ' ';
  else if (cp == 0x3002 || cp == 0xFF61) cp = '.';
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= kCjkFirst && cp <= kCjkLast && t.simplified[cp - kCjkFirst] != 0) return t.simplified[cp - kCjkFirst];
  return cp;
}

ZX_CHAR_INLINE int DigitOf(uint32_t cp) {
  switch (cp) {
    case U'零': case U'〇': return 0;
    case U'一': return 1;
    case U'二': case U'两': return 2;
    case U'三': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    default: return -1;
  }
}

ZX_CHAR_INLINE int UnitOf(uint32_t cp) {
  switch (cp) {
    case U'十': return 10;
    case U'百': return 100;
    case U'千': return 1000;
    case U'万': return 10000;
    default: return 0;
  }
}

bool IsMeasureWord(uint32_t cp) {
  static const std::u32string kMeasures = U"天个节门次年月周日号小分秒元块本张套期讲章集课份位遍折";
  return kMeasures.find(static_cast<char32_t>(cp)) != std::u32string::npos;
}

// The value of a run of Chinese numerals ("三十五" -> 35, "两万" -> 20000, "一二三" -> 123).
int64_t NumeralValue(const uint32_t* run, size_t size) {
  bool has_unit = false;
  for (size_t i = 0; i < size; ++i) has_unit |= UnitOf(run[i]) != 0;
  if (!has_unit) {
    int64_t v = 0;
    for (size_t i = 0; i < size; ++i) v = v * 10 + DigitOf(run[i]);
    return v;
  }
  int64_t total = 0, section = 0, number = 0;
  for (size_t i = 0; i < size; ++i) {
    const uint32_t cp = run[i];
    const int d = DigitOf(cp);
    if (d >= 0) {
      number = d;
      continue;
    }
    const int unit = UnitOf(cp);
    if (unit == 10000) {
      total += (section + number) * 10000;
      section = number = 0;
    } else {
      section += (number == 0 ? 1 : number) * unit;
      number = 0;
    }
  }
  return total + section + number;
}

// in[0, size) -> *output; returns the output's size. Written through pointers into buffers
// sized for their worst case: in wasm, push_back per character cost more than the work.
size_t ConvertNumerals(const uint32_t* in, size_t size, CodePointBuffer* output) {
  // Sized for copying; a run of numerals can give more digits than it has characters ("十万"
  // -> 100000), so that branch makes room first.
  size_t room = size + 32;
  uint32_t* o = output->Room(room);
  for (size_t i = 0; i < size;) {
    if (DigitOf(in[i]) < 0 && UnitOf(in[i]) != 10) {  // a run starts with a digit or 十
      *o++ = in[i++];
      continue;
    }
    size_t j = i;
    while (j < size && j - i < 12 && (DigitOf(in[j]) >= 0 || UnitOf(in[j]) != 0)) ++j;
    const bool ordinal = i > 0 && in[i - 1] == U'第';
    const bool measured = j < size && IsMeasureWord(in[j]);
    // A lone numeral is a number only before a measure word or after 第 ("一下", "统一" stay).
    if (j - i >= 2 || measured || ordinal) {
      const std::string digits = std::to_string(NumeralValue(in + i, j - i));
      size_t at = static_cast<size_t>(o - output->data());
      if (room < at + digits.size() + (size - j)) {
        room = at + digits.size() + (size - j) + 32;
        output->Room(room);
      }
      o = output->data() + at;
      for (char c : digits) *o++ = static_cast<uint32_t>(c);
    } else {
      o = std::copy(in + i, in + j, o);
    }
    i = j;
  }
  return static_cast<size_t>(o - output->data());
}

// in[0, size) -> *output with the phrase rules applied; returns the output's size.
size_t ReplacePhrases(const uint32_t* in, size_t size, const Tables& t, CodePointBuffer* output) {
  uint32_t* const first = output->Room(size * t.max_growth + 1);
  uint32_t* o = first;
  for (size_t i = 0; i < size;) {
    const Tables::Rule* hit = nullptr;
    if (const std::vector<Tables::Rule>* rules = t.RulesOf(in[i])) {
      for (const Tables::Rule& rule : *rules) {
        const size_t length = rule.from.size();
        if (i + length > size) continue;
        size_t k = 0;
        while (k < length && rule.from[k] == in[i + k]) ++k;  // written out: std::equal stayed a call
        if (k == length) {
          hit = &rule;
          break;
        }
      }
    }
    if (hit) {
      o = std::copy(hit->to.begin(), hit->to.end(), o);
      i += hit->from.size();
    } else {
      *o++ = in[i++];
    }
  }
  return static_cast<size_t>(o - first);
}

// Scratch of one thread: the index build normalizes every text of the FAQ, and a fresh
// buffer per step cost more than the work (emmalloc in wasm especially).
struct Scratch {
  CodePointBuffer a, b;
};

Scratch& ThreadScratch() {
  static thread_local Scratch scratch;
  return scratch;
}

}  // namespace

ZX_FLATTEN CodePointSpan NormalizeDecoded(CodePointSpan decoded) {
  Scratch& s = ThreadScratch();
  const Tables& t = GetTables();
  uint32_t* const a = s.a.data();
  assert(decoded.data == a);  // DecodedCodePoints' buffer: folded in place below
  // Fold in place; the numeral pass runs only when a numeral character is present.
  uint8_t numerals = 0;
  for (size_t i = 0; i < decoded.size; ++i) {
    const uint32_t cp = FoldChar(a[i], t);
    a[i] = cp;
    if (cp < 0x10000) numerals |= t.flags[cp];
  }
  const uint32_t* in = a;
  size_t size = decoded.size;
  CodePointBuffer* free_buffer = &s.b;
  if (numerals & kNumeral) {
    size = ConvertNumerals(a, decoded.size, &s.b);
    in = s.b.data();
    free_buffer = &s.a;
  }
  size = ReplacePhrases(in, size, t, free_buffer);
  return {free_buffer->data(), size};
}

ZX_FLATTEN CodePointSpan DecodedCodePoints(std::string_view text) {
  Scratch& s = ThreadScratch();
  uint32_t* a = s.a.Room(text.size() + 1);
  return {a, DecodeTo(text, a)};
}

ZX_FLATTEN CodePointSpan NormalizedCodePoints(std::string_view text) { return NormalizeDecoded(DecodedCodePoints(text)); }

ZX_FLATTEN void NormalizeQuestionInto(std::string_view text, std::string* out) {
  const CodePointSpan cps = NormalizedCodePoints(text);
  out->resize(cps.size * 4);
  char* o = out->data();
  for (size_t i = 0; i < cps.size; ++i) o += EncodeUtf8(cps.data[i], o);
  out->resize(static_cast<size_t>(o - out->data()));
}

std::string NormalizeQuestion(std::string_view text) {
  std::string out;
  NormalizeQuestionInto(text, &out);
  return out;
}

}  // namespace zhixuan

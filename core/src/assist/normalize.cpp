#include "zhixuan/assist/normalize.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "normalize_tables.inc"
#include "zhixuan/base/flatten.hpp"
#include "zhixuan/base/utf8.hpp"

namespace zhixuan {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;

void DecodeInto(std::string_view text, std::vector<uint32_t>* decoded) {
  // Written through a pointer into a buffer sized for the worst case (a code point per byte):
  // push_back's capacity check per character showed in the FAQ index build.
  std::vector<uint32_t>& out = *decoded;
  out.resize(text.size());
  uint32_t* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    if (p[i] < 0x80) {
      *o++ = p[i++];
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
  out.resize(static_cast<size_t>(o - out.data()));
}

std::vector<uint32_t> Decode(std::string_view text) {
  std::vector<uint32_t> out;
  DecodeInto(text, &out);
  return out;
}

uint32_t DecodeOne(const char* s) { return Decode(s).at(0); }

// Direct tables for the CJK block (one load per character instead of a hash lookup: the
// index build normalizes every question, paraphrase and answer of the FAQ).
constexpr uint32_t kCjkFirst = 0x3400, kCjkLast = 0x9FFF;

struct Tables {
  std::vector<uint32_t> simplified;  // cp - kCjkFirst -> simplified cp (0: unchanged)
  std::vector<uint8_t> phrase_start;  // BMP cp -> 1 if a phrase rule starts with it
  // Phrase rules by first code point, longest first.
  struct Rule {
    std::vector<uint32_t> from, to;
  };
  std::unordered_map<uint32_t, std::vector<Rule>> phrases;
  size_t max_growth = 1;  // the most code points a rule writes per code point it reads

  Tables() : simplified(kCjkLast - kCjkFirst + 1, 0), phrase_start(0x10000, 0) {
    for (const auto& pair : normalize_tables::kTraditionalToSimplified) {
      const uint32_t from = DecodeOne(pair.from);
      if (from >= kCjkFirst && from <= kCjkLast) simplified[from - kCjkFirst] = DecodeOne(pair.to);
    }
    for (const auto& pair : normalize_tables::kPhrases) {
      Rule rule{Decode(pair.from), Decode(pair.to)};
      if (rule.from[0] < 0x10000) phrase_start[rule.from[0]] = 1;
      max_growth = std::max(max_growth, (rule.to.size() + rule.from.size() - 1) / rule.from.size());
      phrases[rule.from[0]].push_back(std::move(rule));
    }
    for (auto& [first, rules] : phrases)
      std::stable_sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) { return a.from.size() > b.from.size(); });
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

uint32_t FoldChar(uint32_t cp, const Tables& t) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  else if (cp == 0x3000) cp = ' ';
  else if (cp == 0x3002 || cp == 0xFF61) cp = '.';
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= kCjkFirst && cp <= kCjkLast && t.simplified[cp - kCjkFirst] != 0) return t.simplified[cp - kCjkFirst];
  return cp;
}

int DigitOf(uint32_t cp) {
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

int UnitOf(uint32_t cp) {
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
int64_t NumeralValue(const std::vector<uint32_t>& run) {
  bool has_unit = false;
  for (uint32_t cp : run) has_unit |= UnitOf(cp) != 0;
  if (!has_unit) {
    int64_t v = 0;
    for (uint32_t cp : run) v = v * 10 + DigitOf(cp);
    return v;
  }
  int64_t total = 0, section = 0, number = 0;
  for (uint32_t cp : run) {
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

// in -> *output (the caller reuses both buffers across texts). Both passes write through a
// pointer into a buffer sized for their worst case: in wasm, push_back per character was not
// inlined and cost more than the work (bench/faq.bench.mjs).
void ConvertNumerals(const std::vector<uint32_t>& in, std::vector<uint32_t>* output) {
  // Sized for copying; a run of numerals can give more digits than it has characters ("十万"
  // -> 100000), so that branch makes room first.
  output->resize(in.size() + 32);
  uint32_t* o = output->data();
  for (size_t i = 0; i < in.size();) {
    if (DigitOf(in[i]) < 0 && UnitOf(in[i]) != 10) {  // a run starts with a digit or 十
      *o++ = in[i++];
      continue;
    }
    size_t j = i;
    while (j < in.size() && j - i < 12 && (DigitOf(in[j]) >= 0 || UnitOf(in[j]) != 0)) ++j;
    const bool ordinal = i > 0 && in[i - 1] == U'第';
    const bool measured = j < in.size() && IsMeasureWord(in[j]);
    // A lone numeral is a number only before a measure word or after 第 ("一下", "统一" stay).
    if (j - i >= 2 || measured || ordinal) {
      const std::string digits = std::to_string(NumeralValue(std::vector<uint32_t>(in.begin() + i, in.begin() + j)));
      const size_t at = static_cast<size_t>(o - output->data());
      if (output->size() < at + digits.size() + (in.size() - j)) output->resize(at + digits.size() + (in.size() - j) + 32);
      o = output->data() + at;
      for (char c : digits) *o++ = static_cast<uint32_t>(c);
    } else {
      o = std::copy(in.begin() + i, in.begin() + j, o);
    }
    i = j;
  }
  output->resize(static_cast<size_t>(o - output->data()));
}

void ReplacePhrases(const std::vector<uint32_t>& in, const Tables& t, std::vector<uint32_t>* output) {
  output->resize(in.size() * t.max_growth + 1);
  uint32_t* o = output->data();
  for (size_t i = 0; i < in.size();) {
    const Tables::Rule* hit = nullptr;
    if (in[i] >= 0x10000 || t.phrase_start[in[i]]) {
      const auto it = t.phrases.find(in[i]);
      if (it != t.phrases.end()) {
        for (const Tables::Rule& rule : it->second) {
          if (i + rule.from.size() <= in.size() && std::equal(rule.from.begin(), rule.from.end(), in.begin() + i)) {
            hit = &rule;
            break;
          }
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
  output->resize(static_cast<size_t>(o - output->data()));
}

}  // namespace

ZX_FLATTEN void NormalizeQuestionInto(std::string_view text, std::string* out) {
  // Two scratch buffers reused across calls: the index build normalizes every text of the FAQ,
  // and a fresh vector per step cost more than the work (emmalloc in wasm especially).
  static thread_local std::vector<uint32_t> a, b;
  const Tables& t = GetTables();
  DecodeInto(text, &a);
  for (uint32_t& cp : a) cp = FoldChar(cp, t);
  ConvertNumerals(a, &b);
  ReplacePhrases(b, t, &a);
  out->resize(a.size() * 4);
  char* o = out->data();
  for (uint32_t cp : a) o += EncodeUtf8(cp, o);
  out->resize(static_cast<size_t>(o - out->data()));
}

std::string NormalizeQuestion(std::string_view text) {
  std::string out;
  NormalizeQuestionInto(text, &out);
  return out;
}

}  // namespace zhixuan

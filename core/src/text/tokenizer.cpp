#include "zhixuan/text/tokenizer.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "stopwords.inc"
#include "zhixuan/base/flatten.hpp"
#include "zhixuan/base/utf8.hpp"

namespace zhixuan {
namespace {

// The per-character and per-token helpers below are forced inline: without it the wasm
// module's LTO keeps them out of line (calls per token in the FAQ index build, base/flatten.hpp).
#define ZX_TOKEN_INLINE inline __attribute__((always_inline))

constexpr uint32_t kReplacement = 0xFFFD;

ZX_TOKEN_INLINE uint64_t Hash64(std::string_view token) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a offset basis
  for (unsigned char c : token) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h += 0x9E3779B97F4A7C15ull;  // splitmix64 finalizer: spreads FNV's weak low bits
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

// Decodes one code point at s[*i] and advances *i. Invalid or overlong
// sequences, surrogates and values above U+10FFFF give U+FFFD and consume one byte.
ZX_TOKEN_INLINE uint32_t DecodeUtf8(const unsigned char* s, size_t n, size_t* i) {
  const unsigned char b0 = s[*i];
  if (b0 < 0x80) {
    *i += 1;
    return b0;
  }
  int length;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) { length = 2; cp = b0 & 0x1F; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { length = 3; cp = b0 & 0x0F; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { length = 4; cp = b0 & 0x07; min = 0x10000; }
  else { *i += 1; return kReplacement; }
  if (*i + length > n) { *i += 1; return kReplacement; }
  for (int k = 1; k < length; ++k) {
    const unsigned char b = s[*i + k];
    if ((b & 0xC0) != 0x80) { *i += 1; return kReplacement; }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *i += 1; return kReplacement; }
  *i += length;
  return cp;
}

ZX_TOKEN_INLINE bool IsCjk(uint32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x2FA1F) ||                                  // Han
         (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30FA) ||  // kana
         (cp >= 0xAC00 && cp <= 0xD7A3);                                      // Hangul syllables
}

ZX_TOKEN_INLINE bool IsDigit(uint32_t cp) { return cp >= '0' && cp <= '9'; }

// Letters of the alphabetic scripts we lower-case (Latin, Greek, Cyrillic).
ZX_TOKEN_INLINE bool IsLetter(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
         (cp >= 0x386 && cp <= 0x3CE) || (cp >= 0x400 && cp <= 0x4FF);
}

ZX_TOKEN_INLINE uint32_t ToLower(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp < 0xC0) return cp;
  if (cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp < 0x178 && cp != 0x130 && cp != 0x131 && cp != 0x138 && cp != 0x149)
    return (cp % 2 == 0) ? cp + 1 : cp;  // Latin Extended-A pairs (upper even, lower odd) up to U+0177
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

// Fullwidth ASCII (common in Chinese input: "Ｐｙｔｈｏｎ３") folds to ASCII.
ZX_TOKEN_INLINE uint32_t FoldWidth(uint32_t cp) { return (cp >= 0xFF01 && cp <= 0xFF5E) ? cp - 0xFEE0 : cp; }

uint32_t FirstCodePoint(const char* utf8) {
  const std::string_view s(utf8);
  size_t i = 0;
  return DecodeUtf8(reinterpret_cast<const unsigned char*>(s.data()), s.size(), &i);
}

// Stopwords as sorted hashes / code points: lookups without building strings. The Basic
// Multilingual Plane's characters also sit in bitsets and the word hashes behind a 4096-bit
// filter: the FAQ index build asks about every character of every question.
struct Stopwords {
  std::vector<uint64_t> english, chinese_words;
  std::vector<uint32_t> chinese_chars, bigram_breakers;
  std::vector<uint64_t> char_bits, breaker_bits, word_filter;
  // The two-character Chinese words as TokenKeys bigram keys (first << 21 | second), behind a filter.
  std::vector<uint64_t> chinese_word_keys, key_filter;

  Stopwords()
      : char_bits(0x10000 / 64, 0), breaker_bits(0x10000 / 64, 0), word_filter(4096 / 64, 0), key_filter(4096 / 64, 0) {
    for (const char* w : stopwords::kEnglish) english.push_back(Hash64(w));
    for (const char* w : stopwords::kChineseWords) chinese_words.push_back(Hash64(w));
    for (const char* c : stopwords::kChineseChars) chinese_chars.push_back(FirstCodePoint(c));
    for (const char* c : stopwords::kChineseBigramBreakers) bigram_breakers.push_back(FirstCodePoint(c));
    for (auto* v : {&english, &chinese_words}) std::sort(v->begin(), v->end());
    for (auto* v : {&chinese_chars, &bigram_breakers}) std::sort(v->begin(), v->end());
    for (uint32_t cp : chinese_chars) SetBit(&char_bits, cp);
    for (uint32_t cp : bigram_breakers) SetBit(&breaker_bits, cp);
    for (uint64_t h : chinese_words) word_filter[(h & 4095) >> 6] |= 1ull << (h & 63);
    for (const char* w : stopwords::kChineseWords) {
      const std::string_view word(w);
      size_t i = 0;
      const auto* bytes = reinterpret_cast<const unsigned char*>(word.data());
      const uint32_t first = DecodeUtf8(bytes, word.size(), &i);
      if (i >= word.size()) continue;
      const uint32_t second = DecodeUtf8(bytes, word.size(), &i);
      if (i == word.size()) chinese_word_keys.push_back(BigramKey(first, second));
    }
    std::sort(chinese_word_keys.begin(), chinese_word_keys.end());
    for (uint64_t k : chinese_word_keys) {
      const uint64_t f = KeyFilterBit(k);
      key_filter[f >> 6] |= 1ull << (f & 63);
    }
  }
  static uint64_t BigramKey(uint32_t first, uint32_t second) { return static_cast<uint64_t>(first) << 21 | second; }
  static uint64_t KeyFilterBit(uint64_t key) { return (key * 0x9E3779B97F4A7C15ull) >> 52; }
  template <typename T>
  ZX_TOKEN_INLINE static bool Has(const std::vector<T>& v, T x) {
    size_t lo = 0, hi = v.size();  // binary search, written out so that it inlines
    const T* d = v.data();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (d[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo < v.size() && d[lo] == x;
  }
  ZX_TOKEN_INLINE bool IsChineseChar(uint32_t cp) const { return cp < 0x10000 ? Bit(char_bits, cp) : Has(chinese_chars, cp); }
  ZX_TOKEN_INLINE bool IsBreaker(uint32_t cp) const { return cp < 0x10000 ? Bit(breaker_bits, cp) : Has(bigram_breakers, cp); }
  bool IsChineseWord(uint64_t h) const {
    return (word_filter[(h & 4095) >> 6] >> (h & 63) & 1) && Has(chinese_words, h);
  }
  bool IsChineseWordKey(uint64_t key) const {
    const uint64_t f = KeyFilterBit(key);
    return (key_filter[f >> 6] >> (f & 63) & 1) && Has(chinese_word_keys, key);
  }

 private:
  static void SetBit(std::vector<uint64_t>* bits, uint32_t cp) {
    if (cp < 0x10000) (*bits)[cp >> 6] |= 1ull << (cp & 63);
  }
  ZX_TOKEN_INLINE static bool Bit(const std::vector<uint64_t>& bits, uint32_t cp) { return bits[cp >> 6] >> (cp & 63) & 1; }
};

const Stopwords& Lists() {
  static const Stopwords lists;
  return lists;
}

class Emitter {
 public:
  Emitter(const TokenizerOptions& options, TokenSink emit, void* context)
      : options_(options), lists_(Lists()), emit_(emit), context_(context) {}

  bool full() const { return count_ >= kMaxTokensPerText; }

  ZX_TOKEN_INLINE void Word(const char* data, size_t size) {
    if (size == 0 || full()) return;
    const std::string_view token(data, size);
    const uint64_t h = Hash64(token);
    if (options_.drop_stopwords && Stopwords::Has(lists_.english, h)) return;
    Emit(token, h);
  }

  ZX_TOKEN_INLINE void CjkRun(const std::vector<uint32_t>& cps) {
    char buf[8];
    for (size_t i = 0; i < cps.size() && !full(); ++i) {
      const int a = EncodeUtf8(cps[i], buf);
      if (!options_.drop_stopwords || !lists_.IsChineseChar(cps[i]))
        Emit(std::string_view(buf, a), Hash64(std::string_view(buf, a)));
      if (!options_.cjk_bigrams || i + 1 >= cps.size() || full()) continue;
      if (options_.drop_stopwords &&
          (lists_.IsBreaker(cps[i]) || lists_.IsBreaker(cps[i + 1])))
        continue;
      const int b = EncodeUtf8(cps[i + 1], buf + a);
      const std::string_view bigram(buf, a + b);
      const uint64_t h = Hash64(bigram);
      if (options_.drop_stopwords && lists_.IsChineseWord(h)) continue;
      Emit(bigram, h);
    }
  }

 private:
  ZX_TOKEN_INLINE void Emit(std::string_view token, uint64_t hash) {
    emit_(context_, token, hash);
    ++count_;
  }

  const TokenizerOptions& options_;
  const Stopwords& lists_;
  TokenSink emit_;
  void* context_;
  size_t count_ = 0;
};

}  // namespace

uint64_t TokenHash64(std::string_view token) { return Hash64(token); }

bool IsStopword(std::string_view token) {
  const Stopwords& lists = Lists();
  const uint64_t h = TokenHash64(token);
  if (Stopwords::Has(lists.english, h) || Stopwords::Has(lists.chinese_words, h)) return true;
  size_t i = 0;
  if (token.empty()) return false;
  const uint32_t cp = DecodeUtf8(reinterpret_cast<const unsigned char*>(token.data()), token.size(), &i);
  return i == token.size() && Stopwords::Has(lists.chinese_chars, cp);
}

ZX_FLATTEN void ForEachToken(std::string_view text, const TokenizerOptions& options, TokenSink emit, void* context) {
  Emitter sink(options, emit, context);
  size_t n = text.size();
  if (n > kMaxTokenizeBytes) {  // cut at a code point boundary
    n = kMaxTokenizeBytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());

  char word[kMaxTokenBytes + 8];  // current Latin word or number, lower-cased UTF-8
  size_t word_size = 0;
  bool word_has_letter = false;
  // The current CJK run; one buffer per thread (an allocation per text was a tenth of the FAQ build).
  thread_local std::vector<uint32_t> cjk;
  cjk.clear();
  auto flush_word = [&] {
    sink.Word(word, word_size);
    word_size = 0;
    word_has_letter = false;
  };
  auto flush_cjk = [&] {
    if (!cjk.empty()) sink.CjkRun(cjk);
    cjk.clear();
  };

  size_t i = 0;
  while (i < n && !sink.full()) {
    const uint32_t cp = FoldWidth(DecodeUtf8(s, n, &i));
    if (IsCjk(cp)) {
      if (word_size) flush_word();
      if (cjk.size() < kMaxTokensPerText) cjk.push_back(cp);
      continue;
    }
    if (!cjk.empty()) flush_cjk();
    const bool letter = IsLetter(cp);
    if (letter || IsDigit(cp)) {
      char bytes[4];
      const int size = EncodeUtf8(letter ? ToLower(cp) : cp, bytes);
      if (word_size + size <= kMaxTokenBytes) {
        for (int b = 0; b < size; ++b) word[word_size++] = bytes[b];
      }
      word_has_letter |= letter;
      continue;
    }
    // "3.5" stays one number; "c++" and "c#" stay one word.
    if (cp == '.' && word_size > 0 && !word_has_letter && IsDigit(static_cast<unsigned char>(word[word_size - 1])) &&
        i < n && IsDigit(s[i])) {
      if (word_size + 1 <= kMaxTokenBytes) word[word_size++] = '.';
      continue;
    }
    if ((cp == '+' || cp == '#') && word_has_letter && word_size <= 2) {
      word[word_size++] = static_cast<char>(cp);
      continue;
    }
    if (word_size) flush_word();  // anything else separates: spaces, punctuation, emoji, controls, U+FFFD
  }
  if (word_size) flush_word();
  flush_cjk();
}

namespace {

constexpr uint64_t kWordKeyBit = 1ull << 63;

ZX_TOKEN_INLINE size_t Utf8Length(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

}  // namespace

// ForEachToken's rules over code points: the same tokens in the same order, as keys.
ZX_FLATTEN size_t TokenKeys(const uint32_t* cps, size_t size, const TokenizerOptions& options, uint64_t* out) {
  const Stopwords& lists = Lists();
  const bool drop = options.drop_stopwords;
  // ForEachToken reads the first kMaxTokenizeBytes of the UTF-8 text, cut at a code point.
  size_t n = 0;
  for (size_t bytes = 0; n < size; ++n) {
    bytes += Utf8Length(cps[n]);
    if (bytes > kMaxTokenizeBytes) break;
  }
  uint64_t* const first = out;
  uint64_t* const last = out + kMaxTokensPerText;  // at most kMaxTokensPerText tokens
  char word[kMaxTokenBytes + 8];
  size_t word_size = 0;
  bool word_has_letter = false;
  auto flush_word = [&] {
    if (word_size && out < last) {
      const uint64_t h = Hash64(std::string_view(word, word_size));
      if (!drop || !Stopwords::Has(lists.english, h)) *out++ = h | kWordKeyBit;
    }
    word_size = 0;
    word_has_letter = false;
  };
  size_t i = 0;
  while (i < n && out < last) {
    const uint32_t cp = FoldWidth(cps[i]);
    if (IsCjk(cp)) {
      if (word_size) flush_word();
      // The run of CJK characters from i (its first kMaxTokensPerText kept, as ForEachToken does).
      size_t end = i + 1;
      while (end < n && IsCjk(FoldWidth(cps[end]))) ++end;
      const size_t kept = std::min(end, i + kMaxTokensPerText);
      for (size_t j = i; j < kept && out < last; ++j) {
        const uint32_t c = FoldWidth(cps[j]);
        if (!drop || !lists.IsChineseChar(c)) *out++ = c;
        if (!options.cjk_bigrams || j + 1 >= kept || out >= last) continue;
        const uint32_t next = FoldWidth(cps[j + 1]);
        if (drop && (lists.IsBreaker(c) || lists.IsBreaker(next))) continue;
        const uint64_t key = Stopwords::BigramKey(c, next);
        if (drop && lists.IsChineseWordKey(key)) continue;
        *out++ = key;
      }
      i = end;
      continue;
    }
    ++i;
    const bool letter = IsLetter(cp);
    if (letter || IsDigit(cp)) {
      char bytes[4];
      const int length = EncodeUtf8(letter ? ToLower(cp) : cp, bytes);
      if (word_size + length <= kMaxTokenBytes) {
        for (int b = 0; b < length; ++b) word[word_size++] = bytes[b];
      }
      word_has_letter |= letter;
      continue;
    }
    // "3.5" stays one number (the next character an ASCII digit as written); "c++" and "c#" stay one word.
    if (cp == '.' && word_size > 0 && !word_has_letter && IsDigit(static_cast<unsigned char>(word[word_size - 1])) &&
        i < n && IsDigit(cps[i])) {
      if (word_size + 1 <= kMaxTokenBytes) word[word_size++] = '.';
      continue;
    }
    if ((cp == '+' || cp == '#') && word_has_letter && word_size <= 2) {
      word[word_size++] = static_cast<char>(cp);
      continue;
    }
    if (word_size) flush_word();
  }
  if (word_size) flush_word();
  return static_cast<size_t>(out - first);
}

uint64_t TokenKeyOf(std::string_view token) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(token.data());
  size_t i = 0;
  uint32_t cps[3] = {0, 0, 0};
  int count = 0;
  while (i < token.size() && count < 3) cps[count++] = DecodeUtf8(bytes, token.size(), &i);
  if (i == token.size() && count >= 1 && count <= 2 && IsCjk(cps[0]) && (count == 1 || IsCjk(cps[1])))
    return count == 1 ? cps[0] : Stopwords::BigramKey(cps[0], cps[1]);
  return Hash64(token) | kWordKeyBit;
}

std::vector<std::string> Tokenize(std::string_view text, const TokenizerOptions& options) {
  std::vector<std::string> tokens;
  ForEachToken(
      text, options,
      [](void* context, std::string_view token, uint64_t) { static_cast<std::vector<std::string>*>(context)->emplace_back(token); },
      &tokens);
  return tokens;
}

}  // namespace zhixuan

#include "zhixuan/tokenizer.hpp"

#include <cstdint>
#include <string>
#include <unordered_set>

#include "stopwords.inc"

namespace zhixuan {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;

// Decodes one code point at s[*i] and advances *i. Invalid or overlong
// sequences, surrogates and values above U+10FFFF give U+FFFD and consume one byte.
uint32_t DecodeUtf8(const unsigned char* s, size_t n, size_t* i) {
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

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsCjk(uint32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x2FA1F) ||                            // Han
         (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30FA) ||  // kana
         (cp >= 0xAC00 && cp <= 0xD7A3);                                 // Hangul syllables
}

bool IsDigit(uint32_t cp) { return cp >= '0' && cp <= '9'; }

// Letters of the alphabetic scripts we lower-case (Latin, Greek, Cyrillic).
bool IsLetter(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
         (cp >= 0x386 && cp <= 0x3CE) || (cp >= 0x400 && cp <= 0x4FF);
}

uint32_t ToLower(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 && cp != 0x138 && cp != 0x149 && cp < 0x178)
    return (cp % 2 == 0) ? cp + 1 : cp;  // Latin Extended-A pairs (upper even, lower odd) up to U+0177
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

// Fullwidth ASCII (common in Chinese input: "Ｐｙｔｈｏｎ３") folds to ASCII.
uint32_t FoldWidth(uint32_t cp) { return (cp >= 0xFF01 && cp <= 0xFF5E) ? cp - 0xFEE0 : cp; }

template <size_t N>
std::unordered_set<std::string> SetOf(const char* const (&words)[N]) {
  return std::unordered_set<std::string>(std::begin(words), std::end(words));
}

struct Stopwords {
  std::unordered_set<std::string> english = SetOf(stopwords::kEnglish);
  std::unordered_set<std::string> chinese_chars = SetOf(stopwords::kChineseChars);
  std::unordered_set<std::string> chinese_words = SetOf(stopwords::kChineseWords);
  std::unordered_set<std::string> bigram_breakers = SetOf(stopwords::kChineseBigramBreakers);
};

const Stopwords& Lists() {
  static const Stopwords lists;
  return lists;
}

class TokenSink {
 public:
  TokenSink(const TokenizerOptions& options, std::vector<std::string>* out) : options_(options), out_(out) {}

  bool full() const { return out_->size() >= kMaxTokensPerText; }

  void Word(std::string word) {
    if (word.empty() || full()) return;
    if (options_.drop_stopwords && Lists().english.count(word)) return;
    out_->push_back(std::move(word));
  }

  // A run of CJK characters, each as its UTF-8 bytes.
  void CjkRun(const std::vector<std::string>& chars) {
    const Stopwords& lists = Lists();
    for (size_t i = 0; i < chars.size() && !full(); ++i) {
      if (!options_.drop_stopwords || !lists.chinese_chars.count(chars[i])) out_->push_back(chars[i]);
      if (!options_.cjk_bigrams || i + 1 >= chars.size() || full()) continue;
      std::string bigram = chars[i] + chars[i + 1];
      if (options_.drop_stopwords &&
          (lists.bigram_breakers.count(chars[i]) || lists.bigram_breakers.count(chars[i + 1]) ||
           lists.chinese_words.count(bigram)))
        continue;
      out_->push_back(std::move(bigram));
    }
  }

 private:
  const TokenizerOptions& options_;
  std::vector<std::string>* out_;
};

}  // namespace

bool IsStopword(std::string_view token) {
  const Stopwords& lists = Lists();
  const std::string t(token);
  return lists.english.count(t) || lists.chinese_chars.count(t) || lists.chinese_words.count(t);
}

std::vector<std::string> Tokenize(std::string_view text, const TokenizerOptions& options) {
  std::vector<std::string> tokens;
  TokenSink sink(options, &tokens);
  size_t n = text.size();
  if (n > kMaxTokenizeBytes) {  // cut at a code point boundary
    n = kMaxTokenizeBytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());

  std::string word;                // current Latin word or number, lower-cased UTF-8
  bool word_has_letter = false;
  std::vector<std::string> cjk;    // current CJK run
  auto flush_word = [&] {
    sink.Word(std::move(word));
    word.clear();
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
      flush_word();
      if (cjk.size() < kMaxTokensPerText) {
        std::string c;
        AppendUtf8(cp, &c);
        cjk.push_back(std::move(c));
      }
      continue;
    }
    flush_cjk();
    const bool letter = IsLetter(cp);
    if (letter || IsDigit(cp)) {
      if (word.size() < kMaxTokenBytes) AppendUtf8(letter ? ToLower(cp) : cp, &word);
      word_has_letter |= letter;
      continue;
    }
    // "3.5" stays one number; "c++" and "c#" stay one word.
    const bool next_is_digit = i < n && IsDigit(s[i]);
    if (cp == '.' && !word.empty() && !word_has_letter && IsDigit(static_cast<unsigned char>(word.back())) &&
        next_is_digit) {
      if (word.size() < kMaxTokenBytes) word.push_back('.');
      continue;
    }
    if ((cp == '+' || cp == '#') && word_has_letter && word.size() <= 2) {
      word.push_back(static_cast<char>(cp));
      continue;
    }
    flush_word();  // anything else separates: spaces, punctuation, emoji, controls, U+FFFD
  }
  flush_word();
  flush_cjk();
  return tokens;
}

}  // namespace zhixuan

// TokenKeys (the tokenizer over decoded code points, for the FAQ index) against Tokenize: the
// same tokens, in the same order, under every option and limit.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "zhixuan/base/utf8.hpp"
#include "zhixuan/text/tokenizer.hpp"

using namespace zhixuan;

namespace {

// UTF-8 -> code points, an invalid byte as U+FFFD (what the FAQ normalizer hands the tokenizer).
std::vector<uint32_t> Decode(const std::string& text) {
  std::vector<uint32_t> out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    if (p[i] < 0x80) {
      out.push_back(p[i++]);
      continue;
    }
    const size_t n = Utf8SequenceLength(p + i, text.size() - i);
    if (n == 0) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    uint32_t cp = n == 2 ? p[i] & 0x1F : n == 3 ? p[i] & 0x0F : p[i] & 0x07;
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::vector<uint64_t> KeysOf(const std::string& text, const TokenizerOptions& options) {
  const std::vector<uint32_t> cps = Decode(text);
  std::vector<uint64_t> keys(2 * cps.size() + 1);
  keys.resize(TokenKeys(cps.data(), cps.size(), options, keys.data()));
  return keys;
}

std::vector<uint64_t> ExpectedKeys(const std::string& text, const TokenizerOptions& options) {
  std::vector<uint64_t> keys;
  for (const std::string& token : Tokenize(text, options)) keys.push_back(TokenKeyOf(token));
  return keys;
}

void CheckSame(const std::string& text) {
  for (bool drop : {true, false})
    for (bool bigrams : {true, false}) {
      TokenizerOptions options;
      options.drop_stopwords = drop;
      options.cjk_bigrams = bigrams;
      INFO("drop_stopwords " << drop << ", cjk_bigrams " << bigrams);
      CHECK(KeysOf(text, options) == ExpectedKeys(text, options));
    }
}

}  // namespace

TEST_CASE("TokenKeys gives Tokenize's tokens as keys", "[text][tokenizer]") {
  for (const char* text : {"数据分析", "Learn PYTHON 3.5 and C++, C# in 2024!", "Python数据", "ＰＹＴＨＯＮ３ 课程",
                           "我们的课程怎么样，这个老师和助教都很好吗？", "学习的方法", "Ελληνικά Кириллица Àçé",
                           "v1.2.3 3.5.6 .5 5. c+++ c## x#", "退款🔥申请\x01发票", "", "   "}) {
    INFO(text);
    CheckSame(text);
  }
  SECTION("a CJK unigram's key is its code point, a bigram's both, a word's a hash with the top bit") {
    CHECK(TokenKeyOf("数") == 0x6570);
    CHECK(TokenKeyOf("数据") == (uint64_t{0x6570} << 21 | 0x636E));
    CHECK(TokenKeyOf("python") >> 63 == 1);
  }
}

TEST_CASE("TokenKeys agrees with Tokenize on random mixed text, invalid UTF-8 included", "[text][tokenizer]") {
  const std::vector<std::string> pieces = {"的", "了", "我们", "退", "款", "发票", "课", "学习", "和", "什么", "A", "b",
                                           "Z", "0", "7", ".", "+", "#", " ", "，", "Ｃ", "７", "．", "é", "Ж", "🔥",
                                           "\xff", "\xe6\x95", "\xc0\xaf", "ア", "한", "𠀀"};
  std::mt19937 rng(16);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int length = static_cast<int>(rng() % 40);
    for (int i = 0; i < length; ++i) text += pieces[rng() % pieces.size()];
    INFO("round " << round);
    CheckSame(text);
  }
}

TEST_CASE("TokenKeys keeps Tokenize's limits", "[text][tokenizer]") {
  SECTION("the first 64 KiB, cut at a character") {
    std::string text(kMaxTokenizeBytes - 1, ' ');
    text += "中文 tail";
    CheckSame(text);
    CheckSame(std::string(kMaxTokenizeBytes - 4, ' ') + "ab中文");
  }
  SECTION("at most kMaxTokensPerText tokens, in words and in CJK runs") {
    std::string words, cjk;
    while (words.size() < kMaxTokenizeBytes) words += "ab ";
    while (cjk.size() < 40000) cjk += "课程数据";
    CheckSame(words);
    CheckSame(cjk);
    CHECK(KeysOf(cjk, {}).size() == kMaxTokensPerText);
  }
  SECTION("long words cut to kMaxTokenBytes") { CheckSame(std::string(1000, 'x') + " " + std::string(70, '9')); }
}

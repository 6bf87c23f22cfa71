#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "zhixuan/text/tokenizer.hpp"

using namespace zhixuan;

namespace {
bool Has(const std::vector<std::string>& tokens, const std::string& t) {
  return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}
}  // namespace

TEST_CASE("CJK runs give character unigrams and bigrams", "[text][tokenizer]") {
  auto t = Tokenize("数据分析");
  CHECK(t == std::vector<std::string>{"数", "数据", "据", "据分", "分", "分析", "析"});
}

TEST_CASE("Latin words are lower-cased, numbers kept, c++ and c# stay whole", "[text][tokenizer]") {
  auto t = Tokenize("Learn PYTHON 3.5 and C++, C# in 2024!");
  CHECK(t == std::vector<std::string>{"learn", "python", "3.5", "c++", "c#", "2024"});
}

TEST_CASE("mixed Chinese and English split at script changes", "[text][tokenizer]") {
  auto t = Tokenize("Python数据");
  CHECK(t == std::vector<std::string>{"python", "数", "数据", "据"});
}

TEST_CASE("fullwidth ASCII folds to ASCII", "[text][tokenizer]") {
  CHECK(Tokenize("Ｐｙｔｈｏｎ３") == std::vector<std::string>{"python3"});
}

TEST_CASE("Greek, Cyrillic and Latin-1 letters are lower-cased", "[text][tokenizer]") {
  auto t = Tokenize("ÀÉÎ Русский ΕΛΛΑΣ");
  CHECK(t == std::vector<std::string>{"àéî", "русский", "ελλασ"});  // no final-sigma rule
}

TEST_CASE("stopwords are dropped in both languages", "[text][tokenizer]") {
  SECTION("English function words") { CHECK(Tokenize("the art of the deal") == std::vector<std::string>{"art", "deal"}); }
  SECTION("Chinese particles drop as unigrams and break bigrams") {
    auto t = Tokenize("学习的方法");
    CHECK(Has(t, "学习"));
    CHECK(Has(t, "方法"));
    CHECK_FALSE(Has(t, "的"));
    CHECK_FALSE(Has(t, "习的"));
    CHECK_FALSE(Has(t, "的方"));
  }
  SECTION("Chinese function words drop as bigrams") {
    auto t = Tokenize("我们如何学习");
    CHECK_FALSE(Has(t, "我们"));
    CHECK_FALSE(Has(t, "如何"));
    CHECK(Has(t, "学习"));
  }
  SECTION("kept when asked") {
    TokenizerOptions keep;
    keep.drop_stopwords = false;
    CHECK(Tokenize("the 的", keep) == std::vector<std::string>{"the", "的"});
  }
  CHECK(IsStopword("the"));
  CHECK(IsStopword("的"));
  CHECK(IsStopword("我们"));
  CHECK_FALSE(IsStopword("python"));
}

TEST_CASE("emoji, symbols and control characters only separate tokens", "[text][tokenizer]") {
  CHECK(Tokenize("🔥Python🔥课程") == std::vector<std::string>{"python", "课", "课程", "程"});
  CHECK(Tokenize(std::string("a\x01" "b\tc\nd\x7f" "e")) == std::vector<std::string>{"b", "c", "d", "e"});  // "a" is a stopword
  CHECK(Tokenize("👩‍💻 ✨ ™ ©").empty());
}

TEST_CASE("invalid UTF-8 is skipped, never a crash", "[text][tokenizer]") {
  SECTION("stray and truncated bytes") {
    CHECK(Tokenize(std::string("\xff\xfe" "abc\xc3\x28" "x")) == std::vector<std::string>{"abc", "x"});
    CHECK(Tokenize(std::string("python\xf0\x9f\x98")) == std::vector<std::string>{"python"});
  }
  SECTION("overlong encodings and surrogates are not letters") {
    CHECK(Tokenize(std::string("\xc0\xaf\xc1\x81\xed\xa0\x80")).empty());  // overlong '/', overlong 'A', lone surrogate
  }
  SECTION("a broken CJK byte splits the run") {
    auto t = Tokenize(std::string("中\xe6\x96文"));
    CHECK(t == std::vector<std::string>{"中", "文"});
  }
  SECTION("every single byte value") {
    std::string all;
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
    auto t = Tokenize(all);
    CHECK(Has(t, "0123456789"));
  }
}

TEST_CASE("huge inputs are truncated as documented", "[text][tokenizer]") {
  SECTION("only the first 64 KiB are read") {
    std::string text(kMaxTokenizeBytes, ' ');
    text += "tail";
    CHECK(Tokenize(text).empty());
  }
  SECTION("a cut in the middle of a character leaves no partial token") {
    std::string text(kMaxTokenizeBytes - 1, ' ');
    text += "中文";  // the cut at 64 KiB falls inside 中
    CHECK(Tokenize(text).empty());
  }
  SECTION("at most kMaxTokensPerText tokens") {
    std::string text;
    while (text.size() < kMaxTokenizeBytes) text += "ab ";
    CHECK(Tokenize(text).size() == kMaxTokensPerText);
  }
  SECTION("long words are cut to kMaxTokenBytes") {
    auto t = Tokenize(std::string(1000, 'x'));
    REQUIRE(t.size() == 1);
    CHECK(t[0].size() == kMaxTokenBytes);
  }
  SECTION("a 1 MB title is fine") {
    std::string title;
    while (title.size() < (1u << 20)) title += "Python 课程 ";
    auto t = Tokenize(title);
    CHECK(!t.empty());
    CHECK(t.size() <= kMaxTokensPerText);
  }
}

TEST_CASE("ForEachToken gives the tokens of Tokenize with their hashes", "[text][tokenizer]") {
  const std::string text = "Python 数据分析 the C++ 🔥";
  std::vector<std::pair<std::string, uint64_t>> seen;
  ForEachToken(text, {}, [](void* c, std::string_view t, uint64_t h) {
    static_cast<std::vector<std::pair<std::string, uint64_t>>*>(c)->emplace_back(std::string(t), h);
  }, &seen);
  auto tokens = Tokenize(text);
  REQUIRE(seen.size() == tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    CHECK(seen[i].first == tokens[i]);
    CHECK(seen[i].second == TokenHash64(tokens[i]));
  }
}

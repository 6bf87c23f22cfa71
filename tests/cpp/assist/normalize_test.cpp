#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "zhixuan/assist/normalize.hpp"

using namespace zhixuan;

TEST_CASE("traditional characters become simplified", "[assist][normalize]") {
  CHECK(NormalizeQuestion("請問怎麼申請發票") == NormalizeQuestion("请问怎么申请发票"));
  CHECK(NormalizeQuestion("課程") == "课程");
}

TEST_CASE("full-width ASCII and case fold", "[assist][normalize]") {
  CHECK(NormalizeQuestion("ＡＰＰ会员") == "app会员");
  CHECK(NormalizeQuestion("ＶＩＰ") == "会员");  // folded, then the synonym table
  CHECK(NormalizeQuestion("Python") == "python");
}

TEST_CASE("Chinese numerals become Arabic where they are numbers", "[assist][normalize]") {
  CHECK(NormalizeQuestion("七天") == "7天");
  CHECK(NormalizeQuestion("三十天") == "30天");
  CHECK(NormalizeQuestion("两个月") == "2个月");
  CHECK(NormalizeQuestion("第一节") == "第1节");
  CHECK(NormalizeQuestion("二十五") == "25");
  SECTION("a lone numeral outside a number stays") {
    CHECK(NormalizeQuestion("看一下") == "看一下");
    CHECK(NormalizeQuestion("统一") == "统一");
    CHECK(NormalizeQuestion("万一") == "万一");
  }
  SECTION("numbers with more digits than numerals, many in one text (the output outgrows the input)") {
    std::string in, expected;
    for (int i = 0; i < 200; ++i) {
      in += "十万天";
      expected += "100000天";
    }
    CHECK(NormalizeQuestion(in) == expected);
  }
}

TEST_CASE("synonyms and typos map to one form", "[assist][normalize]") {
  CHECK(NormalizeQuestion("退钱") == "退款");
  CHECK(NormalizeQuestion("开票") == "发票");
  CHECK(NormalizeQuestion("结业证") == "证书");
  CHECK(NormalizeQuestion("登陆") == "登录");
  CHECK(NormalizeQuestion("优惠卷") == "优惠券");
  CHECK(NormalizeQuestion("视屏") == "视频");
  SECTION("the longest phrase wins") { CHECK(NormalizeQuestion("结业证书") == "证书"); }
}

TEST_CASE("invalid UTF-8 never fails", "[assist][normalize]") {
  const std::string bad = std::string("退") + "\xff\xfe" + "钱";
  const std::string out = NormalizeQuestion(bad);
  CHECK(out.find("\xef\xbf\xbd") != std::string::npos);
  CHECK(NormalizeQuestion("") == "");
}

TEST_CASE("normalizing decoded code points gives NormalizedCodePoints' result", "[assist][normalize]") {
  for (const char* text : {"發票怎麼開", "ＶＩＰ七天能退吗", "三十天 的训练营", "退钱\xff\xfe!", ""}) {
    INFO(text);
    const CodePointSpan direct = NormalizedCodePoints(text);
    const std::vector<uint32_t> expected(direct.data, direct.data + direct.size);
    const CodePointSpan decoded = DecodedCodePoints(text);
    const CodePointSpan normalized = NormalizeDecoded(decoded);
    CHECK(std::vector<uint32_t>(normalized.data, normalized.data + normalized.size) == expected);
  }
}

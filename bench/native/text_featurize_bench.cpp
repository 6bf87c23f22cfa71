// Featurization speed (issue 5: 1,000 titles <= 20 ms on the device; this is the
// native figure, the wasm figure comes from tests/js/text.bench.mjs), and the
// native side of the native == wasm featurizer check:
//   text_featurize_bench                      time 1,000 mixed Chinese/English titles
//   text_featurize_bench --fixture out.json   also write the features of the shared
//                                             test strings (tests/js/text_fixture.json)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zhixuan/text/text.hpp"

using namespace zhixuan;

namespace {

// 1,000 deterministic course titles, mixed Chinese/English, 20-40 characters.
std::vector<std::string> SampleTitles() {
  const char* subjects[] = {"Python", "Java", "考研数学", "考研英语", "雅思口语", "机器学习", "数据分析", "PPT 设计",
                            "高中物理", "C++ 编程", "日语 N2", "摄影", "Excel 函数", "产品经理", "深度学习", "React 前端"};
  const char* kinds[] = {"零基础入门", "实战训练营", "精讲课", "强化冲刺班", "30 天速成", "从入门到精通", "进阶专题", "2024 全程班"};
  const char* extras[] = {"（附源码）", "：面试必备", "| 名师带学", " - 第 3 版", "🔥限时特惠", "", "：小白也能学会", " for beginners"};
  std::vector<std::string> titles;
  for (int i = 0; i < 1000; ++i)
    titles.push_back(std::string(subjects[i % 16]) + " " + kinds[(i / 16) % 8] + extras[(i / 128 + i) % 8] + " " + std::to_string(i));
  return titles;
}

std::string Hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) { out += digits[c >> 4]; out += digits[c & 15]; }
  return out;
}

// The shared fixture strings: odd bytes on purpose (invalid UTF-8, controls, emoji, huge).
// A case is `text` repeated `times` times (the huge input stays small in the fixture).
struct FixtureCase {
  std::string text;
  int times = 1;
};
std::vector<FixtureCase> FixtureStrings() {
  std::vector<FixtureCase> cases = {{"机器学习 Python 3.5 ", 8000}, {"Python课程", 200000}};
  for (const char* text : {"", "Python 数据分析与可视化实战", "考研数学一 高等数学强化课", "C++ 从入门到精通 c# F#",
          "Ｐｙｔｈｏｎ３ 全角字母", "🔥爆款 Python 课程🔥 👩‍💻", "a\x01" "b\tc\nd\x7f" "e", "\xff\xfe abc \xc3\x28 中\xe6\x96文",
          "\xc0\xaf overlong \xed\xa0\x80 surrogate \xf0\x9f\x98", "the of and 的 了", "3.5 小时 2024 版 v1.2.3",
          "Ελληνικά Русский ÀÉÎ Ärger", "学习的方法 面向对象 在线课程", "日本語のテキスト 한국어 강좌"})
    cases.push_back({text, 1});
  return cases;
}

}  // namespace

int main(int argc, char** argv) {
  const TextFeaturizer plain;
  const std::vector<std::string> titles = SampleTitles();
  size_t nnz = 0;
  double best_ms = 1e9;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    nnz = 0;
    for (const std::string& t : titles) nnz += plain.FeaturizeQuery(t).indices.size();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("native: featurize 1000 titles: best of 20 = %.2f ms (%.1f features/title)\n", best_ms, nnz / 1000.0);

  if (argc == 3 && std::string(argv[1]) == "--fixture") {
    nlohmann::json cases = nlohmann::json::array();
    for (const FixtureCase& c : FixtureStrings()) {
      std::string s;
      for (int t = 0; t < c.times; ++t) s += c.text;
      const SparseVector v = plain.FeaturizeQuery(s);
      nlohmann::json values = nlohmann::json::array();
      for (float x : v.values) values.push_back(x);
      cases.push_back({{"hex", Hex(c.text)}, {"times", c.times}, {"indices", v.indices}, {"values", values}});
    }
    std::ofstream(argv[2]) << nlohmann::json{{"about", "features of TextFeaturizer().FeaturizeQuery (no idf) of each case's UTF-8 bytes (hex) repeated `times` times, written by bench/native/text_featurize_bench --fixture"}, {"cases", cases}}.dump(1) << "\n";
    std::printf("wrote %s\n", argv[2]);
  }
  return 0;
}

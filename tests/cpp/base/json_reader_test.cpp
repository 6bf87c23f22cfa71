#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "zhixuan/base/json_reader.hpp"

using namespace zhixuan;

namespace {

std::string ErrorOf(const std::string& text) {
  JsonDocument doc;
  std::string error;
  return doc.Parse(text, &error) ? std::string("OK") : error;
}

}  // namespace

TEST_CASE("the JSON reader reads every kind of value", "[json]") {
  const std::string text = R"( {"s":"a\"b\\c\/\u00e9\ud83d\ude00","n":-12,"f":1.5e3,"t":true,"x":false,"z":null,
                               "a":[1,[2,[]],{}],"o":{"k":"v"}} )";
  JsonDocument doc;
  REQUIRE(doc.Parse(text, nullptr));
  const JsonValue root = doc.root();
  REQUIRE(root.is_object());
  REQUIRE(root.size() == 8);
  REQUIRE(root.Find("s").as_string() == "a\"b\\c/\xC3\xA9\xF0\x9F\x98\x80");
  REQUIRE(root.Find("n").is_integer());
  REQUIRE(root.Find("n").as_int64() == -12);
  REQUIRE_FALSE(root.Find("f").is_integer());
  REQUIRE(root.Find("f").as_double() == 1500.0);
  REQUIRE(root.Find("t").as_bool());
  REQUIRE(root.Find("x").is_bool());
  REQUIRE_FALSE(root.Find("x").as_bool());
  REQUIRE(root.Find("z").is_null());
  REQUIRE_FALSE(root.Find("missing").exists());
  REQUIRE_FALSE(root.Find("missing").is_null());
  const JsonValue a = root.Find("a");
  REQUIRE(a.size() == 3);
  int kinds = 0;
  for (JsonValue v : a.elements()) kinds = kinds * 10 + static_cast<int>(v.type());
  REQUIRE(kinds == 245);  // number, array, object: nested values are skipped as a whole
  REQUIRE(root.Find("o").Find("k").as_string() == "v");
  std::string keys;
  for (const auto& m : root.members()) keys += std::string(m.key);
  REQUIRE(keys == "snftxzao");  // document order
}

TEST_CASE("the JSON reader keeps integers exact and knows when they are not", "[json]") {
  JsonDocument doc;
  REQUIRE(doc.Parse("[-0, 9223372036854775807, -9223372036854775808, 9223372036854775808, 1e2, 1E-2]", nullptr));
  std::vector<JsonValue> v;
  for (JsonValue x : doc.root().elements()) v.push_back(x);
  REQUIRE(v[0].as_int64() == 0);
  REQUIRE(v[1].as_int64() == INT64_MAX);
  REQUIRE(v[2].as_int64() == INT64_MIN);
  REQUIRE_FALSE(v[3].is_integer());  // past int64: a double, like any out-of-range count
  REQUIRE(v[3].as_double() == 9223372036854775808.0);
  REQUIRE_FALSE(v[4].is_integer());
  REQUIRE(v[4].as_double() == 100.0);
  REQUIRE(v[5].as_double() == Approx(0.01));
}

TEST_CASE("the JSON reader takes the last of repeated keys and skips a byte order mark", "[json]") {
  JsonDocument doc;
  REQUIRE(doc.Parse("\xEF\xBB\xBF{\"a\":1,\"a\":2}", nullptr));
  REQUIRE(doc.root().Find("a").as_int64() == 2);
}

TEST_CASE("the JSON reader rejects malformed, truncated and hostile text with a position", "[json][bad-input]") {
  SECTION("syntax") {
    for (const char* text : {"", " ", "{", "[", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "1.", ".5",
                             "-", "1e", "+1", "tru", "nul", "[1]]", "{}{}", "'a'", "[NaN]", "[Infinity]", "\"abc"}) {
      INFO(text);
      REQUIRE(ErrorOf(text) != "OK");
    }
    REQUIRE(ErrorOf("[1, 2 x]").find("at byte 6") != std::string::npos);
  }
  SECTION("numbers a double cannot hold") {
    REQUIRE(ErrorOf("[1e400]").find("range") != std::string::npos);
    REQUIRE(ErrorOf("-1e309").find("range") != std::string::npos);
    REQUIRE(ErrorOf(std::string(300, '9')) == "OK");  // large but finite: a double
    REQUIRE(ErrorOf(std::string(400, '9')).find("range") != std::string::npos);
  }
  SECTION("escapes") {
    for (const char* text : {R"("\x")", R"("\u12")", R"("\u12g4")", R"("\ud800")", R"("\ud800\u0041")", R"("\udc00")", R"("\)"}) {
      INFO(text);
      REQUIRE(ErrorOf(text) != "OK");
    }
    JsonDocument doc;
    REQUIRE(doc.Parse(R"("\u0000")", nullptr));
    REQUIRE(doc.root().as_string() == std::string(1, '\0'));
  }
  SECTION("bad UTF-8 and raw control characters") {
    for (const std::string& text : std::vector<std::string>{"\"\xC3\x28\"", "\"\xC0\xAF\"", "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"",
                                   "\"\xF8\x88\x80\x80\x80\"", "\"\x80\"", "\"\xE4\xB8\"", std::string("\"a\tb\""), std::string("\"a\nb\"")}) {
      REQUIRE(ErrorOf(text) != "OK");
    }
    REQUIRE(ErrorOf("\"\xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80\"") == "OK");  // valid multi-byte text
  }
  SECTION("nesting deeper than the limit") {
    REQUIRE(ErrorOf(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')) == "OK");
    REQUIRE(ErrorOf(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']')).find("deeper") != std::string::npos);
    REQUIRE(ErrorOf(std::string(100000, '[')) != "OK");  // no stack to blow: the reader is iterative
  }
  SECTION("truncation at every byte of a valid document") {
    const std::string text = R"({"ids":["a","b\u00e9"],"dim":8,"f":{"x":-1.5e-3,"t":true}})";
    for (size_t n = 0; n < text.size(); ++n) {
      INFO(n);
      REQUIRE(ErrorOf(text.substr(0, n)) != "OK");
    }
    REQUIRE(ErrorOf(text) == "OK");
  }
}

TEST_CASE("the JSON reader finds escapes and quotes at every offset of the 8-byte fast path", "[json]") {
  for (size_t pad = 0; pad < 17; ++pad) {
    const std::string prefix(pad, 'x');
    const std::string text = "[\"" + prefix + "\\\"q\",\"" + prefix + "\"]";  // outlives the document
    JsonDocument doc;
    REQUIRE(doc.Parse(text, nullptr));
    std::vector<std::string> got;
    for (JsonValue v : doc.root().elements()) got.emplace_back(v.as_string());
    REQUIRE(got == std::vector<std::string>{prefix + "\"q", prefix});
  }
}

TEST_CASE("the JSON reader gives the text of an array or object as written", "[json]") {
  const std::string text = R"({"big":[1,2,3],"profile": { "a" : [ ] , "b":{}} ,"s":"x"})";
  JsonDocument doc;
  REQUIRE(doc.Parse(text, nullptr));
  REQUIRE(doc.root().Find("profile").raw_json() == R"({ "a" : [ ] , "b":{}})");
  REQUIRE(doc.root().Find("profile").Find("a").raw_json() == "[ ]");
  REQUIRE(doc.root().Find("big").raw_json() == "[1,2,3]");
  REQUIRE(doc.root().Find("s").raw_json().empty());
  REQUIRE(doc.root().raw_json() == text);
}

TEST_CASE("the JSON reader's numbers are strtod's, bit for bit, on and off its fast path", "[json]") {
  // Decimals of every digit count and exponent near the fast path's edges (2^53, 1e±22).
  std::vector<std::string> numbers = {"0.1", "-0.0", "0.30000000000000004", "9007199254740993.5", "9007199254740992.0",
                                      "1e22", "1e23", "1.5e-22", "4.9e-324", "1.7976931348623157e308", "123456789012345678901.5",
                                      "0.000000000000000000000001", "199.00", "-3.25E+2", "2.5e-3"};
  uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto next = [&state] { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; };
  for (int i = 0; i < 20000; ++i) {
    // Up to 21 digits, split into an integer part ("0" when empty) and a fraction.
    const std::string digits = std::to_string(next() % 10000000000ull + 1) + std::to_string(next() % 100000000000ull);
    const std::string kept = digits.substr(0, 1 + next() % digits.size());
    const size_t point = next() % (kept.size() + 1);
    std::string text = std::string(next() % 2 ? "-" : "") + (point == 0 ? "0" : kept.substr(0, point));
    if (point < kept.size()) text += "." + kept.substr(point);
    if (next() % 2) text += "e" + std::to_string(static_cast<int>(next() % 61) - 30);
    numbers.push_back(text);
  }
  for (const std::string& text : numbers) {
    JsonDocument doc;
    REQUIRE(doc.Parse("[" + text + "]", nullptr));
    const double expected = std::strtod(text.c_str(), nullptr);
    const double got = (*doc.root().elements().begin()).as_double();
    INFO(text);
    REQUIRE(std::memcmp(&got, &expected, sizeof got) == 0);
  }
}

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "zhixuan/base/csv.hpp"

using namespace zhixuan;

namespace {

std::vector<std::string> Lines(const std::string& text) {
  CsvLines lines(text);
  std::vector<std::string> out;
  std::string line;
  while (lines.Next(&line)) out.push_back(std::to_string(lines.line_number()) + ":" + line);
  return out;
}

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string error;
  REQUIRE(SplitCsvLine(line, &fields, &error));
  return fields;
}

std::string SplitError(const std::string& line) {
  std::vector<std::string> fields;
  std::string error;
  return SplitCsvLine(line, &fields, &error) ? "OK" : error;
}

}  // namespace

TEST_CASE("CSV lines: LF or CRLF, numbered from 1, a leading byte order mark skipped", "[csv]") {
  CHECK(Lines("a,b\r\nc\n\nd") == std::vector<std::string>{"1:a,b", "2:c", "3:", "4:d"});
  CHECK(Lines("\xEF\xBB\xBFuser,item\n") == std::vector<std::string>{"1:user,item"});
  CHECK(Lines("").empty());
}

TEST_CASE("CSV fields: trimmed, quoted with \"\" as a quote; malformed quoting named", "[csv]") {
  CHECK(Fields(" a ,\tb,,") == std::vector<std::string>{"a", "b", "", ""});
  CHECK(Fields(R"("x, y","say ""hi""" , z)") == std::vector<std::string>{"x, y", R"(say "hi")", "z"});
  CHECK(SplitError(R"(a,"open)") == "unterminated quoted field");
  CHECK(SplitError(R"("a"b,c)") == "text after a closing quote");
}

TEST_CASE("CSV numbers are the whole field; CsvField quotes only what needs it", "[csv]") {
  double v = 0;
  CHECK((ParseCsvNumber("2.5e1", &v) && v == 25.0));
  CHECK_FALSE(ParseCsvNumber("", &v));
  CHECK_FALSE(ParseCsvNumber("3x", &v));
  CHECK(TrimBlanks(" \t id \t") == "id");
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(Fields(CsvField("a,\"b\"")) == std::vector<std::string>{"a,\"b\""});
}

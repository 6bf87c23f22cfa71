#include "zhixuan/base/csv.hpp"

#include <cstdlib>

namespace zhixuan {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

CsvLines::CsvLines(const std::string& text) : text_(text) {
  if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
}

bool CsvLines::Next(std::string* line) {
  if (pos_ >= text_.size()) return false;
  size_t nl = text_.find('\n', pos_);
  if (nl == std::string::npos) nl = text_.size();
  line->assign(text_, pos_, nl - pos_);
  if (!line->empty() && line->back() == '\r') line->pop_back();
  pos_ = nl + 1;
  ++line_number_;
  return true;
}

std::string TrimBlanks(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && IsBlank(s[b])) ++b;
  while (e > b && IsBlank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool SplitCsvLine(const std::string& line, std::vector<std::string>* fields, std::string* error) {
  fields->clear();
  size_t i = 0;
  for (;;) {
    std::string field;
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        *error = "unterminated quoted field";
        return false;
      }
      while (i < line.size() && IsBlank(line[i])) ++i;
      if (i < line.size() && line[i] != ',') {
        *error = "text after a closing quote";
        return false;
      }
    } else {
      const size_t comma = line.find(',', i);
      const size_t stop = comma == std::string::npos ? line.size() : comma;
      field = TrimBlanks(line.substr(i, stop - i));
      i = stop;
    }
    fields->push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

bool ParseCsvNumber(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace zhixuan

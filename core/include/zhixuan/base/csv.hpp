// The one small CSV reader of the trainer's text inputs (interactions, factor tables, id
// lists): lines (LF or CRLF; a leading UTF-8 byte order mark, as Excel writes, is skipped),
// fields split at commas, double-quoted fields with "" as an escaped quote, spaces and tabs
// around a field trimmed, numbers parsed whole. Callers give the errors their context
// ("train.csv line 17: ...").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zhixuan {

// Walks `text` (which must outlive it) one line at a time, without the line ending.
class CsvLines {
 public:
  explicit CsvLines(const std::string& text);
  // The next line and true, or false at the end of the text.
  bool Next(std::string* line);
  int64_t line_number() const { return line_number_; }  // 1-based, of the line Next gave last
  size_t position() const { return pos_; }               // bytes of the text consumed so far

 private:
  const std::string& text_;
  size_t pos_ = 0;
  int64_t line_number_ = 0;
};

// `s` without the spaces and tabs around it.
std::string TrimBlanks(const std::string& s);

// Splits one line into fields. False, with `error` saying why ("unterminated quoted field",
// "text after a closing quote"), when the line is not CSV.
bool SplitCsvLine(const std::string& line, std::vector<std::string>* fields, std::string* error);

// The whole of `s` as a number (strtod syntax); false when empty or anything is left over.
bool ParseCsvNumber(const std::string& s, double* out);

// `s` as one CSV field: quoted when it holds a comma, a quote or a line break.
std::string CsvField(std::string_view s);

}  // namespace zhixuan

#include "zhixuan/train/factor_import.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <regex>

#include "zhixuan/base/csv.hpp"

namespace zhixuan {
namespace {

Status Bad(const std::string& m) { return Status(StatusCode::kMalformedData, m); }

bool ParseFloat(const std::string& s, float* out) {
  double v;
  if (!ParseCsvNumber(s, &v)) return false;
  *out = static_cast<float>(v);
  return true;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// One CSV field's values: "1.5", or a list "[1.5, -2]" / "1.5 -2" / "1.5,-2" (the field was
// quoted). False when the field is empty or any part is not a number.
bool AppendValues(const std::string& field, std::vector<float>* row) {
  std::string s = TrimBlanks(field);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  size_t parts = 0, pos = 0;
  while (pos < s.size()) {
    const size_t end = s.find_first_of(", \t", pos);
    const std::string part = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? s.size() : end + 1;
    if (part.empty()) continue;
    float v;
    if (!ParseFloat(part, &v)) return false;
    row->push_back(v);
    ++parts;
  }
  return parts > 0;
}

}  // namespace

StatusOr<FactorMatrix> ParseNpy(const uint8_t* bytes, size_t size) {
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0) return Bad("not a .npy file (bad magic)");
  const int major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return Bad(".npy header is truncated");
    header_len = static_cast<size_t>(bytes[8]) | (static_cast<size_t>(bytes[9]) << 8) | (static_cast<size_t>(bytes[10]) << 16) |
                 (static_cast<size_t>(bytes[11]) << 24);
    header_start = 12;
  } else {
    return Bad(".npy version " + std::to_string(major) + " is not supported (1, 2 or 3)");
  }
  if (header_len > (1u << 20) || header_start + header_len > size) return Bad(".npy header length runs past the end of the file");
  const std::string header(reinterpret_cast<const char*>(bytes + header_start), header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) return Bad(".npy header has no 'descr'");
  const std::string descr = m[1];
  size_t elem = 0;
  if (descr == "<f4" || descr == "=f4") elem = 4;
  else if (descr == "<f8" || descr == "=f8") elem = 8;
  else return Bad(".npy dtype '" + descr + "' is not supported (little-endian float32 '<f4' or float64 '<f8')");
  if (!std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*(True|False)"))) return Bad(".npy header has no 'fortran_order'");
  if (m[1] == "True") return Bad(".npy array is in Fortran order; save it C-contiguous (np.ascontiguousarray)");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) return Bad(".npy header has no 'shape'");
  std::vector<int64_t> shape;
  std::vector<std::string> parts;
  std::string error;
  if (!SplitCsvLine(m[1], &parts, &error)) return Bad(".npy shape '" + std::string(m[1]) + "' is not a tuple of sizes");
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    char* end = nullptr;
    const long long v = std::strtoll(part.c_str(), &end, 10);
    if (*end != '\0' || v < 0) return Bad(".npy shape '" + std::string(m[1]) + "' is not a tuple of sizes");
    shape.push_back(v);
  }
  if (shape.size() != 2) return Bad(".npy array must be 2-D [items, dim], got " + std::to_string(shape.size()) + "-D");
  if (shape[1] <= 0 || shape[1] > kMaxDim) return Bad(".npy dim " + std::to_string(shape[1]) + " is out of range 1.." + std::to_string(kMaxDim));
  if (shape[0] > kMaxItems) return Status(StatusCode::kTooLarge, ".npy has more than 20M rows");
  const size_t data_start = header_start + header_len;
  const uint64_t expected = static_cast<uint64_t>(shape[0]) * static_cast<uint64_t>(shape[1]) * elem;
  if (size - data_start != expected)
    return Bad(".npy data is " + std::to_string(size - data_start) + " bytes but shape and dtype need " + std::to_string(expected));
  FactorMatrix f;
  f.rows = shape[0];
  f.dim = static_cast<int>(shape[1]);
  f.values.resize(static_cast<size_t>(f.rows) * f.dim);
  const uint8_t* data = bytes + data_start;
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (elem == 4) {
      std::memcpy(&f.values[i], data + 4 * i, 4);
    } else {
      double v;
      std::memcpy(&v, data + 8 * i, 8);
      f.values[i] = static_cast<float>(v);
    }
    if (!std::isfinite(f.values[i])) return Bad(".npy row " + std::to_string(i / f.dim) + " contains NaN or Inf (or overflows float32)");
  }
  return f;
}

StatusOr<FactorMatrix> ParseFactorsCsv(const std::string& text, bool with_ids, const std::string& source_name) {
  FactorMatrix f;
  bool first = true;
  const int skip = with_ids ? 1 : 0;
  CsvLines lines(text);
  std::string line, error;
  std::vector<std::string> fields;
  while (lines.Next(&line)) {
    const std::string trimmed = TrimBlanks(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const std::string where = source_name + " line " + std::to_string(lines.line_number()) + ": ";
    if (!SplitCsvLine(line, &fields, &error)) return Bad(where + error);
    std::vector<float> row;
    bool numeric = true;
    for (size_t c = skip; c < fields.size() && numeric; ++c) numeric = AppendValues(fields[c], &row);
    if (!numeric && first) {  // a header line
      first = false;
      continue;
    }
    first = false;
    if (!numeric) return Bad(where + "a factor value is not a number");
    if (row.empty()) return Bad(where + "no factor values");
    if (f.dim == 0) {
      if (row.size() > static_cast<size_t>(kMaxDim)) return Bad(where + "more than 1024 factors");
      f.dim = static_cast<int>(row.size());
    }
    if (static_cast<int>(row.size()) != f.dim)
      return Bad(where + "expected " + std::to_string(f.dim) + " factor values, got " + std::to_string(row.size()));
    for (float v : row)
      if (!std::isfinite(v)) return Bad(where + "a factor value is NaN or Inf");
    if (with_ids) {
      std::string id = fields[0];
      if (id.empty()) return Bad(where + "empty item id");
      f.ids.push_back(std::move(id));
    }
    f.values.insert(f.values.end(), row.begin(), row.end());
    ++f.rows;
  }
  if (f.rows == 0) return Bad(source_name + " has no factor rows");
  return f;
}

StatusOr<std::vector<std::string>> ParseIdList(const std::string& text, const std::string& source_name) {
  std::vector<std::string> ids;
  CsvLines lines(text);
  std::string line;
  while (lines.Next(&line)) {
    line = Unquote(TrimBlanks(line));
    if (!line.empty()) ids.push_back(line);
  }
  if (ids.empty()) return Bad(source_name + " lists no ids");
  return ids;
}

StatusOr<Model> ModelFromFactors(FactorMatrix factors, std::vector<std::string> ids, DType dtype, const FoldInParams& foldin,
                                 std::string model_version) {
  if (!factors.ids.empty() && !ids.empty()) return InvalidArgument("item ids come both with the factors and as a list; give one");
  if (ids.empty()) ids = std::move(factors.ids);
  if (ids.empty()) return InvalidArgument("no item ids: give an id list or a CSV whose first column is the id");
  if (static_cast<int64_t>(ids.size()) != factors.rows)
    return Status(StatusCode::kModelMismatch, "there are " + std::to_string(ids.size()) + " item ids but " +
                                                  std::to_string(factors.rows) + " factor rows");
  return MakeModel(std::move(ids), factors.values.data(), factors.dim, dtype, foldin, std::move(model_version));
}

}  // namespace zhixuan

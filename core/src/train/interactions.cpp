#include "zhixuan/train/interactions.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "zhixuan/base/csv.hpp"

namespace zhixuan {
namespace {

enum class Column { kUser, kItem, kWeight, kRating, kTs, kType };

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Header names, with the spellings common exports use (MovieLens: userId, movieId, timestamp).
bool ColumnOf(const std::string& name, Column* out) {
  const std::string n = Lower(name);
  if (n == "user" || n == "userid" || n == "user_id") *out = Column::kUser;
  else if (n == "item" || n == "itemid" || n == "item_id" || n == "movieid") *out = Column::kItem;
  else if (n == "weight") *out = Column::kWeight;
  else if (n == "rating") *out = Column::kRating;
  else if (n == "ts" || n == "timestamp") *out = Column::kTs;
  else if (n == "type") *out = Column::kType;
  else return false;
  return true;
}

Status LineError(const CsvReadOptions& options, int64_t line, const std::string& what) {
  return Status(StatusCode::kMalformedData, options.source_name + " line " + std::to_string(line) + ": " + what);
}

}  // namespace

StatusOr<InteractionTable> ParseInteractionsCsv(const std::string& text, const CsvReadOptions& options) {
  InteractionTable table;
  std::vector<Column> columns;
  std::vector<std::string> fields;
  std::string error;
  int64_t line_number = 0;
  bool header_seen = false;
  int user_col = -1, item_col = -1, weight_col = -1, rating_col = -1, ts_col = -1, type_col = -1;
  CsvLines lines(text);  // a UTF-8 byte order mark (Excel exports) is not part of the first column name
  std::string line;
  while (lines.Next(&line)) {
    line_number = lines.line_number();
    if (options.on_progress && line_number % options.progress_every == 0)
      options.on_progress(lines.position(), static_cast<int64_t>(table.users.size()));
    if (TrimBlanks(line).empty()) continue;
    if (!SplitCsvLine(line, &fields, &error)) return LineError(options, line_number, error);
    if (!header_seen) {
      header_seen = true;
      for (size_t c = 0; c < fields.size(); ++c) {
        Column col;
        if (!ColumnOf(fields[c], &col))
          return LineError(options, line_number, "unknown column '" + fields[c] +
                                                     "' (known: user, item, weight, rating, ts, type)");
        int* slot = col == Column::kUser ? &user_col : col == Column::kItem ? &item_col
                  : col == Column::kWeight ? &weight_col : col == Column::kRating ? &rating_col
                  : col == Column::kTs ? &ts_col : &type_col;
        if (*slot >= 0) return LineError(options, line_number, "column '" + fields[c] + "' appears twice");
        *slot = static_cast<int>(c);
        columns.push_back(col);
      }
      if (user_col < 0 || item_col < 0)
        return LineError(options, line_number, "header must name a 'user' and an 'item' column, got '" + line + "'");
      table.has_weight = weight_col >= 0 || rating_col >= 0;
      continue;
    }
    if (fields.size() != columns.size())
      return LineError(options, line_number, "expected " + std::to_string(columns.size()) + " fields, got " +
                                                 std::to_string(fields.size()));
    if (fields[user_col].empty()) return LineError(options, line_number, "empty user id");
    if (fields[item_col].empty()) return LineError(options, line_number, "empty item id");
    double weight = 1.0;
    if (rating_col >= 0) {
      if (!ParseCsvNumber(fields[rating_col], &weight) || !std::isfinite(weight))
        return LineError(options, line_number, "rating '" + fields[rating_col] + "' is not a finite number");
    }
    if (weight_col >= 0) {
      if (!ParseCsvNumber(fields[weight_col], &weight) || !std::isfinite(weight))
        return LineError(options, line_number, "weight '" + fields[weight_col] + "' is not a finite number");
    }
    double ts = 0;
    if (ts_col >= 0 && (!ParseCsvNumber(fields[ts_col], &ts) || !std::isfinite(ts)))
      return LineError(options, line_number, "ts '" + fields[ts_col] + "' is not a number (seconds since the epoch)");
    if (!std::isnan(options.min_weight) && weight < options.min_weight) continue;
    table.users.push_back(fields[user_col]);
    table.items.push_back(fields[item_col]);
    table.weights.push_back(static_cast<float>(weight));
    if (ts_col >= 0) table.timestamps.push_back(ts);
    if (type_col >= 0) table.types.push_back(fields[type_col]);
    table.lines.push_back(line_number);
  }
  if (options.on_progress) options.on_progress(text.size(), static_cast<int64_t>(table.users.size()));
  if (!header_seen) return Status(StatusCode::kMalformedData, options.source_name + " is empty (expected a header line 'user,item')");
  if (table.users.empty())
    return Status(StatusCode::kMalformedData, options.source_name + " has a header but no interaction rows" +
                                                  (std::isnan(options.min_weight) ? "" : " at or above the minimum weight"));
  return table;
}

int32_t IdIndex::Add(const std::string& id) {
  auto [it, inserted] = index_.emplace(id, static_cast<int32_t>(ids_.size()));
  if (inserted) ids_.push_back(id);
  return it->second;
}

int32_t IdIndex::Find(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

SparseMatrix BuildCsr(int32_t rows, int32_t cols, const std::vector<int32_t>& row_of, const std::vector<int32_t>& col_of,
                      const std::vector<float>& values) {
  SparseMatrix m;
  m.rows = rows;
  m.cols = cols;
  std::vector<int64_t> counts(static_cast<size_t>(rows) + 1, 0);
  for (int32_t r : row_of) ++counts[r + 1];
  for (int32_t r = 0; r < rows; ++r) counts[r + 1] += counts[r];
  std::vector<int32_t> cols_sorted(row_of.size());
  std::vector<float> vals_sorted(row_of.size());
  std::vector<int64_t> cursor(counts.begin(), counts.end() - 1);
  for (size_t k = 0; k < row_of.size(); ++k) {
    const int64_t at = cursor[row_of[k]]++;
    cols_sorted[at] = col_of[k];
    vals_sorted[at] = values.empty() ? 1.f : values[k];
  }
  // Sort each row by column and sum duplicates.
  m.offsets.assign(static_cast<size_t>(rows) + 1, 0);
  m.indices.reserve(row_of.size());
  m.values.reserve(row_of.size());
  std::vector<int64_t> order;
  for (int32_t r = 0; r < rows; ++r) {
    order.resize(static_cast<size_t>(counts[r + 1] - counts[r]));
    std::iota(order.begin(), order.end(), counts[r]);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cols_sorted[a] < cols_sorted[b]; });
    for (int64_t k : order) {
      if (!m.indices.empty() && static_cast<int64_t>(m.indices.size()) > m.offsets[r] && m.indices.back() == cols_sorted[k]) {
        m.values.back() += vals_sorted[k];
      } else {
        m.indices.push_back(cols_sorted[k]);
        m.values.push_back(vals_sorted[k]);
      }
    }
    m.offsets[r + 1] = static_cast<int64_t>(m.indices.size());
  }
  return m;
}

SparseMatrix SparseMatrix::Transposed() const {
  std::vector<int32_t> row_of, col_of;
  row_of.reserve(indices.size());
  col_of.reserve(indices.size());
  for (int32_t r = 0; r < rows; ++r)
    for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) {
      row_of.push_back(indices[k]);
      col_of.push_back(r);
    }
  return BuildCsr(cols, rows, row_of, col_of, values);
}

StatusOr<InteractionMatrix> BuildInteractionMatrix(const InteractionTable& table,
                                                   const std::function<void(int64_t done, int64_t rows)>& on_progress) {
  InteractionMatrix m;
  const int64_t rows = static_cast<int64_t>(table.users.size());
  std::vector<int32_t> user_of(table.users.size()), item_of(table.items.size());
  for (size_t k = 0; k < table.users.size(); ++k) {
    user_of[k] = m.users.Add(table.users[k]);
    item_of[k] = m.items.Add(table.items[k]);
    if (on_progress && (k + 1) % (1u << 18) == 0) on_progress(static_cast<int64_t>(k) + 1, rows);
  }
  m.by_user = BuildCsr(m.users.size(), m.items.size(), user_of, item_of, table.weights);
  // A user or item whose every weight is <= 0 has nothing to learn from.
  std::vector<uint8_t> item_positive(static_cast<size_t>(m.items.size()), 0);
  for (int32_t u = 0; u < m.by_user.rows; ++u) {
    bool any = false;
    for (int64_t k = m.by_user.offsets[u]; k < m.by_user.offsets[u + 1]; ++k)
      if (m.by_user.values[k] > 0) {
        item_positive[m.by_user.indices[k]] = 1;
        any = true;
      }
    if (!any) return Status(StatusCode::kMalformedData, "user '" + m.users.ids()[u] + "' has no positive interactions (every weight <= 0)");
  }
  for (int32_t i = 0; i < m.items.size(); ++i)
    if (!item_positive[i]) return Status(StatusCode::kMalformedData, "item '" + m.items.ids()[i] + "' has no positive interactions (every weight <= 0)");
  if (on_progress) on_progress(rows, rows);
  return m;
}

}  // namespace zhixuan

// Item factors trained elsewhere (implicit, Spark MLlib ALS, PyTorch) turned into a bundle:
// a .npy matrix (float32/float64 little-endian, 2-D, C order) or a CSV (one row per item,
// `id,f1,...,fd`, or bare `f1,...,fd` with a separate id list), plus the fold-in params the
// device should use with them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

struct FactorMatrix {
  int64_t rows = 0;
  int dim = 0;
  std::vector<float> values;           // rows x dim, row-major
  std::vector<std::string> ids;        // only when the source carried ids
};

// Validates the .npy header (magic, version 1-3, header length, 'descr' '<f4' or '<f8',
// 'fortran_order': False, a 2-D 'shape', data size) and converts to f32. kMalformedData on error.
StatusOr<FactorMatrix> ParseNpy(const uint8_t* bytes, size_t size);

// CSV factors. with_ids: the first field of each row is the item id. A first line whose
// numeric fields do not parse is taken as a header and skipped; '#' lines are comments.
// Every row must have the same width; values must be finite (errors name the line).
StatusOr<FactorMatrix> ParseFactorsCsv(const std::string& text, bool with_ids, const std::string& source_name = "factors");

// One id per line (blank lines ignored; a trailing '\r' stripped).
StatusOr<std::vector<std::string>> ParseIdList(const std::string& text, const std::string& source_name = "ids");

// Joins factors and ids (from the matrix or the list; exactly one must provide them) into a model.
StatusOr<Model> ModelFromFactors(FactorMatrix factors, std::vector<std::string> ids, DType dtype,
                                 const FoldInParams& foldin, std::string model_version);

}  // namespace zhixuan

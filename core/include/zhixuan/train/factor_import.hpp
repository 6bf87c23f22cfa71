// Item factors trained elsewhere (implicit, Spark MLlib ALS, PyTorch, JAX) turned into a bundle:
// a .npy matrix (float32/float64 little-endian, 2-D, C order), an embedding table inside a
// safetensors file, or a CSV (one row per item, `id,f1,...,fd`, `id,"[f1, ..., fd]"` as Spark's
// itemFactors come out, or bare `f1,...,fd` with a separate id list), plus the fold-in params
// the device should use with them.
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

// An embedding table inside a safetensors file (PyTorch's nn.Embedding.weight in a state_dict,
// a flax Embed's 'embedding', tinygrad, the safetensors library itself): the tensor `name`,
// 2-D [items, dim], or [dim, items] with `transpose`. F32, F16 and BF16 convert to f32 exactly,
// F64 rounds to nearest. A row holding NaN or Inf (or an F64 value past float's range) is an
// error naming the row: the device could not score it. `expected_rows` >= 0 (the id list's
// length) must equal the item count. Every error about the table (missing, wrong rank or dtype,
// a row count that disagrees with the ids) lists the tensors the file holds, with dtypes and
// shapes. kMalformedData (kMalformedModel for a broken container, from ParseSafetensors).
StatusOr<FactorMatrix> ParseSafetensorsFactors(const uint8_t* bytes, size_t size, const std::string& name, bool transpose,
                                               int64_t expected_rows, const std::string& source_name = "factors");

// CSV factors. with_ids: the first field of each row is the item id. A first line whose
// numeric fields do not parse is taken as a header and skipped; '#' lines are comments.
// A field may hold several values, "[f1, f2]" or "f1 f2" (brackets optional, commas or blanks
// between): Spark's array column cast to string, DuckDB's lists, numpy's one-line repr.
// Every row must have the same width; values must be finite (errors name the line).
StatusOr<FactorMatrix> ParseFactorsCsv(const std::string& text, bool with_ids, const std::string& source_name = "factors");

// One id per line (blank lines ignored; a trailing '\r' stripped).
StatusOr<std::vector<std::string>> ParseIdList(const std::string& text, const std::string& source_name = "ids");

// Joins factors and ids (from the matrix or the list; exactly one must provide them) into a model.
StatusOr<Model> ModelFromFactors(FactorMatrix factors, std::vector<std::string> ids, DType dtype,
                                 const FoldInParams& foldin, std::string model_version);

}  // namespace zhixuan

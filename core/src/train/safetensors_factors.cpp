// An embedding table from another trainer's safetensors file -> FactorMatrix (factor_import.hpp).
#include <cmath>
#include <cstring>

#include "zhixuan/base/half.hpp"
#include "zhixuan/model/safetensors.hpp"
#include "zhixuan/train/factor_import.hpp"

namespace zhixuan {
namespace {

constexpr size_t kListed = 40;  // tensors named in an error before "... and N more"

// Element i of a tensor as float; `finite` false for NaN, Inf, or an F64 past float's range.
// HalfToFloat maps F16 Inf/NaN to finite numbers, so F16 is checked on its exponent bits.
float ElementAt(const TensorView& t, size_t i, bool* finite) {
  float v = 0;
  switch (t.dtype) {
    case DType::kF32:
      std::memcpy(&v, t.data + 4 * i, 4);
      break;
    case DType::kF64: {
      double d;
      std::memcpy(&d, t.data + 8 * i, 8);
      v = static_cast<float>(d);  // round to nearest; past FLT_MAX -> Inf, caught below
      break;
    }
    case DType::kF16: {
      uint16_t h;
      std::memcpy(&h, t.data + 2 * i, 2);
      if ((h & 0x7c00u) == 0x7c00u) {
        *finite = false;
        return 0;
      }
      v = HalfToFloat(h);
      break;
    }
    default: {  // BF16: the top half of an f32, so the widening is exact
      uint16_t b;
      std::memcpy(&b, t.data + 2 * i, 2);
      const uint32_t bits = static_cast<uint32_t>(b) << 16;
      std::memcpy(&v, &bits, 4);
      break;
    }
  }
  *finite = std::isfinite(v);
  return v;
}

}  // namespace

StatusOr<FactorMatrix> ParseSafetensorsFactors(const uint8_t* bytes, size_t size, const std::string& name, bool transpose,
                                               int64_t expected_rows, const std::string& source_name) {
  auto parsed = ParseSafetensors(bytes, size);
  if (!parsed.ok()) return Status(parsed.status().code(), source_name + ": " + parsed.status().message());
  const SafetensorsView& file = *parsed;
  // A big state_dict's listing is cut short; the tables that could be meant are named first.
  SafetensorsView tables;
  for (const auto& [tensor_name, t] : file.tensors)
    if (t.shape.size() == 2 && (t.dtype == DType::kF32 || t.dtype == DType::kF16 || t.dtype == DType::kBF16 || t.dtype == DType::kF64))
      tables.tensors.emplace(tensor_name, t);
  const std::string listing = file.tensors.size() <= kListed ? DescribeTensors(file, kListed)
      : "its 2-D float tensors " + DescribeTensors(tables, kListed) + "; all " + std::to_string(file.tensors.size()) +
        " tensors: " + DescribeTensors(file, kListed);
  const auto bad = [&](const std::string& what) {
    return Status(StatusCode::kMalformedData, source_name + ": " + what + ". The file holds " + listing);
  };
  if (name.empty()) return bad("no tensor named: which one is the embedding table?");
  const TensorView* t = file.find(name);
  if (t == nullptr) return bad("there is no tensor '" + name + "'");
  const std::string tensor = "tensor '" + name + "' (" + DTypeName(t->dtype) + " " + ShapeText(t->shape) + ")";
  if (t->dtype != DType::kF32 && t->dtype != DType::kF16 && t->dtype != DType::kBF16 && t->dtype != DType::kF64)
    return bad(tensor + " is not a float table: convert takes F32, F16, BF16 or F64");
  if (t->shape.size() != 2)
    return bad(tensor + " has rank " + std::to_string(t->shape.size()) + ": an embedding table is 2-D, [items, dim]" +
               (transpose ? " ([dim, items] with --transpose)" : ""));
  const int64_t rows = transpose ? t->shape[1] : t->shape[0];
  const int64_t dim = transpose ? t->shape[0] : t->shape[1];
  if (expected_rows >= 0 && rows != expected_rows)
    return bad(tensor + " has " + std::to_string(rows) + " rows" + (transpose ? " (transposed)" : "") + " but the id list has " +
               std::to_string(expected_rows) + " ids" +
               (!transpose && t->shape[1] == expected_rows ? "; is it stored [dim, items]? try --transpose" : "") +
               (transpose && t->shape[0] == expected_rows ? "; it is [items, dim] already: drop --transpose" : ""));
  if (rows <= 0) return bad(tensor + " has no rows");
  if (dim <= 0 || dim > kMaxDim) return bad(tensor + " has dim " + std::to_string(dim) + ", outside 1.." + std::to_string(kMaxDim));
  if (rows > kMaxItems) return Status(StatusCode::kTooLarge, source_name + ": " + tensor + " has more than 20M rows");

  FactorMatrix f;
  f.rows = rows;
  f.dim = static_cast<int>(dim);
  f.values.resize(static_cast<size_t>(rows) * static_cast<size_t>(dim));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < dim; ++c) {
      const size_t at = static_cast<size_t>(transpose ? c * rows + r : r * dim + c);
      bool finite = true;
      f.values[static_cast<size_t>(r * dim + c)] = ElementAt(*t, at, &finite);
      if (!finite)
        return Status(StatusCode::kMalformedData, source_name + ": " + tensor + " row " + std::to_string(r) +
                                                      " holds NaN or Inf" +
                                                      (t->dtype == DType::kF64 ? " (or a value past float32's range)" : "") +
                                                      ": the device could not score it; fix or drop that row first");
    }
  }
  return f;
}

}  // namespace zhixuan

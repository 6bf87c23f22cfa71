// The safetensors container: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then raw
// little-endian tensor data. Only the container lives here; what the tensors
// mean is bundle.hpp's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

// Every byte-sized dtype of the safetensors format, so any trainer's file parses (a PyTorch
// state_dict holds I64 counters beside its F32 weights). What a bundle accepts for each of its
// tensors is bundle.hpp's business; `zhixuan convert` reads F32, F16, BF16 and F64 tables.
enum class DType { kF32, kF16, kI8, kI32, kU8, kBF16, kF64, kBool, kI16, kU16, kU32, kI64, kU64, kF8E4M3, kF8E5M2 };

const char* DTypeName(DType dtype);
size_t DTypeSize(DType dtype);

// A tensor inside a parsed file: a view into the caller's buffer.
struct TensorView {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t size_bytes = 0;
  int64_t element_count() const;
};

struct SafetensorsView {
  std::map<std::string, TensorView> tensors;
  std::map<std::string, std::string> metadata;
  const TensorView* find(const std::string& name) const;
};

// "'a' F32 [3, 4], 'b' I64 []": every tensor of a file, for errors that must show what a
// file holds; at most `limit` entries, then "... and N more".
std::string DescribeTensors(const SafetensorsView& view, size_t limit = 40);
std::string ShapeText(const std::vector<int64_t>& shape);  // "[3, 4]"

// Limits that keep hostile headers from costing memory or time.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 64ull << 20;

// Parses and validates the container: header length within the file, valid
// JSON, known dtypes, shapes matching byte ranges, ranges inside the data
// section, no overlaps. The views point into `bytes`, which must outlive them.
StatusOr<SafetensorsView> ParseSafetensors(const uint8_t* bytes, size_t size);

// A tensor to write: the bytes are little-endian already.
struct TensorData {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

TensorData MakeF32Tensor(std::vector<int64_t> shape, const float* values);
TensorData MakeI32Tensor(std::vector<int64_t> shape, const int32_t* values);

// Serializes tensors with metadata: the data section starts 8-byte aligned and holds the
// tensors widest element first, then by name, so each starts aligned to its element size.
std::vector<uint8_t> WriteSafetensors(const std::map<std::string, TensorData>& tensors,
                                      const std::map<std::string, std::string>& metadata);

}  // namespace zhixuan

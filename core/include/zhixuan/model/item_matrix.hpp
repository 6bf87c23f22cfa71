// The item embedding matrix in its shipped precision: F32, F16, or I8 with a
// per-row symmetric scale (value = scale[row] * int8). Rows are contiguous.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "zhixuan/model/safetensors.hpp"

namespace zhixuan {

class ItemMatrix {
 public:
  ItemMatrix() = default;
  // Quantizes (or copies) row-major F32 values into the requested precision.
  static ItemMatrix FromF32(const float* values, int64_t rows, int dim, DType dtype);

  DType dtype() const { return dtype_; }
  int64_t rows() const { return rows_; }
  int dim() const { return dim_; }
  size_t bytes() const;

  const float* f32() const { return view_ ? static_cast<const float*>(view_) : f32_.data(); }
  const uint16_t* f16() const { return view_ ? static_cast<const uint16_t*>(view_) : f16_.data(); }
  const int8_t* i8() const { return view_ ? static_cast<const int8_t*>(view_) : i8_.data(); }
  const float* scales() const { return scales_view_ ? scales_view_ : scales_.data(); }
  // I8 only: the sum of each row's int8 values (an installed I8 dot kernel needs them; see
  // SetI8DotKernel in scoring.hpp), dropped when rows are appended. row_sums(begin, end) points
  // at row `begin`'s sum, with rows [begin, end) summed: a block is summed the first time it is
  // asked for, just before the kernel reads the same rows, so the first query over a large
  // model pays for no extra pass over memory. row_sums() sums every row.
  const int32_t* row_sums(int64_t begin, int64_t end) const;
  const int32_t* row_sums() const { return row_sums(0, rows_); }

  // Dequantized copy of one row.
  void RowToF32(int64_t row, float* out) const;
  std::vector<float> ToF32() const;
  // Appends rows (e.g. items embedded from text on the device), quantizing them.
  void AppendRows(const float* values, int64_t count);

  // Loader entry: adopts validated tensor bytes (scales only for I8).
  static ItemMatrix FromTensor(const TensorView& data, const TensorView* scales);
  // Loader entry without a copy: reads the rows (and scales) in place, keeping `backing`
  // (the buffer the views point into) alive; falls back to FromTensor when they are not
  // aligned for their type. AppendRows copies them out first.
  static ItemMatrix ViewTensor(const TensorView& data, const TensorView* scales, std::shared_ptr<const uint8_t> backing);
  TensorData ToTensor() const;
  TensorData ScalesTensor() const;  // I8 only

 private:
  DType dtype_ = DType::kF32;
  int64_t rows_ = 0;
  int dim_ = 0;
  std::vector<float> f32_;
  std::vector<uint16_t> f16_;
  std::vector<int8_t> i8_;
  std::vector<float> scales_;
  // In-place rows of an adopted file buffer (null: the vectors above hold them).
  std::shared_ptr<const uint8_t> backing_;
  const void* view_ = nullptr;
  const float* scales_view_ = nullptr;
  struct RowSums {
    std::mutex mutex;                 // guards the first sums of each block
    std::atomic<bool> all{false};     // every block summed: no more locking
    std::vector<int32_t> sums;        // per row, valid where its block is summed
    std::vector<uint8_t> summed;      // per block of kSumBlockRows rows
    int64_t blocks_summed = 0;
  };
  static constexpr int64_t kSumBlockRows = 256;
  // Shared by copies until AppendRows replaces it: the rows it sums are the same until then.
  mutable std::shared_ptr<RowSums> row_sums_ = std::make_shared<RowSums>();
  void CopyOutView();
};

}  // namespace zhixuan

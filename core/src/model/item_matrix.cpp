#include "zhixuan/model/item_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "zhixuan/base/half.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace zhixuan {

ItemMatrix ItemMatrix::FromF32(const float* values, int64_t rows, int dim, DType dtype) {
  ItemMatrix m;
  m.dtype_ = dtype;
  m.dim_ = dim;
  m.AppendRows(values, rows);
  return m;
}

size_t ItemMatrix::bytes() const {
  const size_t values = static_cast<size_t>(rows_) * dim_;
  return values * DTypeSize(dtype_) + (dtype_ == DType::kI8 ? static_cast<size_t>(rows_) * 4 : 0);
}

void ItemMatrix::CopyOutView() {
  if (!view_) return;
  const size_t n = static_cast<size_t>(rows_) * dim_;
  switch (dtype_) {
    case DType::kF32: f32_.assign(f32(), f32() + n); break;
    case DType::kF16: f16_.assign(f16(), f16() + n); break;
    default:
      i8_.assign(i8(), i8() + n);
      scales_.assign(scales(), scales() + rows_);
      break;
  }
  view_ = nullptr;
  scales_view_ = nullptr;
  backing_.reset();
}

void ItemMatrix::AppendRows(const float* values, int64_t count) {
  CopyOutView();
  const size_t n = static_cast<size_t>(count) * dim_;
  switch (dtype_) {
    case DType::kF32:
      f32_.insert(f32_.end(), values, values + n);
      break;
    case DType::kF16:
      f16_.reserve(f16_.size() + n);
      for (size_t i = 0; i < n; ++i) f16_.push_back(FloatToHalf(values[i]));
      break;
    default:  // I8, symmetric per row: the largest magnitude maps to 127.
      i8_.reserve(i8_.size() + n);
      for (int64_t r = 0; r < count; ++r) {
        const float* row = values + r * dim_;
        float max_abs = 0.f;
        for (int j = 0; j < dim_; ++j) max_abs = std::max(max_abs, std::fabs(row[j]));
        const float scale = max_abs > 0.f ? max_abs / 127.f : 1.f;
        scales_.push_back(scale);
        for (int j = 0; j < dim_; ++j)
          i8_.push_back(static_cast<int8_t>(std::lround(std::clamp(row[j] / scale, -127.f, 127.f))));
      }
      break;
  }
  rows_ += count;
  row_sums_ = std::make_shared<RowSums>();
}

namespace {

// Sums of `count` rows of d int8 values. With SIMD (d a multiple of 16, at most 2032 so that
// the int16 lanes hold 2 * d / 16 values of at most 128 each): pairwise widening adds.
void SumRows(const int8_t* rows, int d, int64_t count, int32_t* out) {
#if defined(__wasm_simd128__)
  if (d % 16 == 0 && d <= 2032) {
    for (int64_t r = 0; r < count; ++r) {
      const int8_t* row = rows + r * d;
      v128_t acc = wasm_i16x8_splat(0);
      for (int j = 0; j < d; j += 16) acc = wasm_i16x8_add(acc, wasm_i16x8_extadd_pairwise_i8x16(wasm_v128_load(row + j)));
      const v128_t s = wasm_i32x4_extadd_pairwise_i16x8(acc);
      out[r] = wasm_i32x4_extract_lane(s, 0) + wasm_i32x4_extract_lane(s, 1) + wasm_i32x4_extract_lane(s, 2) +
               wasm_i32x4_extract_lane(s, 3);
    }
    return;
  }
#endif
  for (int64_t r = 0; r < count; ++r) {
    int32_t s = 0;
    for (int j = 0; j < d; ++j) s += rows[r * d + j];
    out[r] = s;
  }
}

}  // namespace

const int32_t* ItemMatrix::row_sums(int64_t begin, int64_t end) const {
  RowSums& rs = *row_sums_;
  if (!rs.all.load(std::memory_order_acquire) && end > begin) {
    std::lock_guard<std::mutex> lock(rs.mutex);
    const int64_t blocks = (rows_ + kSumBlockRows - 1) / kSumBlockRows;
    if (rs.summed.empty()) {
      rs.sums.resize(static_cast<size_t>(rows_));
      rs.summed.assign(static_cast<size_t>(blocks), 0);
    }
    for (int64_t b = begin / kSumBlockRows; b <= (end - 1) / kSumBlockRows; ++b) {
      if (rs.summed[b]) continue;
      const int64_t first = b * kSumBlockRows, count = std::min(kSumBlockRows, rows_ - first);
      SumRows(i8() + first * dim_, dim_, count, rs.sums.data() + first);
      rs.summed[b] = 1;
      if (++rs.blocks_summed == blocks) rs.all.store(true, std::memory_order_release);
    }
  }
  return rs.sums.data() + begin;
}

void ItemMatrix::RowToF32(int64_t row, float* out) const {
  const size_t base = static_cast<size_t>(row) * dim_;
  switch (dtype_) {
    case DType::kF32: std::memcpy(out, f32() + base, dim_ * sizeof(float)); break;
    case DType::kF16: {
      const uint16_t* h = f16() + base;
      for (int j = 0; j < dim_; ++j) out[j] = HalfToFloat(h[j]);
      break;
    }
    default: {
      const int8_t* q = i8() + base;
      const float scale = scales()[row];
      for (int j = 0; j < dim_; ++j) out[j] = scale * q[j];
      break;
    }
  }
}

std::vector<float> ItemMatrix::ToF32() const {
  std::vector<float> out(static_cast<size_t>(rows_) * dim_);
  for (int64_t r = 0; r < rows_; ++r) RowToF32(r, out.data() + r * dim_);
  return out;
}

ItemMatrix ItemMatrix::FromTensor(const TensorView& data, const TensorView* scales) {
  ItemMatrix m;
  m.dtype_ = data.dtype;
  m.rows_ = data.shape[0];
  m.dim_ = static_cast<int>(data.shape[1]);
  const size_t n = static_cast<size_t>(m.rows_) * m.dim_;
  switch (m.dtype_) {
    case DType::kF32: m.f32_.resize(n); std::memcpy(m.f32_.data(), data.data, n * 4); break;
    case DType::kF16: m.f16_.resize(n); std::memcpy(m.f16_.data(), data.data, n * 2); break;
    default:
      m.i8_.resize(n);
      std::memcpy(m.i8_.data(), data.data, n);
      m.scales_.resize(m.rows_);
      std::memcpy(m.scales_.data(), scales->data, m.rows_ * 4);
      break;
  }
  return m;
}

ItemMatrix ItemMatrix::ViewTensor(const TensorView& data, const TensorView* scales, std::shared_ptr<const uint8_t> backing) {
  const auto aligned = [](const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; };
  if (!aligned(data.data, DTypeSize(data.dtype)) || (data.dtype == DType::kI8 && !aligned(scales->data, 4)))
    return FromTensor(data, scales);
  ItemMatrix m;
  m.dtype_ = data.dtype;
  m.rows_ = data.shape[0];
  m.dim_ = static_cast<int>(data.shape[1]);
  m.backing_ = std::move(backing);
  m.view_ = data.data;
  if (m.dtype_ == DType::kI8) m.scales_view_ = reinterpret_cast<const float*>(scales->data);
  return m;
}

TensorData ItemMatrix::ToTensor() const {
  TensorData t;
  t.dtype = dtype_;
  t.shape = {rows_, dim_};
  const uint8_t* src = dtype_ == DType::kF32   ? reinterpret_cast<const uint8_t*>(f32())
                       : dtype_ == DType::kF16 ? reinterpret_cast<const uint8_t*>(f16())
                                               : reinterpret_cast<const uint8_t*>(i8());
  t.bytes.assign(src, src + static_cast<size_t>(rows_) * dim_ * DTypeSize(dtype_));
  return t;
}

TensorData ItemMatrix::ScalesTensor() const { return MakeF32Tensor({rows_}, scales()); }

}  // namespace zhixuan

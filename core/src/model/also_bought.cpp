#include "zhixuan/model/also_bought.hpp"

#include <cstring>

namespace zhixuan {
namespace {

template <typename T>
T ReadAt(const TensorData& t, int64_t i) {
  T v;
  std::memcpy(&v, t.bytes.data() + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

}  // namespace

StatusOr<TopK> AlsoBought(const Model& model, int32_t row, int k) {
  if (k <= 0 || k > 100000) return InvalidArgument("k must be in 1..100000, got " + std::to_string(k));
  const int64_t rows = model.items.rows();
  if (row < 0 || row >= rows) return Status(StatusCode::kUnknownItem, "item row " + std::to_string(row) + " is out of range");
  auto offsets = model.extras.find(kAlsoBoughtOffsets);
  auto items = model.extras.find(kAlsoBoughtItems);
  auto lift = model.extras.find(kAlsoBoughtLift);
  if (offsets == model.extras.end() || items == model.extras.end() || lift == model.extras.end())
    return Status(StatusCode::kUnsupported, "this model bundle carries no also-bought table (train with --also-bought-k > 0)");
  const TensorData& o = offsets->second;
  const TensorData& it = items->second;
  const TensorData& l = lift->second;
  if (o.dtype != DType::kI32 || it.dtype != DType::kI32 || l.dtype != DType::kF32 || o.shape.size() != 1 ||
      it.shape.size() != 1 || l.shape != it.shape || o.shape[0] < 1 || o.shape[0] > rows + 1)
    return MalformedModel("also-bought tensors have the wrong dtypes or shapes");
  TopK out;
  if (row + 1 >= o.shape[0]) return out;  // an item added after mining
  const int32_t begin = ReadAt<int32_t>(o, row), end = ReadAt<int32_t>(o, row + 1);
  if (begin < 0 || end < begin || end > it.shape[0]) return MalformedModel("also_bought_offsets are not a valid CSR index");
  for (int32_t e = begin; e < end && static_cast<int>(out.rows.size()) < k; ++e) {
    const int32_t partner = ReadAt<int32_t>(it, e);
    if (partner < 0 || partner >= rows) return MalformedModel("also_bought_items holds a row out of range");
    out.rows.push_back(partner);
    out.scores.push_back(ReadAt<float>(l, e));
  }
  return out;
}

}  // namespace zhixuan

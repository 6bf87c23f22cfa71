#include "zhixuan/model/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "zhixuan/base/json_reader.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;

constexpr std::pair<const char*, DType> kDTypeNames[] = {
    {"F32", DType::kF32},   {"F16", DType::kF16},   {"I8", DType::kI8},           {"I32", DType::kI32},
    {"U8", DType::kU8},     {"BF16", DType::kBF16}, {"F64", DType::kF64},         {"BOOL", DType::kBool},
    {"I16", DType::kI16},   {"U16", DType::kU16},   {"U32", DType::kU32},         {"I64", DType::kI64},
    {"U64", DType::kU64},   {"F8_E4M3", DType::kF8E4M3}, {"F8_E5M2", DType::kF8E5M2}};

bool ParseDType(std::string_view name, DType* out) {
  for (const auto& [text, dtype] : kDTypeNames) {
    if (name == text) { *out = dtype; return true; }
  }
  return false;
}

// Reads a non-negative integer that fits in 63 bits.
bool ReadCount(const JsonValue& value, uint64_t* out) {
  if (!value.is_integer() || value.as_int64() < 0) return false;
  *out = static_cast<uint64_t>(value.as_int64());
  return true;
}

Status ParseTensorEntry(std::string_view name, const JsonValue& entry, const uint8_t* data,
                        uint64_t data_size, TensorView* out, uint64_t* begin_out) {
  const std::string where = "safetensors tensor '" + std::string(name) + "'";
  if (!entry.is_object()) return MalformedModel(where + " is not an object");
  const JsonValue dtype = entry.Find("dtype");
  if (!dtype.is_string()) return MalformedModel(where + " has no dtype string");
  if (!ParseDType(dtype.as_string(), &out->dtype))
    return MalformedModel(where + " has unsupported dtype '" + std::string(dtype.as_string()) + "'");
  const JsonValue shape = entry.Find("shape");
  if (!shape.is_array() || shape.size() > 8) return MalformedModel(where + " has no valid shape array");
  uint64_t elements = 1;
  for (JsonValue dim : shape.elements()) {
    uint64_t d = 0;
    if (!ReadCount(dim, &d)) return MalformedModel(where + " has a negative or non-integer dimension");
    if (d != 0 && elements > (std::numeric_limits<uint64_t>::max() >> 4) / d)
      return MalformedModel(where + " shape overflows");
    elements *= d;
    out->shape.push_back(static_cast<int64_t>(d));
  }
  const JsonValue offsets = entry.Find("data_offsets");
  uint64_t begin = 0, end = 0;
  bool offsets_ok = offsets.is_array() && offsets.size() == 2;
  if (offsets_ok) {
    auto it = offsets.elements().begin();
    offsets_ok = ReadCount(*it, &begin) && ReadCount(*++it, &end);
  }
  if (!offsets_ok) return MalformedModel(where + " has no valid data_offsets [begin, end]");
  if (begin > end) return MalformedModel(where + " data_offsets begin > end");
  if (end > data_size)
    return MalformedModel(where + " data_offsets end " + std::to_string(end) +
                          " is past the data section (" + std::to_string(data_size) + " bytes)");
  const uint64_t expected = elements * DTypeSize(out->dtype);
  if (end - begin != expected)
    return MalformedModel(where + " holds " + std::to_string(end - begin) + " bytes but its dtype and shape need " +
                          std::to_string(expected));
  out->data = data + begin;
  out->size_bytes = static_cast<size_t>(end - begin);
  *begin_out = begin;
  return Status::Ok();
}

}  // namespace

const char* DTypeName(DType dtype) {
  for (const auto& [text, d] : kDTypeNames) {
    if (d == dtype) return text;
  }
  return "?";
}

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF64: case DType::kI64: case DType::kU64: return 8;
    case DType::kF32: case DType::kI32: case DType::kU32: return 4;
    case DType::kF16: case DType::kBF16: case DType::kI16: case DType::kU16: return 2;
    case DType::kI8: case DType::kU8: case DType::kBool: case DType::kF8E4M3: case DType::kF8E5M2: return 1;
  }
  return 1;
}

std::string DescribeTensors(const SafetensorsView& view, size_t limit) {
  if (view.tensors.empty()) return "no tensors";
  std::string out;
  size_t shown = 0;
  for (const auto& [name, t] : view.tensors) {
    if (shown == limit) {
      out += ", ... and " + std::to_string(view.tensors.size() - shown) + " more";
      break;
    }
    if (shown++ > 0) out += ", ";
    out += "'" + name + "' " + DTypeName(t.dtype) + " " + ShapeText(t.shape);
  }
  return out;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

int64_t TensorView::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const TensorView* SafetensorsView::find(const std::string& name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

StatusOr<SafetensorsView> ParseSafetensors(const uint8_t* bytes, size_t size) {
  if (bytes == nullptr || size < 8)
    return MalformedModel("safetensors file is truncated: " + std::to_string(size) + " bytes, need at least 8");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > size - 8)
    return MalformedModel("safetensors header length " + std::to_string(header_len) +
                          " is larger than the file (" + std::to_string(size) + " bytes)");
  if (header_len > kMaxSafetensorsHeaderBytes)
    return Status(StatusCode::kTooLarge, "safetensors header is " + std::to_string(header_len) + " bytes (limit 64 MiB)");
  const std::string_view header_text(reinterpret_cast<const char*>(bytes + 8), static_cast<size_t>(header_len));
  JsonDocument doc;
  std::string error;
  if (!doc.Parse(header_text, &error)) return MalformedModel("safetensors header is not valid JSON (" + error + ")");
  const JsonValue header = doc.root();
  if (!header.is_object()) return MalformedModel("safetensors header is not a JSON object");

  const uint8_t* data = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  SafetensorsView view;
  std::vector<std::pair<uint64_t, std::pair<uint64_t, std::string>>> ranges;  // begin, (end, name)
  for (const auto& [key, value] : header.members()) {
    if (key == "__metadata__") {
      if (!value.is_object()) return MalformedModel("safetensors __metadata__ is not an object");
      for (const auto& [meta_key, meta_value] : value.members()) {
        if (!meta_value.is_string())
          return MalformedModel("safetensors __metadata__ value '" + std::string(meta_key) + "' is not a string");
        view.metadata[std::string(meta_key)] = std::string(meta_value.as_string());
      }
      continue;
    }
    TensorView tensor;
    uint64_t begin = 0;
    ZX_RETURN_IF_ERROR(ParseTensorEntry(key, value, data, data_size, &tensor, &begin));
    std::string name(key);
    if (tensor.size_bytes > 0) ranges.push_back({begin, {begin + tensor.size_bytes, name}});
    if (!view.tensors.emplace(std::move(name), std::move(tensor)).second)
      return MalformedModel("safetensors header names tensor '" + std::string(key) + "' twice");
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second.first)
      return MalformedModel("safetensors tensors '" + ranges[i - 1].second.second + "' and '" +
                            ranges[i].second.second + "' overlap");
  }
  return view;
}

TensorData MakeF32Tensor(std::vector<int64_t> shape, const float* values) {
  TensorData t;
  t.dtype = DType::kF32;
  t.shape = std::move(shape);
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  t.bytes.resize(static_cast<size_t>(n) * 4);
  if (n > 0) std::memcpy(t.bytes.data(), values, t.bytes.size());  // little-endian hosts only (x86, wasm)
  return t;
}

TensorData MakeI32Tensor(std::vector<int64_t> shape, const int32_t* values) {
  TensorData t = MakeF32Tensor(std::move(shape), reinterpret_cast<const float*>(values));
  t.dtype = DType::kI32;
  return t;
}

std::vector<uint8_t> WriteSafetensors(const std::map<std::string, TensorData>& tensors,
                                      const std::map<std::string, std::string>& metadata) {
  // Data in order of element size, widest first (then by name), as the safetensors library
  // writes it: every tensor then starts aligned to its own element size, so an F32 tensor after
  // an odd-length U8 one (the item ids) cannot push the rows or scales off their alignment.
  std::vector<const std::pair<const std::string, TensorData>*> order;
  for (const auto& entry : tensors) order.push_back(&entry);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return DTypeSize(a->second.dtype) > DTypeSize(b->second.dtype);
  });
  Json header = Json::object();
  uint64_t offset = 0;
  for (const auto* entry : order) {
    const TensorData& tensor = entry->second;
    header[entry->first] = {{"dtype", DTypeName(tensor.dtype)},
                            {"shape", tensor.shape},
                            {"data_offsets", {offset, offset + tensor.bytes.size()}}};
    offset += tensor.bytes.size();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');  // align the data section
  std::vector<uint8_t> out(8 + text.size() + offset);
  uint64_t len = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(len >> (8 * i));
  std::memcpy(out.data() + 8, text.data(), text.size());
  uint8_t* cursor = out.data() + 8 + text.size();
  for (const auto* entry : order) {
    const TensorData& tensor = entry->second;
    if (!tensor.bytes.empty()) std::memcpy(cursor, tensor.bytes.data(), tensor.bytes.size());
    cursor += tensor.bytes.size();
  }
  return out;
}

}  // namespace zhixuan

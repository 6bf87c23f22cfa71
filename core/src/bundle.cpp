#include "zhixuan/bundle.hpp"

#include <cmath>
#include <cstring>
#include <unordered_set>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace zhixuan {
namespace {

using Json = nlohmann::json;
constexpr const char* kManifestKey = "zhixuan.manifest";

bool ReadFloat(const Json& obj, const char* key, float* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return true;
  if (!it->is_number()) return false;
  *out = it->get<float>();
  return std::isfinite(*out);
}

Status ParseManifest(const std::string& text, Manifest* m) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return MalformedModel("manifest is not a JSON object");
  auto version = j.find("format_version");
  if (version == j.end() || !version->is_number_integer())
    return MalformedModel("manifest has no integer format_version");
  m->format_version = version->get<int>();
  if (m->format_version != kBundleFormatVersion)
    return Status(StatusCode::kUnsupported, "manifest format_version " + std::to_string(m->format_version) +
                                                " is not supported (this build reads " +
                                                std::to_string(kBundleFormatVersion) + ")");
  auto model_version = j.find("model_version");
  if (model_version != j.end()) {
    if (!model_version->is_string()) return MalformedModel("manifest model_version is not a string");
    m->model_version = model_version->get<std::string>();
  }
  auto dim = j.find("dim");
  if (dim == j.end() || !dim->is_number_integer()) return MalformedModel("manifest has no integer dim");
  const int64_t d = dim->get<int64_t>();
  if (d <= 0 || d > kMaxDim) return MalformedModel("manifest dim " + std::to_string(d) + " is out of range 1.." + std::to_string(kMaxDim));
  m->dim = static_cast<int>(d);
  auto ids = j.find("item_ids");
  if (ids == j.end() || !ids->is_array()) return MalformedModel("manifest has no item_ids array");
  if (static_cast<int64_t>(ids->size()) > kMaxItems) return Status(StatusCode::kTooLarge, "manifest lists more than 20M items");
  m->item_ids.reserve(ids->size());
  std::unordered_set<std::string> seen;
  seen.reserve(ids->size());
  for (size_t i = 0; i < ids->size(); ++i) {
    const Json& id = (*ids)[i];
    if (!id.is_string()) return MalformedModel("manifest item_ids[" + std::to_string(i) + "] is not a string");
    std::string s = id.get<std::string>();
    if (s.empty() || s.size() > kMaxItemIdBytes)
      return MalformedModel("manifest item_ids[" + std::to_string(i) + "] is empty or longer than 256 bytes");
    if (!seen.insert(s).second) return MalformedModel("manifest item id '" + s + "' appears twice");
    m->item_ids.push_back(std::move(s));
  }
  auto foldin = j.find("foldin");
  if (foldin != j.end()) {
    if (!foldin->is_object()) return MalformedModel("manifest foldin is not an object");
    FoldInParams& p = m->foldin;
    if (!ReadFloat(*foldin, "reg", &p.reg) || !ReadFloat(*foldin, "alpha", &p.alpha) ||
        !ReadFloat(*foldin, "unobserved_weight", &p.unobserved_weight) ||
        !ReadFloat(*foldin, "reg_exponent", &p.reg_exponent))
      return MalformedModel("manifest foldin values must be finite numbers");
    if (p.reg < 0 || p.alpha < 0 || p.unobserved_weight < 0 || p.reg_exponent < 0 || p.reg_exponent > 2)
      return MalformedModel("manifest foldin values are out of range (reg, alpha, unobserved_weight >= 0; 0 <= reg_exponent <= 2)");
    if (p.reg == 0 && p.unobserved_weight == 0) return MalformedModel("manifest foldin needs reg > 0 or unobserved_weight > 0");
  }
  m->json = text;
  return Status::Ok();
}

Status CheckF32Vector(const TensorView& t, int64_t expected, const char* name, std::vector<float>* out) {
  if (t.dtype != DType::kF32 || t.element_count() != expected)
    return MalformedModel(std::string(name) + " must be F32 with " + std::to_string(expected) + " values");
  out->resize(static_cast<size_t>(expected));
  std::memcpy(out->data(), t.data, t.size_bytes);
  for (float v : *out)
    if (!std::isfinite(v)) return MalformedModel(std::string(name) + " contains NaN or Inf");
  return Status::Ok();
}

Status CheckEmbeddings(const TensorView& t, const TensorView* scales, const Manifest& m) {
  if (t.shape.size() != 2) return MalformedModel("item_embeddings must be 2-D [items, dim]");
  if (t.shape[0] != static_cast<int64_t>(m.item_ids.size()))
    return MalformedModel("item_embeddings has " + std::to_string(t.shape[0]) + " rows but the manifest lists " +
                          std::to_string(m.item_ids.size()) + " item ids");
  if (t.shape[1] != m.dim)
    return MalformedModel("item_embeddings has dim " + std::to_string(t.shape[1]) + " but the manifest says " +
                          std::to_string(m.dim));
  const size_t n = static_cast<size_t>(t.element_count());
  switch (t.dtype) {
    case DType::kF32:
      for (size_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, t.data + 4 * i, 4);
        if (!std::isfinite(v)) return MalformedModel("item_embeddings row " + std::to_string(i / m.dim) + " contains NaN or Inf");
      }
      return Status::Ok();
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        if ((h & 0x7c00u) == 0x7c00u) return MalformedModel("item_embeddings row " + std::to_string(i / m.dim) + " contains NaN or Inf");
      }
      return Status::Ok();
    case DType::kI8: {
      if (scales == nullptr) return MalformedModel("I8 item_embeddings need an item_scales tensor");
      std::vector<float> s;
      ZX_RETURN_IF_ERROR(CheckF32Vector(*scales, t.shape[0], "item_scales", &s));
      for (float v : s)
        if (v < 0) return MalformedModel("item_scales contains a negative scale");
      return Status::Ok();
    }
    default:
      return MalformedModel(std::string("item_embeddings dtype ") + DTypeName(t.dtype) + " is not F32, F16 or I8");
  }
}

}  // namespace

std::vector<float> ComputeGram(const ItemMatrix& items) {
  const int d = items.dim();
  Eigen::MatrixXf gram = Eigen::MatrixXf::Zero(d, d);
  constexpr int64_t kBlock = 4096;  // dequantize in blocks to bound memory
  std::vector<float> block;
  for (int64_t start = 0; start < items.rows(); start += kBlock) {
    const int64_t count = std::min(kBlock, items.rows() - start);
    block.resize(static_cast<size_t>(count) * d);
    for (int64_t r = 0; r < count; ++r) items.RowToF32(start + r, block.data() + r * d);
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> v(block.data(), count, d);
    gram.selfadjointView<Eigen::Lower>().rankUpdate(v.transpose());
  }
  gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
  return std::vector<float>(gram.data(), gram.data() + d * d);  // symmetric: layout does not matter
}

StatusOr<Model> LoadModel(const uint8_t* bytes, size_t size) {
  auto parsed = ParseSafetensors(bytes, size);
  if (!parsed.ok()) return parsed.status();
  const SafetensorsView& file = parsed.value();
  auto manifest_it = file.metadata.find(kManifestKey);
  if (manifest_it == file.metadata.end())
    return MalformedModel("bundle has no __metadata__['zhixuan.manifest']");
  Model model;
  ZX_RETURN_IF_ERROR(ParseManifest(manifest_it->second, &model.manifest));
  const Manifest& m = model.manifest;

  const TensorView* embeddings = file.find("item_embeddings");
  if (embeddings == nullptr) return MalformedModel("bundle has no item_embeddings tensor");
  const TensorView* scales = file.find("item_scales");
  ZX_RETURN_IF_ERROR(CheckEmbeddings(*embeddings, scales, m));
  model.items = ItemMatrix::FromTensor(*embeddings, scales);

  if (const TensorView* bias = file.find("item_bias"))
    ZX_RETURN_IF_ERROR(CheckF32Vector(*bias, embeddings->shape[0], "item_bias", &model.bias));
  if (const TensorView* gram = file.find("item_gram")) {
    if (gram->shape != std::vector<int64_t>{m.dim, m.dim}) return MalformedModel("item_gram must be [dim, dim]");
    ZX_RETURN_IF_ERROR(CheckF32Vector(*gram, int64_t{m.dim} * m.dim, "item_gram", &model.gram));
  }
  for (const auto& [name, view] : file.tensors) {
    if (name == "item_embeddings" || name == "item_scales" || name == "item_bias" || name == "item_gram") continue;
    TensorData t;
    t.dtype = view.dtype;
    t.shape = view.shape;
    t.bytes.assign(view.data, view.data + view.size_bytes);
    model.extras.emplace(name, std::move(t));
  }
  return model;
}

std::vector<uint8_t> SaveModel(const Model& model) {
  const Manifest& m = model.manifest;
  Json j = Json::parse(m.json.empty() ? std::string("{}") : m.json, nullptr, false);
  if (!j.is_object()) j = Json::object();
  j["format_version"] = kBundleFormatVersion;
  j["model_version"] = m.model_version;
  j["dim"] = m.dim;
  j["item_ids"] = m.item_ids;
  j["foldin"] = {{"reg", m.foldin.reg}, {"alpha", m.foldin.alpha},
                 {"unobserved_weight", m.foldin.unobserved_weight}, {"reg_exponent", m.foldin.reg_exponent}};

  std::map<std::string, TensorData> tensors = model.extras;
  tensors["item_embeddings"] = model.items.ToTensor();
  if (model.items.dtype() == DType::kI8) tensors["item_scales"] = model.items.ScalesTensor();
  if (!model.bias.empty()) tensors["item_bias"] = MakeF32Tensor({model.items.rows()}, model.bias.data());
  const std::vector<float> gram = model.gram.empty() ? ComputeGram(model.items) : model.gram;
  tensors["item_gram"] = MakeF32Tensor({m.dim, m.dim}, gram.data());
  return WriteSafetensors(tensors, {{kManifestKey, j.dump()}});
}

StatusOr<Model> MakeModel(std::vector<std::string> item_ids, const float* rows, int dim, DType dtype,
                          FoldInParams foldin, std::string model_version) {
  if (dim <= 0 || dim > kMaxDim) return InvalidArgument("dim must be in 1..1024");
  if (dtype != DType::kF32 && dtype != DType::kF16 && dtype != DType::kI8)
    return InvalidArgument("embeddings dtype must be f32, f16 or i8");
  Model model;
  model.manifest.dim = dim;
  model.manifest.foldin = foldin;
  model.manifest.model_version = std::move(model_version);
  std::unordered_set<std::string> seen;
  for (const std::string& id : item_ids) {
    if (id.empty() || id.size() > kMaxItemIdBytes) return InvalidArgument("item id '" + id.substr(0, 64) + "' is empty or too long");
    if (!seen.insert(id).second) return InvalidArgument("item id '" + id + "' appears twice");
  }
  const int64_t n = static_cast<int64_t>(item_ids.size());
  for (int64_t i = 0; i < n * dim; ++i)
    if (!std::isfinite(rows[i])) return InvalidArgument("embedding row " + std::to_string(i / dim) + " contains NaN or Inf");
  model.manifest.item_ids = std::move(item_ids);
  model.items = ItemMatrix::FromF32(rows, n, dim, dtype);
  model.gram = ComputeGram(model.items);
  return model;
}

}  // namespace zhixuan

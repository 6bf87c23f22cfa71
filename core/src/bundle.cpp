#include "zhixuan/bundle.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "zhixuan/json_reader.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;
constexpr const char* kManifestKey = "zhixuan.manifest";

bool ReadFloat(const JsonValue& obj, const char* key, float* out) {
  const JsonValue value = obj.Find(key);
  if (!value.exists()) return true;
  if (!value.is_number()) return false;
  *out = static_cast<float>(value.as_double());
  return std::isfinite(*out);
}

// Parses the manifest's typed fields and indexes the ids (`text` must live until it returns).
Status ParseManifest(std::string_view text, Manifest* m, RowIndex* id_index) {
  JsonDocument doc;
  if (!doc.Parse(text, nullptr) || !doc.root().is_object()) return MalformedModel("manifest is not a JSON object");
  const JsonValue j = doc.root();
  const JsonValue version = j.Find("format_version");
  if (!version.is_integer()) return MalformedModel("manifest has no integer format_version");
  if (version.as_int64() != kBundleFormatVersion)
    return Status(StatusCode::kUnsupported, "manifest format_version " + std::to_string(version.as_int64()) +
                                                " is not supported (this build reads " +
                                                std::to_string(kBundleFormatVersion) + ")");
  m->format_version = kBundleFormatVersion;
  const JsonValue model_version = j.Find("model_version");
  if (model_version.exists()) {
    if (!model_version.is_string()) return MalformedModel("manifest model_version is not a string");
    m->model_version = std::string(model_version.as_string());
  }
  const JsonValue dim = j.Find("dim");
  if (!dim.is_integer()) return MalformedModel("manifest has no integer dim");
  const int64_t d = dim.as_int64();
  if (d <= 0 || d > kMaxDim) return MalformedModel("manifest dim " + std::to_string(d) + " is out of range 1.." + std::to_string(kMaxDim));
  m->dim = static_cast<int>(d);
  const JsonValue ids = j.Find("item_ids");
  if (!ids.is_array()) return MalformedModel("manifest has no item_ids array");
  if (static_cast<int64_t>(ids.size()) > kMaxItems) return Status(StatusCode::kTooLarge, "manifest lists more than 20M items");
  m->item_ids.reserve(ids.size());
  size_t i = 0;
  for (JsonValue id : ids.elements()) {
    if (!id.is_string()) return MalformedModel("manifest item_ids[" + std::to_string(i) + "] is not a string");
    const std::string_view s = id.as_string();
    if (s.empty() || s.size() > kMaxItemIdBytes)
      return MalformedModel("manifest item_ids[" + std::to_string(i) + "] is empty or longer than 256 bytes");
    m->item_ids.emplace_back(s);
    ++i;
  }
  const int64_t repeat = id_index->Build(m->item_ids);
  if (repeat >= 0) return MalformedModel("manifest item id '" + m->item_ids[static_cast<size_t>(repeat)] + "' appears twice");
  const JsonValue foldin = j.Find("foldin");
  if (foldin.exists()) {
    if (!foldin.is_object()) return MalformedModel("manifest foldin is not an object");
    FoldInParams& p = m->foldin;
    if (!ReadFloat(foldin, "reg", &p.reg) || !ReadFloat(foldin, "alpha", &p.alpha) ||
        !ReadFloat(foldin, "unobserved_weight", &p.unobserved_weight) ||
        !ReadFloat(foldin, "reg_exponent", &p.reg_exponent))
      return MalformedModel("manifest foldin values must be finite numbers");
    if (p.reg < 0 || p.alpha < 0 || p.unobserved_weight < 0 || p.reg_exponent < 0 || p.reg_exponent > 2)
      return MalformedModel("manifest foldin values are out of range (reg, alpha, unobserved_weight >= 0; 0 <= reg_exponent <= 2)");
    if (p.reg == 0 && p.unobserved_weight == 0) return MalformedModel("manifest foldin needs reg > 0 or unobserved_weight > 0");
  }
  return Status::Ok();
}

// First element of `count` F32 (or F16) values whose exponent bits are all ones (NaN/Inf),
// or `count`. Integer ops only, in blocks: the all-finite common case is a loop the compiler
// vectorizes; only a block that holds a bad value is rescanned to name it.
template <typename Bits>
size_t FirstNonFinite(const uint8_t* data, size_t count) {
  constexpr uint32_t kExponent = sizeof(Bits) == 4 ? 0x7f800000u : 0x7c00u;
  constexpr uint32_t kLowestExponentBit = kExponent & (~kExponent + 1);
  constexpr uint32_t kCarry = sizeof(Bits) == 4 ? 0x80000000u : 0x8000u;  // set iff the exponent was all ones
  constexpr size_t kBlock = 4096;
  for (size_t start = 0; start < count; start += kBlock) {
    const size_t end = std::min(count, start + kBlock);
    uint32_t any = 0;
    for (size_t i = start; i < end; ++i) {
      Bits bits;
      std::memcpy(&bits, data + sizeof(Bits) * i, sizeof(Bits));
      any |= (static_cast<uint32_t>(bits) & kExponent) + kLowestExponentBit;
    }
    if ((any & kCarry) == 0) continue;
    for (size_t i = start; i < end; ++i) {
      Bits bits;
      std::memcpy(&bits, data + sizeof(Bits) * i, sizeof(Bits));
      if ((static_cast<uint32_t>(bits) & kExponent) == kExponent) return i;
    }
  }
  return count;
}

Status CheckF32Vector(const TensorView& t, int64_t expected, const char* name, std::vector<float>* out) {
  if (t.dtype != DType::kF32 || t.element_count() != expected)
    return MalformedModel(std::string(name) + " must be F32 with " + std::to_string(expected) + " values");
  if (FirstNonFinite<uint32_t>(t.data, static_cast<size_t>(expected)) != static_cast<size_t>(expected))
    return MalformedModel(std::string(name) + " contains NaN or Inf");
  out->resize(static_cast<size_t>(expected));
  if (expected > 0) std::memcpy(out->data(), t.data, t.size_bytes);
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
    case DType::kF16: {
      const size_t bad = t.dtype == DType::kF32 ? FirstNonFinite<uint32_t>(t.data, n) : FirstNonFinite<uint16_t>(t.data, n);
      if (bad != n) return MalformedModel("item_embeddings row " + std::to_string(bad / m.dim) + " contains NaN or Inf");
      return Status::Ok();
    }
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

Status BundleLoader::Begin(const uint8_t* bytes, size_t size, std::shared_ptr<const uint8_t> backing) {
  backing_ = std::move(backing);
  auto parsed = ParseSafetensors(bytes, size);  // the header only: offsets are checked, not followed
  if (!parsed.ok()) return parsed.status();
  file_ = std::move(parsed).value();
  auto manifest_it = file_.metadata.find(kManifestKey);
  if (manifest_it == file_.metadata.end())
    return MalformedModel("bundle has no __metadata__['zhixuan.manifest']");
  ZX_RETURN_IF_ERROR(ParseManifest(manifest_it->second, &model_.manifest, &model_.id_index));
  model_.manifest.json = std::move(manifest_it->second);
  begun_ = true;
  return Status::Ok();
}

Status BundleLoader::Begin(std::shared_ptr<const uint8_t> bytes, size_t size) {
  const uint8_t* data = bytes.get();
  return Begin(data, size, std::move(bytes));
}

StatusOr<Model> BundleLoader::Finish() {
  if (!begun_) return Status(StatusCode::kInternal, "BundleLoader::Finish without a successful Begin");
  begun_ = false;
  Model model = std::move(model_);
  const Manifest& m = model.manifest;
  const TensorView* embeddings = file_.find("item_embeddings");
  if (embeddings == nullptr) return MalformedModel("bundle has no item_embeddings tensor");
  const TensorView* scales = file_.find("item_scales");
  ZX_RETURN_IF_ERROR(CheckEmbeddings(*embeddings, scales, m));
  model.items = backing_ ? ItemMatrix::ViewTensor(*embeddings, scales, backing_)
                         : ItemMatrix::FromTensor(*embeddings, scales);

  if (const TensorView* bias = file_.find("item_bias"))
    ZX_RETURN_IF_ERROR(CheckF32Vector(*bias, embeddings->shape[0], "item_bias", &model.bias));
  if (const TensorView* gram = file_.find("item_gram")) {
    if (gram->shape != std::vector<int64_t>{m.dim, m.dim}) return MalformedModel("item_gram must be [dim, dim]");
    ZX_RETURN_IF_ERROR(CheckF32Vector(*gram, int64_t{m.dim} * m.dim, "item_gram", &model.gram));
  }
  for (const auto& [name, view] : file_.tensors) {
    if (name == "item_embeddings" || name == "item_scales" || name == "item_bias" || name == "item_gram") continue;
    TensorData t;
    t.dtype = view.dtype;
    t.shape = view.shape;
    t.bytes.assign(view.data, view.data + view.size_bytes);
    model.extras.emplace(name, std::move(t));
  }
  return model;
}

StatusOr<Model> LoadModel(const uint8_t* bytes, size_t size) {
  BundleLoader loader;
  ZX_RETURN_IF_ERROR(loader.Begin(bytes, size, nullptr));
  return loader.Finish();
}

StatusOr<Model> LoadModel(std::shared_ptr<const uint8_t> bytes, size_t size) {
  BundleLoader loader;
  ZX_RETURN_IF_ERROR(loader.Begin(std::move(bytes), size));
  return loader.Finish();
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
  for (const std::string& id : item_ids)
    if (id.empty() || id.size() > kMaxItemIdBytes) return InvalidArgument("item id '" + id.substr(0, 64) + "' is empty or too long");
  const int64_t repeat = model.id_index.Build(item_ids);
  if (repeat >= 0) return InvalidArgument("item id '" + item_ids[static_cast<size_t>(repeat)] + "' appears twice");
  const int64_t n = static_cast<int64_t>(item_ids.size());
  for (int64_t i = 0; i < n * dim; ++i)
    if (!std::isfinite(rows[i])) return InvalidArgument("embedding row " + std::to_string(i / dim) + " contains NaN or Inf");
  model.manifest.item_ids = std::move(item_ids);
  model.items = ItemMatrix::FromF32(rows, n, dim, dtype);
  model.gram = ComputeGram(model.items);
  return model;
}

}  // namespace zhixuan

#include "zhixuan/model/bundle.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>

#include "zhixuan/base/json_reader.hpp"
#include "zhixuan/model/scoring.hpp"
#include "zhixuan/base/tiering.hpp"
#include "zhixuan/base/utf8.hpp"

namespace zhixuan {
namespace {

using Json = nlohmann::json;
constexpr const char* kManifestKey = "zhixuan.manifest";
constexpr const char* kIdTensor = "item_ids";

bool ReadFloat(const JsonValue& obj, const char* key, float* out) {
  const JsonValue value = obj.Find(key);
  if (!value.exists()) return true;
  if (!value.is_number()) return false;
  *out = static_cast<float>(value.as_double());
  return std::isfinite(*out);
}

// Copies up to 4096 ids from *next on (a tier unit: see tiering.hpp).
ZX_TIER_UNIT Status AppendItemIds(JsonValue::ElementIterator* next, JsonValue::ElementIterator end,
                                  IdList* ids) {
  for (int left = 4096; left > 0 && *next != end; --left, ++*next) {
    const JsonValue id = **next;
    const size_t i = ids->size();
    if (!id.is_string()) return MalformedModel("manifest item_ids[" + std::to_string(i) + "] is not a string");
    const std::string_view s = id.as_string();
    if (s.empty() || s.size() > kMaxItemIdBytes)
      return MalformedModel("manifest item_ids[" + std::to_string(i) + "] is empty or longer than 256 bytes");
    ids->push_back(s);
  }
  return Status::Ok();
}

// Format 1: the ids are the manifest's item_ids array.
Status ReadManifestIds(const JsonValue& ids, IdList* out) {
  if (!ids.is_array()) return MalformedModel("manifest has no item_ids array");
  if (static_cast<int64_t>(ids.size()) > kMaxItems) return Status(StatusCode::kTooLarge, "manifest lists more than 20M items");
  out->reserve(ids.size(), 0);
  auto next = ids.elements().begin();
  const auto end = ids.elements().end();
  // Two call sites on purpose: wasm-opt inlines a function with one caller (tiering.hpp).
  Status appended = AppendItemIds(&next, end, out);
  while (appended.ok() && next != end) appended = AppendItemIds(&next, end, out);
  return appended;
}

// How many ids a format 2 item_ids tensor of `bytes` is read as expecting (the id table's
// size): item_embeddings' row count, or fewer when the tensor cannot hold that many.
size_t ExpectedIds(int64_t rows, size_t bytes) {
  return std::min(static_cast<size_t>(std::clamp<int64_t>(rows, 0, kMaxItems)), bytes / 2);
}

// Format 2: the ids are the item_ids tensor, U8 [bytes]: each id's UTF-8, then a 0 byte, in
// row order (no JSON to decode twice: the cold start's largest cost with format 1). Checked
// and indexed in one pass; `rows`: item_embeddings' row count, the number of ids expected
// (they are counted later). With a `backing` that holds the tensor, the list views it.
Status ReadTensorIds(const TensorView& t, int64_t rows, const std::shared_ptr<const uint8_t>& backing, IdList* out,
                     RowIndex* index) {
  if (t.dtype != DType::kU8 || t.shape.size() != 1)
    return MalformedModel("item_ids tensor must be 1-D U8 (each id's UTF-8 bytes, then a 0 byte)");
  const char* text = reinterpret_cast<const char*>(t.data);
  const size_t size = t.size_bytes;
  if (size > 0 && text[size - 1] != 0) return MalformedModel("item_ids tensor does not end with a 0 byte");
  std::vector<size_t> starts;
  const RowIndex::PackedScan scan = index->BuildPacked(text, size, ExpectedIds(rows, size), kMaxItemIdBytes, &starts);
  const std::string row = std::to_string(scan.row);
  switch (scan.problem) {
    case RowIndex::PackedScan::kNone:
      break;
    case RowIndex::PackedScan::kEmptyOrLong:
      return MalformedModel("item_ids tensor: id " + row + " is empty or longer than 256 bytes");
    case RowIndex::PackedScan::kNotUtf8:
      return MalformedModel("item_ids tensor: id " + row + " is not valid UTF-8");
    case RowIndex::PackedScan::kRepeat: {
      const char* id = text + starts[scan.row];
      return MalformedModel("item id '" + std::string(id) + "' appears twice in the item_ids tensor");
    }
  }
  // The tensor is the packed list already: viewed where it was read, or one copy.
  *out = backing ? IdList::ViewPacked(std::string_view(text, size), backing, std::move(starts))
                 : IdList::FromPacked(std::string(text, size), std::move(starts));
  return Status::Ok();
}

// Parses the manifest's typed fields, and reads and indexes format 1's ids (`text` must live
// until it returns).
Status ParseManifest(std::string_view text, Manifest* m, RowIndex* id_index) {
  JsonDocument doc;
  if (!doc.Parse(text, nullptr) || !doc.root().is_object()) return MalformedModel("manifest is not a JSON object");
  const JsonValue j = doc.root();
  const JsonValue version = j.Find("format_version");
  if (!version.is_integer()) return MalformedModel("manifest has no integer format_version");
  if (version.as_int64() < kOldestBundleFormatVersion || version.as_int64() > kBundleFormatVersion)
    return Status(StatusCode::kUnsupported, "manifest format_version " + std::to_string(version.as_int64()) +
                                                " is not supported (this build reads " +
                                                std::to_string(kOldestBundleFormatVersion) + " to " +
                                                std::to_string(kBundleFormatVersion) + ")");
  m->format_version = static_cast<int>(version.as_int64());
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
  if (m->format_version >= 2) {
    if (ids.exists()) return MalformedModel("a format 2 manifest must not list item_ids: they are the item_ids tensor");
  } else {
    ZX_RETURN_IF_ERROR(ReadManifestIds(ids, &m->item_ids));
    const int64_t repeat = id_index->Build(m->item_ids);
    if (repeat >= 0) return MalformedModel("manifest item id '" + std::string(m->item_ids[static_cast<size_t>(repeat)]) + "' appears twice");
  }
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

// OR over values [start, end) of (exponent bits + the lowest exponent bit): the carry bit is
// set iff some value's exponent bits are all ones (NaN/Inf). Integer ops only, a loop the
// compiler vectorizes; a tier unit (tiering.hpp), called per block.
template <typename Bits>
ZX_TIER_UNIT uint32_t ExponentCarries(const uint8_t* data, size_t start, size_t end) {
  constexpr uint32_t kExponent = sizeof(Bits) == 4 ? 0x7f800000u : 0x7c00u;
  constexpr uint32_t kLowestExponentBit = kExponent & (~kExponent + 1);
  uint32_t any = 0;
  for (size_t i = start; i < end; ++i) {
    Bits bits;
    std::memcpy(&bits, data + sizeof(Bits) * i, sizeof(Bits));
    any |= (static_cast<uint32_t>(bits) & kExponent) + kLowestExponentBit;
  }
  return any;
}

// First element of `count` F32 (or F16) values whose exponent bits are all ones (NaN/Inf),
// or `count`. The all-finite common case checks blocks; only a block that holds a bad value
// is rescanned to name it.
template <typename Bits>
size_t FirstNonFinite(const uint8_t* data, size_t count) {
  constexpr uint32_t kExponent = sizeof(Bits) == 4 ? 0x7f800000u : 0x7c00u;
  constexpr uint32_t kCarry = sizeof(Bits) == 4 ? 0x80000000u : 0x8000u;
  constexpr size_t kBlock = 16384;
  for (size_t start = 0; start < count; start += kBlock) {
    const size_t end = std::min(count, start + kBlock);
    const size_t mid = start + (end - start) / 2;
    // Half a block per call, two call sites on purpose: wasm-opt inlines a function with one
    // caller (tiering.hpp), and the whole check would then run in baseline code.
    if (((ExponentCarries<Bits>(data, start, mid) | ExponentCarries<Bits>(data, mid, end)) & kCarry) == 0) continue;
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

// The shape and dtype of item_embeddings, and I8's scales (the values of F32/F16 rows are
// CheckRowsFinite's).
Status CheckEmbeddings(const TensorView& t, const TensorView* scales, const Manifest& m) {
  if (t.shape.size() != 2) return MalformedModel("item_embeddings must be 2-D [items, dim]");
  if (t.shape[0] != static_cast<int64_t>(m.item_ids.size()))
    return MalformedModel("item_embeddings has " + std::to_string(t.shape[0]) + " rows but " +
                          (m.format_version >= 2 ? "the item_ids tensor" : "the manifest") + " lists " +
                          std::to_string(m.item_ids.size()) + " item ids");
  if (t.shape[1] != m.dim)
    return MalformedModel("item_embeddings has dim " + std::to_string(t.shape[1]) + " but the manifest says " +
                          std::to_string(m.dim));
  switch (t.dtype) {
    case DType::kF32:
    case DType::kF16:
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

// The largest |value| of F32 values [start, end) as bits (finite floats order like their bits
// without the sign). Integer ops only, vectorized; a tier unit, called per block.
ZX_TIER_UNIT uint32_t MaxMagnitudeBits(const uint8_t* data, size_t start, size_t end) {
  uint32_t most = 0;
  for (size_t i = start; i < end; ++i) {
    uint32_t bits;
    std::memcpy(&bits, data + sizeof(uint32_t) * i, sizeof(uint32_t));
    const uint32_t magnitude = bits & 0x7fffffffu;
    most = magnitude > most ? magnitude : most;  // not std::max: through its references clang did not vectorize the loop
  }
  return most;
}

// Whether V^T V of these finite rows surely fits in float, by a bound that costs no pass of
// its own (F32: the largest |value|, `f32_magnitude_bits`, from CheckRowsFinite): every
// |G_jk| <= trace(V^T V) = sum of squares <= rows * d * max|v|^2, and so does every partial
// sum; a quarter of FLT_MAX leaves room for rounding. Rows beyond the bound are not wrong,
// only checked by computing the gram.
bool GramSurelyFinite(const ItemMatrix& items, uint32_t f32_magnitude_bits) {
  const double limit = std::numeric_limits<float>::max() / 4.0;
  const double d = items.dim();
  switch (items.dtype()) {
    case DType::kF16:
      return static_cast<double>(items.rows()) * d * 65504.0 * 65504.0 <= limit;  // always, at 20M x 1024
    case DType::kI8: {
      double trace = 0;
      for (int64_t r = 0; r < items.rows(); ++r) {
        const double most = 127.0 * items.scales()[r];
        trace += d * most * most;
      }
      return trace <= limit;
    }
    default: {
      float magnitude;
      std::memcpy(&magnitude, &f32_magnitude_bits, sizeof(float));
      return static_cast<double>(items.rows()) * d * static_cast<double>(magnitude) * magnitude <= limit;
    }
  }
}

// F32: a row is finite iff its dot product with a ones vector is (an Inf or NaN element makes
// the sum Inf or NaN, and only finite values can sum to a finite value; a finite row whose sum
// overflows is rescanned and passes). So the check is one pass of the scoring kernel over every
// row, which also leaves that kernel optimized for the first query (tiering.hpp). With
// `magnitude_bits` (a bundle without item_gram: GramSurelyFinite's bound), also the largest
// |value| of the rows, read again per block while the block is in cache. F16: the bits (its
// kernel's conversion assumes finite halves); I8 rows are finite by construction.
Status CheckRowsFinite(const ItemMatrix& items, const uint8_t* data, uint32_t* magnitude_bits) {
  const int d = items.dim();
  const size_t n = static_cast<size_t>(items.rows()) * static_cast<size_t>(d);
  if (items.dtype() == DType::kF16) {
    const size_t bad = FirstNonFinite<uint16_t>(data, n);
    if (bad != n) return MalformedModel("item_embeddings row " + std::to_string(bad / d) + " contains NaN or Inf");
    return Status::Ok();
  }
  if (items.dtype() != DType::kF32) return Status::Ok();
  const std::vector<float> ones(static_cast<size_t>(d), 1.0f);
  constexpr int64_t kBlock = 1024;
  std::vector<float> sums(kBlock);
  for (int64_t begin = 0; begin < items.rows(); begin += kBlock) {
    const int64_t end = std::min(items.rows(), begin + kBlock);
    ScoreRows(items, ones.data(), nullptr, begin, end, sums.data());
    if (magnitude_bits != nullptr) {
      // Half a block per call, two call sites on purpose (wasm-opt inlines a function with one
      // caller: see FirstNonFinite).
      const size_t first = static_cast<size_t>(begin) * d, last = static_cast<size_t>(end) * d;
      const size_t mid = first + (last - first) / 2;
      *magnitude_bits = std::max({*magnitude_bits, MaxMagnitudeBits(data, first, mid), MaxMagnitudeBits(data, mid, last)});
    }
    for (int64_t r = begin; r < end; ++r) {
      if (std::isfinite(sums[static_cast<size_t>(r - begin)])) continue;
      if (FirstNonFinite<uint32_t>(data + static_cast<size_t>(r) * d * 4, d) != static_cast<size_t>(d))
        return MalformedModel("item_embeddings row " + std::to_string(r) + " contains NaN or Inf");
    }
  }
  return Status::Ok();
}

}  // namespace

Status BundleLoader::Begin(const uint8_t* bytes, size_t size, std::shared_ptr<const uint8_t> backing) {
  backing_ = std::move(backing);
  auto parsed = ParseSafetensors(bytes, size);  // the header only: offsets are checked, not followed
  if (!parsed.ok()) return parsed.status();
  file_ = std::move(parsed).value();
  const bool has_manifest = file_.metadata.find(kManifestKey) != file_.metadata.end();
  if (file_.find("item_embeddings") == nullptr)  // most likely another trainer's file: say what it holds
    return MalformedModel(std::string("not a zhixuan bundle: the safetensors file has no item_embeddings tensor") +
                          (has_manifest ? "" : " and no __metadata__['zhixuan.manifest']") + "; it has " + DescribeTensors(file_) +
                          ". An embedding table trained elsewhere becomes a bundle with `zhixuan convert --factors "
                          "FILE.safetensors --tensor NAME --ids ids.txt --out model.safetensors`");
  if (!has_manifest) return MalformedModel("bundle has no __metadata__['zhixuan.manifest']");
  file_start_ = bytes;
  begun_ = true;
  return Status::Ok();
}

Status BundleLoader::Begin(std::shared_ptr<const uint8_t> bytes, size_t size) {
  const uint8_t* data = bytes.get();
  return Begin(data, size, std::move(bytes));
}

std::pair<size_t, size_t> BundleLoader::IdTensorBytes() const {
  const TensorView* ids = begun_ ? file_.find(kIdTensor) : nullptr;
  if (ids == nullptr) return {0, 0};
  const size_t begin = static_cast<size_t>(ids->data - file_start_);
  return {begin, begin + ids->size_bytes};
}

size_t BundleLoader::IdHeapBytes() const {
  const TensorView* ids = begun_ ? file_.find(kIdTensor) : nullptr;
  const TensorView* embeddings = begun_ ? file_.find("item_embeddings") : nullptr;
  if (ids == nullptr || embeddings == nullptr) return 0;
  const size_t expected = ExpectedIds(embeddings->shape.empty() ? 0 : embeddings->shape[0], ids->size_bytes);
  // ReadTensorIds: the id table, each id's start, and the ids' copy when they are not viewed.
  return RowIndex::TableBytes(expected) + (expected + 1) * sizeof(size_t) + (backing_ ? 0 : ids->size_bytes);
}

Status BundleLoader::ReadManifest() {
  if (!begun_) return Status(StatusCode::kInternal, "BundleLoader::ReadManifest without a successful Begin");
  if (!manifest_read_) {
    manifest_read_ = true;
    manifest_status_ = ReadManifestOnce();
  }
  return manifest_status_;
}

Status BundleLoader::ReadManifestOnce() {
  auto manifest_it = file_.metadata.find(kManifestKey);
  Manifest& m = model_.manifest;
  ZX_RETURN_IF_ERROR(ParseManifest(manifest_it->second, &m, &model_.id_index));
  m.json = std::move(manifest_it->second);
  const TensorView* id_tensor = file_.find(kIdTensor);
  if (m.format_version < 2) {
    if (id_tensor != nullptr) return MalformedModel("a format 1 bundle lists its ids in the manifest but also has an item_ids tensor");
    return Status::Ok();
  }
  if (id_tensor == nullptr) return MalformedModel("a format 2 bundle needs an item_ids tensor");
  const TensorView* embeddings = file_.find("item_embeddings");
  if (embeddings == nullptr) return MalformedModel("bundle has no item_embeddings tensor");
  const int64_t rows = embeddings->shape.empty() ? 0 : embeddings->shape[0];
  if (rows > kMaxItems) return Status(StatusCode::kTooLarge, "item_embeddings has more than 20M rows");
  return ReadTensorIds(*id_tensor, rows, backing_, &m.item_ids, &model_.id_index);
}

StatusOr<Model> BundleLoader::Finish() {
  if (!begun_) return Status(StatusCode::kInternal, "BundleLoader::Finish without a successful Begin");
  ZX_RETURN_IF_ERROR(ReadManifest());
  begun_ = false;
  Model model = std::move(model_);
  const Manifest& m = model.manifest;
  const TensorView* embeddings = file_.find("item_embeddings");
  if (embeddings == nullptr) return MalformedModel("bundle has no item_embeddings tensor");
  const TensorView* scales = file_.find("item_scales");
  ZX_RETURN_IF_ERROR(CheckEmbeddings(*embeddings, scales, m));
  model.items = backing_ ? ItemMatrix::ViewTensor(*embeddings, scales, backing_)
                         : ItemMatrix::FromTensor(*embeddings, scales);
  const TensorView* gram = file_.find("item_gram");
  uint32_t magnitude_bits = 0;  // F32 rows without a gram: their largest |value| (GramSurelyFinite)
  ZX_RETURN_IF_ERROR(CheckRowsFinite(model.items, embeddings->data, gram == nullptr ? &magnitude_bits : nullptr));

  if (const TensorView* bias = file_.find("item_bias"))
    ZX_RETURN_IF_ERROR(CheckF32Vector(*bias, embeddings->shape[0], "item_bias", &model.bias));
  if (gram != nullptr) {
    if (gram->shape != std::vector<int64_t>{m.dim, m.dim}) return MalformedModel("item_gram must be [dim, dim]");
    ZX_RETURN_IF_ERROR(CheckF32Vector(*gram, int64_t{m.dim} * m.dim, "item_gram", &model.gram));
  } else if (!GramSurelyFinite(model.items, magnitude_bits)) {
    // Left to GramOf (the first fold-in) when a bound vouches for it; rows too large for the
    // bound are checked now: finite rows whose V^T V overflows float (huge I8 scales or F32
    // values) would fold users in to NaN, and a model saved from them would not load again
    // (fuzz regression bundle/gram_overflows_float).
    model.gram = ComputeGram(model.items);
    for (float v : model.gram)
      if (!std::isfinite(v)) return MalformedModel("item rows are too large: their Gram matrix V^T V overflows float");
  }
  for (const auto& [name, view] : file_.tensors) {
    if (name == "item_embeddings" || name == "item_scales" || name == "item_bias" || name == "item_gram" || name == kIdTensor)
      continue;
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
  // The model's format (a loaded model keeps its own; a new one is format 2), but format 1 for
  // an id holding a 0 byte, which only format 1 can carry.
  const bool ids_in_tensor = m.format_version >= 2 && !m.item_ids.any_id_holds_zero_byte();
  Json j = Json::parse(m.json.empty() ? std::string("{}") : m.json, nullptr, false);
  if (!j.is_object()) j = Json::object();
  j["format_version"] = ids_in_tensor ? kBundleFormatVersion : 1;
  j["model_version"] = m.model_version;
  j["dim"] = m.dim;
  if (ids_in_tensor) j.erase("item_ids");
  else j["item_ids"] = m.item_ids.ToStrings();
  j["foldin"] = {{"reg", m.foldin.reg}, {"alpha", m.foldin.alpha},
                 {"unobserved_weight", m.foldin.unobserved_weight}, {"reg_exponent", m.foldin.reg_exponent}};

  std::map<std::string, TensorData> tensors = model.extras;
  if (ids_in_tensor) {
    TensorData ids;
    ids.dtype = DType::kU8;
    ids.bytes.assign(m.item_ids.packed().begin(), m.item_ids.packed().end());
    ids.shape = {static_cast<int64_t>(ids.bytes.size())};
    tensors[kIdTensor] = std::move(ids);
  }
  tensors["item_embeddings"] = model.items.ToTensor();
  if (model.items.dtype() == DType::kI8) tensors["item_scales"] = model.items.ScalesTensor();
  if (!model.bias.empty()) tensors["item_bias"] = MakeF32Tensor({model.items.rows()}, model.bias.data());
  const std::vector<float>& gram = GramOf(model);
  tensors["item_gram"] = MakeF32Tensor({m.dim, m.dim}, gram.data());
  return WriteSafetensors(tensors, {{kManifestKey, j.dump()}});
}

StatusOr<Model> MakeModel(const std::vector<std::string>& item_ids, const float* rows, int dim, DType dtype,
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
  IdList ids(item_ids);
  const int64_t repeat = model.id_index.Build(ids);
  if (repeat >= 0) return InvalidArgument("item id '" + item_ids[static_cast<size_t>(repeat)] + "' appears twice");
  const int64_t n = static_cast<int64_t>(ids.size());
  for (int64_t i = 0; i < n * dim; ++i)
    if (!std::isfinite(rows[i])) return InvalidArgument("embedding row " + std::to_string(i / dim) + " contains NaN or Inf");
  model.manifest.item_ids = std::move(ids);
  model.items = ItemMatrix::FromF32(rows, n, dim, dtype);
  model.gram = ComputeGram(model.items);
  return model;
}

}  // namespace zhixuan

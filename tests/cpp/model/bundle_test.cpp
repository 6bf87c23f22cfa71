#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "fixtures.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/base/half.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

// Rewrites the manifest of a saved bundle (to build hostile variants); `id_tensor` replaces the
// item_ids tensor (nullptr: none, as in format 1).
std::vector<uint8_t> WithManifest(const Model& model, const std::string& manifest, const TensorData* id_tensor = nullptr) {
  auto bytes = SaveModel(model);
  auto view = ParseSafetensors(bytes.data(), bytes.size()).value();
  std::map<std::string, TensorData> tensors;
  for (const auto& [name, t] : view.tensors) {
    if (name == "item_ids") continue;
    TensorData d;
    d.dtype = t.dtype;
    d.shape = t.shape;
    d.bytes.assign(t.data, t.data + t.size_bytes);
    tensors[name] = d;
  }
  if (id_tensor) tensors["item_ids"] = *id_tensor;
  return WriteSafetensors(tensors, {{"zhixuan.manifest", manifest}});
}

TensorData IdTensor(const std::string& bytes, DType dtype = DType::kU8) {
  TensorData t;
  t.dtype = dtype;
  t.bytes.assign(bytes.begin(), bytes.end());
  t.shape = {static_cast<int64_t>(bytes.size() / DTypeSize(dtype))};
  return t;
}

std::string ManifestIdsJson(const IdList& ids) {
  std::string out;
  for (std::string_view id : ids) out += (out.empty() ? "\"" : ",\"") + std::string(id) + "\"";
  return "[" + out + "]";
}

std::string LoadError(const std::vector<uint8_t>& b) {
  auto r = LoadModel(b.data(), b.size());
  return r.ok() ? std::string("OK") : r.status().ToString();
}

}  // namespace

TEST_CASE("a saved bundle loads back with the same rows, ids and fold-in parameters", "[bundle]") {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
    DYNAMIC_SECTION("dtype " << DTypeName(dtype)) {
      Model model = CheckerboardModel(40, 16, dtype);
      auto bytes = SaveModel(model);
      auto loaded = LoadModel(bytes.data(), bytes.size());
      REQUIRE(loaded.ok());
      REQUIRE(loaded->manifest.item_ids == model.manifest.item_ids);
      REQUIRE(loaded->manifest.foldin.alpha == model.manifest.foldin.alpha);
      REQUIRE(loaded->items.dtype() == dtype);
      REQUIRE(loaded->gram.size() == 16u * 16u);
      std::vector<float> a(16), b(16);
      model.items.RowToF32(7, a.data());
      loaded->items.RowToF32(7, b.data());
      REQUIRE(a == b);
    }
  }
}

TEST_CASE("quantized rows stay close to the F32 rows", "[bundle]") {
  auto rows = RandomRows(50, 32, 3);
  for (DType dtype : {DType::kF16, DType::kI8}) {
    ItemMatrix m = ItemMatrix::FromF32(rows.data(), 50, 32, dtype);
    auto back = m.ToF32();
    double max_err = 0;
    for (size_t i = 0; i < rows.size(); ++i) max_err = std::max(max_err, double(std::fabs(back[i] - rows[i])));
    REQUIRE(max_err < (dtype == DType::kF16 ? 5e-3 : 0.05));
  }
}

TEST_CASE("half conversion is exact for representable values and rounds to nearest", "[bundle]") {
  for (float v : {0.f, 1.f, -2.5f, 65504.f, 6.1035156e-05f, 5.9604645e-08f, -0.000123f})
    REQUIRE(std::fabs(HalfToFloat(FloatToHalf(v)) - v) <= std::fabs(v) * 1e-3f + 1e-7f);
  REQUIRE(FloatToHalf(1.f) == 0x3c00);
  REQUIRE(FloatToHalf(-2.f) == 0xc000);
}

TEST_CASE("bundles whose manifest and tensors disagree are rejected", "[bundle][bad-input]") {
  Model model = CheckerboardModel(10, 8);
  auto load_code = [](const std::vector<uint8_t>& b) {
    auto r = LoadModel(b.data(), b.size());
    return r.ok() ? std::string("OK") : r.status().ToString();
  };
  SECTION("no manifest") {
    auto bytes = WriteSafetensors({}, {});
    REQUIRE(load_code(bytes).find("zhixuan.manifest") != std::string::npos);
  }
  SECTION("row count differs from the id list") {
    auto ids = R"({"format_version":1,"dim":8,"item_ids":["a","b"]})";
    REQUIRE(load_code(WithManifest(model, ids)).find("10 rows but the manifest lists 2") != std::string::npos);
  }
  SECTION("dim differs") {
    std::string m = R"({"format_version":1,"dim":4,"item_ids":[)";
    for (int i = 0; i < 10; ++i) m += (i ? ",\"" : "\"") + std::string(model.manifest.item_ids[i]) + "\"";
    m += "]}";
    REQUIRE(load_code(WithManifest(model, m)).find("dim 8 but the manifest says 4") != std::string::npos);
  }
  SECTION("duplicate item id") {
    std::string m = R"({"format_version":1,"dim":8,"item_ids":["a","a","b","c","d","e","f","g","h","i"]})";
    REQUIRE(load_code(WithManifest(model, m)).find("appears twice") != std::string::npos);
  }
  SECTION("future format version") {
    REQUIRE(load_code(WithManifest(model, R"({"format_version":9,"dim":8,"item_ids":[]})")).rfind("UNSUPPORTED", 0) == 0);
  }
  SECTION("NaN in the embeddings") {
    std::vector<float> rows = CheckerboardRows(10, 8);
    auto ok = MakeModel(ItemIds(10), rows.data(), 8, DType::kF32, {}, "v");
    REQUIRE(ok.ok());
    auto bytes = SaveModel(ok.value());
    // Poison the first value of item_embeddings in place.
    auto view = ParseSafetensors(bytes.data(), bytes.size()).value();
    const uint8_t* p = view.find("item_embeddings")->data;
    float nan = std::nanf("");
    std::memcpy(bytes.data() + (p - bytes.data()), &nan, 4);
    REQUIRE(load_code(bytes).find("NaN") != std::string::npos);
  }
  SECTION("truncated file") {
    auto bytes = SaveModel(model);
    bytes.resize(bytes.size() - 5);
    REQUIRE(load_code(bytes).rfind("MALFORMED_MODEL", 0) == 0);
  }
}

TEST_CASE("a bundle adopted without copying loads the same model, aligned or not", "[bundle]") {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI8}) {
    Model model = CheckerboardModel(12, 8, dtype);
    const std::vector<uint8_t> bytes = SaveModel(model);
    auto copied = LoadModel(bytes.data(), bytes.size());
    REQUIRE(copied.ok());
    for (size_t shift : {0, 1}) {  // 1: misaligned rows fall back to a copy
      INFO(DTypeName(dtype) << " shift " << shift);
      std::shared_ptr<uint8_t> buffer(new uint8_t[bytes.size() + 8], std::default_delete<uint8_t[]>());
      std::memcpy(buffer.get() + shift, bytes.data(), bytes.size());
      std::shared_ptr<const uint8_t> start(buffer, buffer.get() + shift);
      auto adopted = LoadModel(start, bytes.size());
      REQUIRE(adopted.ok());
      REQUIRE(adopted->items.ToF32() == copied->items.ToF32());
      REQUIRE(adopted->manifest.item_ids == copied->manifest.item_ids);
      REQUIRE(adopted->gram == copied->gram);
      REQUIRE(adopted->id_index.Find("item7", adopted->manifest.item_ids) == 7);
      if (shift == 0) {  // the rows (and I8's scales) are read where they lie: no copy
        const auto inside = [&](const void* p) {
          return p >= static_cast<const void*>(buffer.get()) && p < static_cast<const void*>(buffer.get() + bytes.size());
        };
        const void* rows = dtype == DType::kF32 ? static_cast<const void*>(adopted->items.f32())
                           : dtype == DType::kF16 ? static_cast<const void*>(adopted->items.f16())
                                                  : static_cast<const void*>(adopted->items.i8());
        REQUIRE(inside(rows));
        if (dtype == DType::kI8) REQUIRE(inside(adopted->items.scales()));
        REQUIRE(inside(adopted->manifest.item_ids.packed().data()));  // format 2's id tensor too
      }
      // Appending copies the viewed rows out first; the old rows stay intact.
      std::vector<float> row(8, 0.5f);
      adopted->items.AppendRows(row.data(), 1);
      std::vector<float> all = adopted->items.ToF32();
      std::vector<float> before = copied->items.ToF32();
      REQUIRE(std::equal(before.begin(), before.end(), all.begin()));
    }
  }
}

TEST_CASE("a non-finite value is found wherever it is in the embeddings", "[bundle][bad-input]") {
  const int items = 300, dim = 20;  // 6000 values: more than one block of the vectorized check
  std::vector<float> rows = CheckerboardRows(items, dim);
  auto made = MakeModel(ItemIds(items), rows.data(), dim, DType::kF32, {}, "v");
  REQUIRE(made.ok());
  const auto clean = SaveModel(made.value());
  for (int64_t at : {int64_t{0}, int64_t{4095}, int64_t{4096}, int64_t{items} * dim - 1}) {
    for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
      auto bytes = clean;
      auto view = ParseSafetensors(bytes.data(), bytes.size()).value();
      const size_t offset = static_cast<size_t>(view.find("item_embeddings")->data - bytes.data()) + 4 * static_cast<size_t>(at);
      std::memcpy(bytes.data() + offset, &bad, 4);
      auto loaded = LoadModel(bytes.data(), bytes.size());
      REQUIRE_FALSE(loaded.ok());
      REQUIRE(loaded.status().message() == "item_embeddings row " + std::to_string(at / dim) + " contains NaN or Inf");
    }
  }
}

TEST_CASE("a two-step load reads only the header before Finish", "[bundle]") {
  Model model = CheckerboardModel(12, 8);
  const std::vector<uint8_t> bytes = SaveModel(model);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | bytes[static_cast<size_t>(i)];
  std::shared_ptr<uint8_t> buffer(new uint8_t[bytes.size()], std::default_delete<uint8_t[]>());
  std::memcpy(buffer.get(), bytes.data(), 8 + header);
  std::memset(buffer.get() + 8 + header, 0xFF, bytes.size() - 8 - header);  // data not read yet: NaN bit patterns
  BundleLoader loader;
  REQUIRE(loader.Begin(std::shared_ptr<const uint8_t>(buffer), bytes.size()).ok());
  std::memcpy(buffer.get() + 8 + header, bytes.data() + 8 + header, bytes.size() - 8 - header);  // the data arrives
  auto loaded = loader.Finish();
  REQUIRE(loaded.ok());
  REQUIRE(loaded->items.ToF32() == model.items.ToF32());

  SECTION("a failed ReadManifest fails Finish too") {
    BundleLoader twice;
    const std::vector<uint8_t> duplicate = WithManifest(model, R"({"format_version":1,"dim":8,"item_ids":["a","a","b","c","d","e","f","g","h","i","j","k"]})");
    REQUIRE(twice.Begin(duplicate.data(), duplicate.size(), nullptr).ok());
    REQUIRE_THAT(twice.ReadManifest().ToString(), Catch::Contains("appears twice"));
    REQUIRE_THAT(twice.ReadManifest().ToString(), Catch::Contains("appears twice"));
    REQUIRE_THAT(twice.Finish().status().ToString(), Catch::Contains("appears twice"));
  }

  SECTION("Finish without a successful Begin is an error, not a crash") {
    BundleLoader unused;
    REQUIRE(unused.Finish().status().code() == StatusCode::kInternal);
    BundleLoader failed;
    std::vector<uint8_t> bad{1, 2, 3};
    REQUIRE_FALSE(failed.Begin(bad.data(), bad.size(), nullptr).ok());
    REQUIRE_FALSE(failed.Finish().ok());
  }
}

TEST_CASE("format 2 ships the ids as a tensor and format 1 bundles still load", "[bundle]") {
  Model model = CheckerboardModel(10, 8);
  const auto bytes = SaveModel(model);
  const auto view = ParseSafetensors(bytes.data(), bytes.size()).value();
  const std::string manifest = view.metadata.at("zhixuan.manifest");
  REQUIRE(manifest.find("\"format_version\":2") != std::string::npos);
  REQUIRE(manifest.find("item_ids") == std::string::npos);
  const TensorView* ids = view.find("item_ids");
  REQUIRE(ids != nullptr);
  REQUIRE(ids->dtype == DType::kU8);
  std::string expected;
  for (std::string_view id : model.manifest.item_ids) expected += std::string(id) + std::string(1, '\0');
  REQUIRE(std::string(reinterpret_cast<const char*>(ids->data), ids->size_bytes) == expected);
  auto loaded = LoadModel(bytes.data(), bytes.size());
  REQUIRE(loaded.ok());
  REQUIRE(loaded->manifest.item_ids == model.manifest.item_ids);
  REQUIRE(loaded->extras.count("item_ids") == 0);

  const std::string v1 = R"({"format_version":1,"dim":8,"item_ids":)" + ManifestIdsJson(model.manifest.item_ids) + "}";
  const auto old_bytes = WithManifest(model, v1);
  auto old = LoadModel(old_bytes.data(), old_bytes.size());
  REQUIRE(old.ok());
  REQUIRE(old->manifest.item_ids == model.manifest.item_ids);
  REQUIRE(old->items.ToF32() == loaded->items.ToF32());

  SECTION("a model keeps its format when saved again: a server re-ships what its devices read") {
    REQUIRE(old->manifest.format_version == 1);
    const auto resaved = SaveModel(old.value());
    const auto resaved_view = ParseSafetensors(resaved.data(), resaved.size()).value();
    REQUIRE(resaved_view.find("item_ids") == nullptr);
    REQUIRE(resaved_view.metadata.at("zhixuan.manifest").find("\"format_version\":1") != std::string::npos);
    auto again = LoadModel(resaved.data(), resaved.size());
    REQUIRE(again.ok());
    REQUIRE(again->manifest.item_ids == model.manifest.item_ids);
    REQUIRE(loaded->manifest.format_version == 2);
  }

  SECTION("an id holding a 0 byte is saved as format 1 and round-trips") {
    std::vector<std::string> odd = ItemIds(10);
    odd[3] = std::string("a\0b", 3);
    std::vector<float> rows = CheckerboardRows(10, 8);
    auto with_zero = MakeModel(odd, rows.data(), 8, DType::kF32, {}, "v");
    REQUIRE(with_zero.ok());
    const auto saved = SaveModel(with_zero.value());
    auto back = LoadModel(saved.data(), saved.size());
    REQUIRE(back.ok());
    REQUIRE(back->manifest.format_version == 1);
    REQUIRE(back->manifest.item_ids == odd);
  }
}

TEST_CASE("a malformed item_ids tensor is rejected with what is wrong", "[bundle][bad-input]") {
  Model model = CheckerboardModel(3, 8);
  const std::string v2 = R"({"format_version":2,"dim":8})";
  std::string ids;
  for (std::string_view id : model.manifest.item_ids) ids += std::string(id) + std::string(1, '\0');
  const TensorData good = IdTensor(ids);
  REQUIRE(LoadError(WithManifest(model, v2, &good)) == "OK");

  const auto error_with = [&](const std::string& bytes, DType dtype = DType::kU8) {
    const TensorData t = IdTensor(bytes, dtype);
    return LoadError(WithManifest(model, v2, &t));
  };
  const std::string id0(model.manifest.item_ids[0]), id1(model.manifest.item_ids[1]);
  const std::string z(1, '\0');
  CHECK_THAT(LoadError(WithManifest(model, v2)), Catch::Contains("needs an item_ids tensor"));
  CHECK_THAT(error_with(std::string(8, 'x'), DType::kF32), Catch::Contains("1-D U8"));
  CHECK_THAT(error_with(ids.substr(0, ids.size() - 1)), Catch::Contains("does not end with a 0 byte"));
  CHECK_THAT(error_with(id0 + z + z + id1 + z), Catch::Contains("id 1 is empty"));
  CHECK_THAT(error_with(id0 + z + std::string(257, 'q') + z + id1 + z), Catch::Contains("id 1 is empty or longer than 256 bytes"));
  CHECK_THAT(error_with(id0 + z + "\xC3\x28" + z + id1 + z), Catch::Contains("id 1 is not valid UTF-8"));
  CHECK_THAT(error_with(id0 + z + "\xED\xA0\x80" + z + id1 + z), Catch::Contains("id 1 is not valid UTF-8"));  // a surrogate
  CHECK_THAT(error_with(id0 + z + id1 + z), Catch::Contains("3 rows but the item_ids tensor lists 2 item ids"));
  CHECK_THAT(error_with(id0 + z + id1 + z + id0 + z), Catch::Contains("'" + id0 + "' appears twice in the item_ids tensor"));
  CHECK_THAT(error_with(ids + "extra" + z), Catch::Contains("3 rows but the item_ids tensor lists 4 item ids"));
  CHECK(LoadError(WithManifest(model, v2, &good)) == "OK");
  CHECK(error_with(id0 + z + "\xE4\xB8\xAD\xE6\x96\x87" + z + id1 + z) == "OK");  // UTF-8 Chinese ids are fine
  CHECK_THAT(LoadError(WithManifest(model, R"({"format_version":2,"dim":8,"item_ids":["a","b","c"]})", &good)),
             Catch::Contains("must not list item_ids"));
  CHECK_THAT(LoadError(WithManifest(model, R"({"format_version":1,"dim":8,"item_ids":)" +
                                                 ManifestIdsJson(model.manifest.item_ids) + "}", &good)),
             Catch::Contains("format 1 bundle lists its ids in the manifest but also has an item_ids tensor"));
  CHECK_THAT(LoadError(WithManifest(model, R"({"format_version":1,"dim":8})")), Catch::Contains("no item_ids array"));
}

TEST_CASE("the finite check names the bad row for F32 and F16 rows of SIMD width", "[bundle][bad-input]") {
  const int items = 2100, dim = 64;  // the SIMD kernel's width; rows across the check's 1024-row blocks
  const std::vector<float> rows = CheckerboardRows(items, dim);
  for (DType dtype : {DType::kF32, DType::kF16}) {
    DYNAMIC_SECTION("dtype " << DTypeName(dtype)) {
      auto made = MakeModel(ItemIds(items), rows.data(), dim, dtype, {}, "v");
      REQUIRE(made.ok());
      const auto clean = SaveModel(made.value());
      REQUIRE(LoadModel(clean.data(), clean.size()).ok());
      const size_t value_bytes = dtype == DType::kF32 ? 4 : 2;
      for (int64_t row : {int64_t{0}, int64_t{1023}, int64_t{1024}, int64_t{1500}, int64_t{items - 1}}) {
        auto bytes = clean;
        auto view = ParseSafetensors(bytes.data(), bytes.size()).value();
        const size_t offset = static_cast<size_t>(view.find("item_embeddings")->data - bytes.data()) +
                              value_bytes * (static_cast<size_t>(row) * dim + 37);
        if (dtype == DType::kF32) {
          const float inf = INFINITY;
          std::memcpy(bytes.data() + offset, &inf, 4);
        } else {
          const uint16_t half_nan = 0x7e00;
          std::memcpy(bytes.data() + offset, &half_nan, 2);
        }
        auto loaded = LoadModel(bytes.data(), bytes.size());
        REQUIRE_FALSE(loaded.ok());
        REQUIRE(loaded.status().message() == "item_embeddings row " + std::to_string(row) + " contains NaN or Inf");
      }
    }
  }
}

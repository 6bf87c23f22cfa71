#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "fixtures.hpp"
#include "zhixuan/train/factor_import.hpp"

using namespace zhixuan;
using namespace zhixuan::testing;

namespace {

// A .npy v1.0 file as numpy writes it (header padded to a multiple of 64 bytes).
std::vector<uint8_t> Npy(const std::string& dict, const void* data, size_t bytes, uint8_t major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<uint8_t> out{0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  const size_t len = header.size();
  out.push_back(len & 0xff);
  out.push_back((len >> 8) & 0xff);
  if (major != 1) {
    out.push_back(0);
    out.push_back(0);
  }
  out.insert(out.end(), header.begin(), header.end());
  const auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + bytes);
  return out;
}

}  // namespace

TEST_CASE(".npy float32 and float64 matrices are read", "[convert]") {
  const float f32[6] = {1, 2, 3, 4, 5, 6};
  auto a = ParseNpy(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f32, sizeof f32).data(),
                    Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f32, sizeof f32).size());
  REQUIRE(a.ok());
  REQUIRE(a->rows == 3);
  REQUIRE(a->dim == 2);
  REQUIRE(a->values == std::vector<float>(f32, f32 + 6));
  const double f64[4] = {0.5, -1, 2, 3};
  const auto bytes = Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64, sizeof f64, 2);
  auto b = ParseNpy(bytes.data(), bytes.size());
  REQUIRE(b.ok());
  REQUIRE(b->values == std::vector<float>{0.5f, -1, 2, 3});
}

TEST_CASE("a bad .npy header is MALFORMED_DATA saying what is wrong", "[convert][bad-input]") {
  const float f32[4] = {1, 2, 3, 4};
  auto error = [&](const std::string& dict, size_t bytes = sizeof f32) {
    const auto file = Npy(dict, f32, bytes);
    auto r = ParseNpy(file.data(), file.size());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.status().code() == StatusCode::kMalformedData);
    return r.status().message();
  };
  REQUIRE(error("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }").find("dtype '>f4' is not supported") != std::string::npos);
  REQUIRE(error("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }").find("dtype '<i4'") != std::string::npos);
  REQUIRE(error("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }").find("Fortran order") != std::string::npos);
  REQUIRE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }").find("must be 2-D") != std::string::npos);
  REQUIRE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }").find("data is 16 bytes but shape and dtype need 24") != std::string::npos);
  REQUIRE(error("{'fortran_order': False, 'shape': (2, 2), }").find("no 'descr'") != std::string::npos);
  const uint8_t not_npy[12] = {'P', 'K', 3, 4};
  REQUIRE(ParseNpy(not_npy, sizeof not_npy).status().message() == "not a .npy file (bad magic)");
  auto truncated = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32, sizeof f32);
  truncated.resize(20);
  REQUIRE(ParseNpy(truncated.data(), truncated.size()).status().message().find("header length runs past") != std::string::npos);
}

TEST_CASE("convert round trip: factors CSV + ids -> bundle -> the same rows", "[convert]") {
  const auto rows = CheckerboardRows(6, 3);
  std::string csv = "id,f0,f1,f2\n";
  std::string bare;
  for (int i = 0; i < 6; ++i) {
    std::string line;
    for (int j = 0; j < 3; ++j) {
      char v[32];
      std::snprintf(v, sizeof v, "%.9g", rows[i * 3 + j]);
      line += std::string(j ? "," : "") + v;
    }
    csv += "item" + std::to_string(i) + "," + line + "\n";
    bare += line + "\r\n";
  }
  FoldInParams foldin;
  foldin.reg = 0.5f;
  SECTION("ids in the first column") {
    auto f = ParseFactorsCsv(csv, true);
    REQUIRE(f.ok());
    auto model = ModelFromFactors(std::move(f).value(), {}, DType::kF32, foldin, "conv-1");
    REQUIRE(model.ok());
    const auto bytes = SaveModel(*model);
    auto loaded = LoadModel(bytes.data(), bytes.size());
    REQUIRE(loaded.ok());
    REQUIRE(loaded->manifest.item_ids == ItemIds(6));
    REQUIRE(loaded->manifest.foldin.reg == 0.5f);
    REQUIRE(loaded->manifest.model_version == "conv-1");
    REQUIRE(loaded->items.ToF32() == rows);
  }
  SECTION("bare factors plus an id list") {
    auto f = ParseFactorsCsv(bare, false);
    REQUIRE(f.ok());
    auto ids = ParseIdList("item0\nitem1\nitem2\nitem3\nitem4\nitem5\n\n");
    REQUIRE(ids.ok());
    auto model = ModelFromFactors(std::move(f).value(), std::move(ids).value(), DType::kF32, foldin, "conv-2");
    REQUIRE(model.ok());
    REQUIRE(model->items.ToF32() == rows);
  }
  SECTION("mismatches and malformed rows") {
    auto f = ParseFactorsCsv(bare, false);
    auto short_ids = ModelFromFactors(std::move(f).value(), {"a", "b"}, DType::kF32, foldin, "x");
    REQUIRE(short_ids.status().code() == StatusCode::kModelMismatch);
    REQUIRE(short_ids.status().message() == "there are 2 item ids but 6 factor rows");
    auto ragged = ParseFactorsCsv("a,1,2\nb,1\n", true, "f.csv");
    REQUIRE(ragged.status().message() == "f.csv line 2: expected 2 factor values, got 1");
    auto text = ParseFactorsCsv("a,1,2\nb,1,x\n", true, "f.csv");
    REQUIRE(text.status().message() == "f.csv line 2: a factor value is not a number");
    REQUIRE(ParseFactorsCsv("", true).status().code() == StatusCode::kMalformedData);
    auto quote = ParseFactorsCsv("\"a,1,2\n", true, "f.csv");
    REQUIRE(quote.status().message() == "f.csv line 1: unterminated quoted field");
  }
  SECTION("ids are CSV fields: quoted ids may hold commas") {
    auto f = ParseFactorsCsv("id,f0\n\"a,b\",1\n\"say \"\"c\"\"\",2\n", true);
    REQUIRE(f.ok());
    REQUIRE(f->ids == std::vector<std::string>{"a,b", "say \"c\""});
  }
}

namespace {

TensorData RawTensor(DType dtype, std::vector<int64_t> shape, const void* data, size_t bytes) {
  TensorData t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes.assign(static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + bytes);
  return t;
}

StatusOr<FactorMatrix> FromFile(const std::vector<uint8_t>& file, const std::string& name, bool transpose = false,
                                int64_t rows = -1) {
  return ParseSafetensorsFactors(file.data(), file.size(), name, transpose, rows, "m.safetensors");
}

}  // namespace

TEST_CASE("safetensors tables convert exactly from BF16 and F16, to nearest from F64, transposed on request", "[convert]") {
  // BF16 0x3f81 = 1.0078125, 0xc2f7 = -123.5, 0x0001 = the smallest BF16 subnormal (2^-133).
  const uint16_t bf16[4] = {0x3f81, 0xc2f7, 0x0001, 0x8000};
  // F16 0x3c01 = 1 + 2^-10, 0x0001 = 2^-24, 0x7bff = 65504, 0xbc00 = -1.
  const uint16_t f16[4] = {0x3c01, 0x0001, 0x7bff, 0xbc00};
  const double f64[4] = {0.1, 1e-40, -2.5, 1.0 / 3};
  const std::vector<uint8_t> file = WriteSafetensors(
      {{"bf", RawTensor(DType::kBF16, {2, 2}, bf16, sizeof bf16)},
       {"half", RawTensor(DType::kF16, {2, 2}, f16, sizeof f16)},
       {"wide", RawTensor(DType::kF64, {2, 2}, f64, sizeof f64)}},
      {{"format", "pt"}});
  auto bf = FromFile(file, "bf");
  REQUIRE(bf.ok());
  REQUIRE(bf->values == std::vector<float>{1.0078125f, -123.5f, std::ldexp(1.f, -133), -0.f});
  REQUIRE(std::signbit(bf->values[3]));
  auto half = FromFile(file, "half", false, 2);
  REQUIRE(half.ok());
  REQUIRE(half->values == std::vector<float>{1.f + std::ldexp(1.f, -10), std::ldexp(1.f, -24), 65504.f, -1.f});
  auto wide = FromFile(file, "wide");
  REQUIRE(wide.ok());
  REQUIRE(wide->values == std::vector<float>{0.1f, static_cast<float>(1e-40), -2.5f, static_cast<float>(1.0 / 3)});
  auto transposed = FromFile(file, "wide", true);
  REQUIRE(transposed.ok());
  REQUIRE(transposed->values == std::vector<float>{0.1f, -2.5f, static_cast<float>(1e-40), static_cast<float>(1.0 / 3)});
}

TEST_CASE("a safetensors table that cannot convert is named, with every tensor of the file listed", "[convert][bad-input]") {
  const float rows[6] = {1, 2, 3, 4, 5, 6};
  const int64_t counter = 7;
  const std::vector<uint8_t> file = WriteSafetensors(
      {{"emb.weight", MakeF32Tensor({3, 2}, rows)}, {"steps", RawTensor(DType::kI64, {}, &counter, 8)}}, {});
  const std::string listing = "'emb.weight' F32 [3, 2], 'steps' I64 []";
  auto fails = [&](const std::string& name, bool transpose, int64_t ids, const std::string& what) {
    auto r = FromFile(file, name, transpose, ids);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.status().code() == StatusCode::kMalformedData);
    INFO(r.status().message());
    REQUIRE(r.status().message().find(what) != std::string::npos);
    REQUIRE(r.status().message().find(listing) != std::string::npos);
  };
  fails("item_embeddings", false, 3, "there is no tensor 'item_embeddings'");
  fails("", false, 3, "no tensor named");
  fails("steps", false, 3, "is not a float table");
  fails("emb.weight", false, 2, "has 3 rows but the id list has 2 ids; is it stored [dim, items]? try --transpose");
  fails("emb.weight", true, 3, "has 2 rows (transposed) but the id list has 3 ids; it is [items, dim] already");
  auto ok = FromFile(file, "emb.weight", false, 3);
  REQUIRE(ok.ok());
  REQUIRE(ok->values == std::vector<float>(rows, rows + 6));

  SECTION("non-finite rows are refused, naming the row") {
    const uint16_t f16_nan[4] = {0x3c00, 0x3c00, 0x3c00, 0x7e00};
    const double too_big[2] = {1.0, 1e39};
    const float inf_row[2] = {1.f, -INFINITY};
    const std::vector<uint8_t> bad = WriteSafetensors({{"h", RawTensor(DType::kF16, {2, 2}, f16_nan, 8)},
                                                       {"d", RawTensor(DType::kF64, {1, 2}, too_big, 16)},
                                                       {"f", MakeF32Tensor({1, 2}, inf_row)}}, {});
    auto h = ParseSafetensorsFactors(bad.data(), bad.size(), "h", false, -1, "x");
    REQUIRE(h.status().message().find("row 1 holds NaN or Inf") != std::string::npos);
    auto d = ParseSafetensorsFactors(bad.data(), bad.size(), "d", false, -1, "x");
    REQUIRE(d.status().message().find("row 0 holds NaN or Inf (or a value past float32's range)") != std::string::npos);
    auto f = ParseSafetensorsFactors(bad.data(), bad.size(), "f", false, -1, "x");
    REQUIRE(f.status().message().find("row 0 holds NaN or Inf") != std::string::npos);
  }
}

TEST_CASE("factor CSV fields may hold lists, as Spark, DuckDB and numpy print arrays", "[convert]") {
  const std::string csv = "id,features\n"
                          "7,\"[0.5, -1.0E-5, 2]\"\n"
                          "9,\"1.5,2.5,3.5\"\n"
                          "11,[1 2  3]\n";
  auto f = ParseFactorsCsv(csv, true, "spark.csv");
  REQUIRE(f.ok());
  REQUIRE(f->ids == std::vector<std::string>{"7", "9", "11"});
  REQUIRE(f->values == std::vector<float>{0.5f, -1.0e-5f, 2.f, 1.5f, 2.5f, 3.5f, 1.f, 2.f, 3.f});
  auto ragged = ParseFactorsCsv("7,\"[1, 2]\"\n8,\"[1, 2, 3]\"\n", true, "spark.csv");
  REQUIRE(ragged.status().message().find("spark.csv line 2: expected 2 factor values, got 3") != std::string::npos);
  auto word = ParseFactorsCsv("7,\"[1, 2]\"\n8,\"[1, x]\"\n", true, "spark.csv");
  REQUIRE(word.status().message().find("spark.csv line 2: a factor value is not a number") != std::string::npos);
}

TEST_CASE("a big state_dict's error names its 2-D float tensors first", "[convert][bad-input]") {
  std::map<std::string, TensorData> tensors;
  const float bias[2] = {0, 0};
  for (int i = 0; i < 60; ++i) tensors["layer" + std::to_string(100 + i) + ".bias"] = MakeF32Tensor({2}, bias);
  const float table[6] = {1, 2, 3, 4, 5, 6};
  tensors["z_items.weight"] = MakeF32Tensor({3, 2}, table);
  const std::vector<uint8_t> file = WriteSafetensors(tensors, {});
  auto r = ParseSafetensorsFactors(file.data(), file.size(), "items", false, 3, "big.safetensors");
  REQUIRE_FALSE(r.ok());
  INFO(r.status().message());
  REQUIRE(r.status().message().find("its 2-D float tensors 'z_items.weight' F32 [3, 2]; all 61 tensors: 'layer100.bias'") !=
          std::string::npos);
  REQUIRE(r.status().message().find("... and 21 more") != std::string::npos);
}

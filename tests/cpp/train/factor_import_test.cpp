#include <catch2/catch.hpp>

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

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "zhixuan/model/safetensors.hpp"

using namespace zhixuan;

namespace {

std::vector<uint8_t> FileWithHeader(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out(8 + header.size() + data_bytes, 0);
  uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(len >> (8 * i));
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}

StatusCode ParseCode(const std::vector<uint8_t>& bytes) {
  auto r = ParseSafetensors(bytes.data(), bytes.size());
  return r.ok() ? StatusCode::kOk : r.status().code();
}

}  // namespace

TEST_CASE("safetensors round-trips tensors and metadata", "[safetensors]") {
  float values[6] = {1, 2, 3, 4, 5, 6};
  std::map<std::string, TensorData> tensors{{"a", MakeF32Tensor({2, 3}, values)}};
  TensorData bytes_tensor;
  bytes_tensor.dtype = DType::kI8;
  bytes_tensor.shape = {3};
  bytes_tensor.bytes = {1, 2, 255};
  tensors["b"] = bytes_tensor;
  auto bytes = WriteSafetensors(tensors, {{"k", "v"}});
  auto parsed = ParseSafetensors(bytes.data(), bytes.size());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->metadata.at("k") == "v");
  const TensorView* a = parsed->find("a");
  REQUIRE(a != nullptr);
  REQUIRE(a->shape == std::vector<int64_t>{2, 3});
  float back[6];
  std::memcpy(back, a->data, sizeof back);
  REQUIRE(back[5] == 6.f);
  REQUIRE(parsed->find("b")->data[2] == 255);
}

TEST_CASE("safetensors rejects broken containers with a named reason", "[safetensors][bad-input]") {
  SECTION("truncated below the length prefix") {
    std::vector<uint8_t> bytes{1, 0, 0};
    REQUIRE(ParseCode(bytes) == StatusCode::kMalformedModel);
  }
  SECTION("header length larger than the file") {
    auto bytes = FileWithHeader("{}", 0);
    bytes[0] = 200;
    auto r = ParseSafetensors(bytes.data(), bytes.size());
    REQUIRE(r.status().code() == StatusCode::kMalformedModel);
    REQUIRE(r.status().message().find("larger than the file") != std::string::npos);
  }
  SECTION("header is not JSON") { REQUIRE(ParseCode(FileWithHeader("{not json", 0)) == StatusCode::kMalformedModel); }
  SECTION("unknown dtype") {
    REQUIRE(ParseCode(FileWithHeader(R"({"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", 8)) ==
            StatusCode::kMalformedModel);
  }
  SECTION("offsets past the data") {
    REQUIRE(ParseCode(FileWithHeader(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8)) ==
            StatusCode::kMalformedModel);
  }
  SECTION("shape disagrees with the byte range") {
    REQUIRE(ParseCode(FileWithHeader(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)) ==
            StatusCode::kMalformedModel);
  }
  SECTION("overlapping tensors") {
    auto r = FileWithHeader(
        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12);
    auto parsed = ParseSafetensors(r.data(), r.size());
    REQUIRE(parsed.status().message().find("overlap") != std::string::npos);
  }
  SECTION("negative dimension") {
    REQUIRE(ParseCode(FileWithHeader(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", 0)) ==
            StatusCode::kMalformedModel);
  }
  SECTION("metadata value that is not a string") {
    REQUIRE(ParseCode(FileWithHeader(R"({"__metadata__":{"a":1}})", 0)) == StatusCode::kMalformedModel);
  }
}

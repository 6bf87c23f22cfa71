#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "zhixuan/profile/record_frame.hpp"

using namespace zhixuan;

namespace {
constexpr char kMagic[4] = {'T', 'E', 'S', 'T'};
}

TEST_CASE("record frames round-trip their fields and body, and catch torn or altered bytes", "[profile][frame]") {
  std::vector<uint8_t> fields;
  PutU16(&fields, 7);
  PutU64(&fields, 0x0102030405060708ull);
  const std::string body = R"(["e1","view","py-data","web",1,null])";
  const std::vector<uint8_t> frame = EncodeFrame(kMagic, fields, body);
  REQUIRE(frame.size() == 4 + fields.size() + 4 + body.size() + 4);

  auto reader = FrameReader::Open(frame.data(), frame.size(), kMagic, fields.size(), "test record");
  REQUIRE(reader.ok());
  REQUIRE(GetU16(reader->fields()) == 7);
  REQUIRE(GetU64(reader->fields() + 2) == 0x0102030405060708ull);
  REQUIRE(std::string(reader->Body().value()) == body);

  SECTION("a torn write (truncated) fails the length check") {
    auto torn = FrameReader::Open(frame.data(), frame.size() - 3, kMagic, fields.size(), "test record");
    REQUIRE(torn.ok());
    REQUIRE(torn->Body().status().code() == StatusCode::kIntegrity);
  }
  SECTION("an altered byte fails the CRC") {
    std::vector<uint8_t> altered = frame;
    altered[4 + fields.size() + 4 + 3] ^= 0x20;
    auto read = FrameReader::Open(altered.data(), altered.size(), kMagic, fields.size(), "test record");
    REQUIRE(read.ok());
    REQUIRE(read->Body().status().code() == StatusCode::kIntegrity);
  }
  SECTION("another format's magic or too few bytes is malformed, named") {
    constexpr char other[4] = {'Z', 'X', 'L', 'G'};
    const auto wrong = FrameReader::Open(frame.data(), frame.size(), other, fields.size(), "log record");
    REQUIRE(wrong.status().code() == StatusCode::kMalformedPayload);
    REQUIRE(wrong.status().message().find("log record") == 0);
    REQUIRE(FrameReader::Open(frame.data(), 10, kMagic, fields.size(), "test record").status().code() ==
            StatusCode::kMalformedPayload);
    REQUIRE(FrameReader::Open(nullptr, 0, kMagic, 0, "test record").status().code() == StatusCode::kMalformedPayload);
  }
}

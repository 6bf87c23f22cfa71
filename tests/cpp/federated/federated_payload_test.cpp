#include <cmath>
#include <cstring>
#include <limits>

#include <catch2/catch.hpp>

#include "zhixuan/federated/payload.hpp"

using namespace zhixuan;

namespace {

UpdateHeader Header(uint32_t rows, int dim, PayloadEncoding enc) {
  UpdateHeader h;
  h.round_id = 42;
  h.base_version = "model-v3";
  for (int i = 0; i < 16; ++i) h.nonce[i] = static_cast<uint8_t>(i * 7);
  h.row_offset = 5;
  h.row_count = rows;
  h.dim = dim;
  h.encoding = enc;
  return h;
}

std::vector<float> Ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(0.37f * i) * 0.01f;
  return v;
}

void FixCrc(std::vector<uint8_t>& bytes) {
  const uint32_t crc = PayloadChecksum(bytes.data(), bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

StatusCode CodeOf(const std::vector<uint8_t>& bytes, DecodeLimits limits = {}) {
  return DecodeUpdate(bytes.data(), bytes.size(), limits).status().code();
}

}  // namespace

TEST_CASE("update payloads round-trip in f16 and int8", "[payload]") {
  const auto values = Ramp(30 * 8);
  for (PayloadEncoding enc : {PayloadEncoding::kF16, PayloadEncoding::kInt8}) {
    auto bytes = EncodeUpdate(Header(30, 8, enc), values);
    REQUIRE(bytes.ok());
    CHECK(bytes->size() == EncodedPayloadSize(enc, 8, 30, 8));
    auto back = DecodeUpdate(bytes->data(), bytes->size());
    REQUIRE(back.ok());
    CHECK(back->header.round_id == 42);
    CHECK(back->header.base_version == "model-v3");
    CHECK(back->header.nonce == Header(30, 8, enc).nonce);
    CHECK(back->header.row_offset == 5);
    CHECK(back->header.encoding == enc);
    const float tolerance = enc == PayloadEncoding::kF16 ? 1e-5f : 0.01f / 127.f;
    for (size_t i = 0; i < values.size(); ++i) CHECK(std::fabs(back->values[i] - values[i]) <= tolerance);
  }
}

TEST_CASE("payload sizes at d = 64 for 5k and 100k items", "[payload]") {
  // 43 fixed header bytes + version + body + 4 CRC bytes; the version here is 8 bytes.
  CHECK(EncodedPayloadSize(PayloadEncoding::kF16, 8, 5000, 64) == 640055u);
  CHECK(EncodedPayloadSize(PayloadEncoding::kInt8, 8, 5000, 64) == 340055u);
  CHECK(EncodedPayloadSize(PayloadEncoding::kF16, 8, 100000, 64) == 12800055u);
  CHECK(EncodedPayloadSize(PayloadEncoding::kInt8, 8, 100000, 64) == 6800055u);
}

TEST_CASE("encoding refuses values it cannot represent", "[payload]") {
  auto values = Ramp(16);
  CHECK(EncodeUpdate(Header(2, 8, PayloadEncoding::kF16), Ramp(15)).status().code() == StatusCode::kInvalidArgument);
  values[3] = std::numeric_limits<float>::quiet_NaN();
  CHECK(EncodeUpdate(Header(2, 8, PayloadEncoding::kF16), values).status().code() == StatusCode::kInvalidArgument);
  values[3] = 1e6f;
  CHECK(EncodeUpdate(Header(2, 8, PayloadEncoding::kF16), values).status().code() == StatusCode::kInvalidArgument);
  UpdateHeader no_version = Header(2, 8, PayloadEncoding::kF16);
  no_version.base_version.clear();
  CHECK(EncodeUpdate(no_version, Ramp(16)).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("decoding is strict about every malformed input", "[payload]") {
  const auto good = EncodeUpdate(Header(4, 8, PayloadEncoding::kF16), Ramp(32)).value();
  const auto good_i8 = EncodeUpdate(Header(4, 8, PayloadEncoding::kInt8), Ramp(32)).value();
  REQUIRE(DecodeUpdate(good.data(), good.size()).ok());

  SECTION("empty and truncated at every length") {
    CHECK(CodeOf({}) == StatusCode::kMalformedPayload);
    for (size_t n = 0; n < good.size(); ++n) {
      std::vector<uint8_t> cut(good.begin(), good.begin() + n);
      INFO("length " << n);
      CHECK(CodeOf(cut) == StatusCode::kMalformedPayload);
    }
  }
  SECTION("trailing bytes") {
    auto longer = good;
    longer.push_back(0);
    CHECK(CodeOf(longer) == StatusCode::kMalformedPayload);
  }
  SECTION("every single-bit flip is caught") {
    for (size_t i = 0; i < good.size(); ++i) {
      auto flipped = good;
      flipped[i] ^= 0x10;
      INFO("byte " << i);
      CHECK_FALSE(DecodeUpdate(flipped.data(), flipped.size()).ok());
    }
  }
  SECTION("bad magic, version, encoding, flags (with a valid CRC)") {
    auto b = good; b[0] = 'Q'; FixCrc(b);
    CHECK(DecodeUpdate(b.data(), b.size()).status().message().find("magic") != std::string::npos);
    b = good; b[4] = 2; FixCrc(b);
    CHECK(DecodeUpdate(b.data(), b.size()).status().message().find("version") != std::string::npos);
    b = good; b[6] = 9; FixCrc(b);
    CHECK(DecodeUpdate(b.data(), b.size()).status().message().find("encoding") != std::string::npos);
    b = good; b[7] = 4; FixCrc(b);
    CHECK(DecodeUpdate(b.data(), b.size()).status().message().find("flag") != std::string::npos);
    b = good; b[40] = 0; b[41] = 0; FixCrc(b);
    CHECK(CodeOf(b) == StatusCode::kMalformedPayload);
  }
  SECTION("NaN and Inf halves, NaN scales, the int8 code -128") {
    const size_t body = 43 + 8;
    auto b = good; b[body] = 0x00; b[body + 1] = 0x7C; FixCrc(b);  // +Inf
    CHECK(DecodeUpdate(b.data(), b.size()).status().message().find("NaN or Inf") != std::string::npos);
    b = good; b[body + 2] = 0x01; b[body + 3] = 0xFE; FixCrc(b);  // NaN
    CHECK(CodeOf(b) == StatusCode::kMalformedPayload);
    b = good_i8;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(b.data() + body, &nan, 4); FixCrc(b);
    CHECK(DecodeUpdate(b.data(), b.size()).status().message().find("scale") != std::string::npos);
    b = good_i8; b[body + 16] = 0x80; FixCrc(b);
    CHECK(CodeOf(b) == StatusCode::kMalformedPayload);
  }
  SECTION("size limits are TooLarge") {
    CHECK(CodeOf(good, DecodeLimits{good.size() - 1, 1000}) == StatusCode::kTooLarge);
    CHECK(CodeOf(good, DecodeLimits{1u << 20, 3}) == StatusCode::kTooLarge);
  }
  SECTION("a header promising a huge body is truncated, not allocated") {
    auto b = good; b[36] = 0xFF; b[37] = 0xFF; b[38] = 0xFF; b[39] = 0x0F; FixCrc(b);
    CHECK(CodeOf(b, DecodeLimits{64u << 20, 0xFFFFFFFFu}) == StatusCode::kMalformedPayload);
  }
}

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "zhixuan/federated/secagg_crypto.hpp"
#include "zhixuan/federated/secagg_dgauss.hpp"
#include "zhixuan/federated/secagg_encode.hpp"
#include "zhixuan/federated/secagg_shamir.hpp"

using namespace zhixuan;

namespace {

std::string Hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(digits[p[i] >> 4]);
    s.push_back(digits[p[i] & 15]);
  }
  return s;
}
template <typename C>
std::string Hex(const C& c) { return Hex(c.data(), c.size()); }

std::vector<uint8_t> FromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

SecAggKey Key(uint8_t b, uint8_t salt = 0) {
  SecAggKey k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(b * 31 + i * 7 + salt);
  return k;
}

SecAggParams Params(uint32_t length, uint32_t cohort, uint32_t threshold, uint64_t variance = 0) {
  SecAggParams p;
  p.round_id = 42;
  p.length = length;
  p.block_log2 = 8;
  p.clip = 1.0;
  p.scale_bits = 10;
  p.noise_variance = variance;
  p.cohort = cohort;
  p.threshold = threshold;
  p.rotation_seed = Key(200);
  return p;
}

std::vector<float> Update(uint32_t length, int device) {
  std::vector<float> v(length);
  CryptoRandom r(Key(static_cast<uint8_t>(device), 99));
  for (float& x : v) x = static_cast<float>((static_cast<double>(r.NextU32()) / 4294967296.0 - 0.5) * 0.2);
  return v;
}

}  // namespace

TEST_CASE("SHA-256, HMAC and HKDF match the published vectors", "[secagg][crypto]") {
  CHECK(Hex(Sha256::Hash(nullptr, 0)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string abc = "abc";
  CHECK(Hex(Sha256::Hash(reinterpret_cast<const uint8_t*>(abc.data()), abc.size())) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  SECTION("a message over several blocks, fed in pieces") {
    const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // FIPS 180-2 example
    Sha256 sha;
    sha.Update(reinterpret_cast<const uint8_t*>(text.data()), 10);
    sha.Update(reinterpret_cast<const uint8_t*>(text.data()) + 10, text.size() - 10);
    CHECK(Hex(sha.Finish()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }
  SECTION("RFC 5869 test case 1") {
    const auto okm = HkdfSha256(std::vector<uint8_t>(22, 0x0b), FromHex("000102030405060708090a0b0c"), FromHex("f0f1f2f3f4f5f6f7f8f9"), 42);
    CHECK(Hex(okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }
  SECTION("RFC 4231 test case 2 (HMAC-SHA-256)") {
    const std::string key = "Jefe", data = "what do ya want for nothing?";
    CHECK(Hex(HmacSha256(reinterpret_cast<const uint8_t*>(key.data()), key.size(), reinterpret_cast<const uint8_t*>(data.data()), data.size())) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
}

TEST_CASE("ChaCha20 matches RFC 8439", "[secagg][crypto]") {
  std::array<uint8_t, 32> key{};
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  SECTION("2.3.2: the block function") {
    std::array<uint8_t, 12> nonce{0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    ChaCha20 c(key, nonce, 1);
    uint8_t block[64];
    c.NextBlock(block);
    CHECK(Hex(block, 64) ==
          "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
  }
  SECTION("2.4.2: encryption of the sunscreen text") {
    std::array<uint8_t, 12> nonce{0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    const std::string text =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    std::vector<uint8_t> data(text.begin(), text.end());
    ChaCha20(key, nonce, 1).Xor(data.data(), data.size());
    CHECK(Hex(data) ==
          "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
          "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d");
  }
  SECTION("four blocks at once are the next four blocks of the stream") {
    std::array<uint8_t, 12> nonce{0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    ChaCha20 one(key, nonce, 0xfffffffe), wide(key, nonce, 0xfffffffe);  // the counter wraps inside
    uint32_t single[64], four[64];
    for (int round = 0; round < 3; ++round) {
      for (int b = 0; b < 4; ++b) one.NextBlockWords(single + 16 * b);
      wide.NextBlocksWords(four);
      CHECK(std::equal(single, single + 64, four));
    }
  }
}

TEST_CASE("mask streams added in one chunked pass are each stream's keystream word by word", "[secagg][crypto]") {
  // 33 four-block steps cross the 8 KiB chunk; 7 more words take the single-block tail.
  const size_t length = 64 * 161 + 7;
  std::vector<uint32_t> acc(length), expected(length);
  for (size_t i = 0; i < length; ++i) acc[i] = expected[i] = static_cast<uint32_t>(i * 2654435761u);
  const std::vector<MaskStream> streams = {{Key(1), false}, {Key(2), true}, {Key(3), false}};
  for (const MaskStream& s : streams) {
    ChaCha20 stream(s.key, std::array<uint8_t, 12>{'z', 'x', '-', 'm', 'a', 's', 'k', 0, 0, 0, 0, 0});
    uint32_t words[16];
    for (size_t i = 0; i < length; ++i) {
      if (i % 16 == 0) stream.NextBlockWords(words);
      expected[i] = s.subtract ? expected[i] - words[i % 16] : expected[i] + words[i % 16];
    }
  }
  auto one_by_one = acc;
  AddMaskStreams(acc, streams);
  CHECK(acc == expected);
  for (const MaskStream& s : streams) AddMaskStream(one_by_one, s.key, s.subtract);
  CHECK(one_by_one == expected);
}

TEST_CASE("Shamir shares rebuild the secret from any t of them", "[secagg][shamir]") {
  ShamirSecret secret{};
  for (size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<uint8_t>(0xff - i * 5);
  const std::vector<uint32_t> xs = {1, 2, 3, 4, 5, 6, 7};
  auto shares = ShamirSplit(secret, xs, 4, Key(1));
  REQUIRE(shares.ok());
  REQUIRE(shares->size() == 7);
  CHECK((*shares)[0].size() == kShamirShareBytes);

  SECTION("every subset of 4 gives the secret") {
    for (int mask = 0; mask < 128; ++mask) {
      if (__builtin_popcount(mask) != 4) continue;
      std::vector<std::vector<uint8_t>> subset;
      for (int i = 0; i < 7; ++i)
        if (mask & (1 << i)) subset.push_back((*shares)[i]);
      auto back = ShamirCombine(subset, 4);
      REQUIRE(back.ok());
      CHECK(*back == secret);
    }
  }
  SECTION("all seven agree; a corrupted extra share is caught") {
    CHECK(ShamirCombine(*shares, 4).ok());
    auto tampered = *shares;
    tampered[6][10] ^= 1;
    CHECK_FALSE(ShamirCombine(tampered, 4).ok());
  }
  SECTION("t - 1 shares are refused, duplicates and junk named") {
    std::vector<std::vector<uint8_t>> three(shares->begin(), shares->begin() + 3);
    CHECK(ShamirCombine(three, 4).status().code() == StatusCode::kInvalidArgument);
    std::vector<std::vector<uint8_t>> dup = {(*shares)[0], (*shares)[0], (*shares)[1], (*shares)[2]};
    CHECK_FALSE(ShamirCombine(dup, 4).ok());
    CHECK_FALSE(ShamirCombine({std::vector<uint8_t>(3, 0)}, 1).ok());
    CHECK_FALSE(ShamirSplit(secret, {1, 1}, 2, Key(2)).ok());
    CHECK_FALSE(ShamirSplit(secret, {1, 2}, 3, Key(2)).ok());
    CHECK_FALSE(ShamirSplit(secret, {0, 2}, 2, Key(2)).ok());
  }
  SECTION("with t - 1 shares, interpolating any other secret is just as consistent") {
    // Three shares of threshold 4 plus a made-up point at x = 0 always define a polynomial of
    // degree 3; its constant term is the made-up secret: t - 1 shares pin nothing down.
    ShamirSecret other{};
    other.fill(0x11);
    auto other_shares = ShamirSplit(other, xs, 4, Key(1));  // same coefficients, other secret
    REQUIRE(other_shares.ok());
    CHECK((*other_shares)[0] != (*shares)[0]);
  }
}

TEST_CASE("t - 1 Shamir shares are uniform whatever the secret", "[secagg][shamir]") {
  // For secrets all-zero and all-0xff, the top 4 bits of shares 1 and 2 (threshold 3) fall in
  // 16 bins evenly: a chi-square over 4000 draws each stays below the 0.1% critical value (37.7).
  for (uint8_t fill : {uint8_t{0x00}, uint8_t{0xff}}) {
    ShamirSecret secret{};
    secret.fill(fill);
    std::array<int, 16> bins{};
    const int draws = 4000;
    for (int d = 0; d < draws; ++d) {
      SecAggKey randomness = Key(static_cast<uint8_t>(d), static_cast<uint8_t>(d >> 8));
      randomness[31] = static_cast<uint8_t>(d >> 16);
      randomness[30] ^= static_cast<uint8_t>(d * 13);
      auto shares = ShamirSplit(secret, {1, 2, 3}, 3, randomness);
      REQUIRE(shares.ok());
      uint64_t y = 0;
      for (int b = 7; b >= 0; --b) y = (y << 8) | (*shares)[d % 2][5 + b];
      bins[static_cast<size_t>(y >> 57)]++;
    }
    double chi = 0;
    for (int count : bins) chi += (count - draws / 16.0) * (count - draws / 16.0) / (draws / 16.0);
    CHECK(chi < 37.7);
  }
}

TEST_CASE("the randomized Hadamard rotation is inverted exactly by the server", "[secagg][encode]") {
  const SecAggParams p = Params(1000, 10, 6);
  auto layout = SecAggLayoutFor(p);
  REQUIRE(layout.ok());
  CHECK(layout->block == 256);
  CHECK(layout->padded == 1024);
  std::vector<double> v(layout->padded, 0.0);
  v[3] = 1.0;  // a spike: the rotation spreads it over its block
  auto rotated = v;
  SecAggRotate(rotated, p, *layout, false);
  double linf = 0, norm = 0;
  for (double x : rotated) {
    linf = std::max(linf, std::abs(x));
    norm += x * x;
  }
  CHECK(linf == Approx(1.0 / 16));
  CHECK(norm == Approx(1.0));
  SecAggRotate(rotated, p, *layout, true);
  for (size_t i = 0; i < v.size(); ++i) CHECK(rotated[i] == Approx(v[i]).margin(1e-12));
}

TEST_CASE("the layout chooses k so that the cohort's sum cannot wrap", "[secagg][encode]") {
  auto small = SecAggLayoutFor(Params(5000 * 64, 10, 6, 0));
  auto large = SecAggLayoutFor(Params(5000 * 64, 1000, 600, 0));
  REQUIRE(small.ok());
  REQUIRE(large.ok());
  CHECK(large->bits > small->bits);
  CHECK(std::ldexp(1.0, static_cast<int>(small->bits) - 1) > 10.0 * static_cast<double>(small->linf));
  CHECK(std::ldexp(1.0, static_cast<int>(large->bits) - 1) > 1000.0 * static_cast<double>(large->linf));
  SECTION("every device sending the same extreme update decodes to n times it") {
    SecAggParams p = Params(300, 20, 11);
    auto layout = SecAggLayoutFor(p);
    REQUIRE(layout.ok());
    std::vector<float> x(300, 0.f);
    x[0] = 1.0f;  // all of the norm in one coordinate
    std::vector<uint32_t> sum(layout->padded, 0);
    for (uint32_t d = 0; d < p.cohort; ++d) {
      auto q = SecAggQuantize(x, p, Key(static_cast<uint8_t>(d)));
      REQUIRE(q.ok());
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += (*q)[i];
    }
    for (uint32_t& s : sum) s &= (1u << layout->bits) - 1;
    auto decoded = SecAggDecode(sum, p);
    REQUIRE(decoded.ok());
    CHECK((*decoded)[0] == Approx(20.0).epsilon(0.02));
    CHECK(std::abs((*decoded)[1]) < 0.3);
  }
  CHECK_FALSE(SecAggLayoutFor(Params(10, 10, 11)).ok());
  CHECK_FALSE(SecAggLayoutFor(Params(0, 10, 5)).ok());
}

TEST_CASE("unmasking gives exactly the sum of the survivors' quantized, noised vectors", "[secagg][encode]") {
  const uint32_t n = 9;
  SecAggParams p = Params(700, n, 5, SecAggNoiseVariance(1.0, 10, 5));
  auto layout = SecAggLayoutFor(p);
  REQUIRE(layout.ok());
  // Pairwise secrets as ECDH would give them (symmetric), self seeds, noise seeds per device.
  auto pair_secret = [](uint32_t a, uint32_t b) { return Key(static_cast<uint8_t>(std::min(a, b) * 16 + std::max(a, b)), 3); };

  for (int dropouts : {0, 1, 3}) {
    DYNAMIC_SECTION(dropouts << " devices drop after sharing keys") {
      std::set<uint32_t> dropped;
      for (int d = 0; d < dropouts; ++d) dropped.insert(2 + 3 * d);
      std::vector<std::vector<uint8_t>> masked;
      std::vector<SecAggKey> self_seeds;
      std::vector<uint32_t> expected(layout->padded, 0);
      for (uint32_t u = 1; u <= n; ++u) {
        std::vector<PairSecret> pairs;
        for (uint32_t v = 1; v <= n; ++v)
          if (v != u) pairs.push_back({v, pair_secret(u, v)});
        auto input = SecAggMaskedInput(Update(p.length, static_cast<int>(u)), p, u, Key(static_cast<uint8_t>(u), 50), Key(static_cast<uint8_t>(u), 70), pairs);
        REQUIRE(input.ok());
        CHECK(input->size() == layout->masked_bytes);
        if (dropped.count(u)) continue;  // its masked input never arrives
        masked.push_back(*input);
        self_seeds.push_back(Key(static_cast<uint8_t>(u), 70));
        auto q = SecAggQuantize(Update(p.length, static_cast<int>(u)), p, Key(static_cast<uint8_t>(u), 50));
        REQUIRE(q.ok());
        for (size_t i = 0; i < expected.size(); ++i) expected[i] += (*q)[i];
      }
      for (uint32_t& e : expected) e &= (1u << layout->bits) - 1;
      std::vector<PairCorrection> corrections;
      for (uint32_t v : dropped)
        for (uint32_t u = 1; u <= n; ++u)
          if (!dropped.count(u)) corrections.push_back({u, v, pair_secret(u, v)});
      auto sum = SecAggUnmask(p, masked, self_seeds, corrections);
      REQUIRE(sum.ok());
      CHECK(sum->modular == expected);
      // And a missing correction leaves the sum masked (the test would notice a no-op mask).
      if (!corrections.empty()) {
        corrections.pop_back();
        auto wrong = SecAggUnmask(p, masked, self_seeds, corrections);
        REQUIRE(wrong.ok());
        CHECK(wrong->modular != expected);
      }
    }
  }
  SECTION("fewer survivors than t are refused") {
    CHECK_FALSE(SecAggUnmask(p, {}, {}, {}).ok());
  }
}

TEST_CASE("a masked input alone looks uniform; the decoded sum is close to the true sum", "[secagg][encode]") {
  const uint32_t n = 6;
  SecAggParams p = Params(2000, n, 4);
  p.scale_bits = 14;
  auto layout = SecAggLayoutFor(p);
  REQUIRE(layout.ok());
  std::vector<std::vector<uint8_t>> masked;
  std::vector<SecAggKey> seeds;
  std::vector<double> truth(p.length, 0.0);
  for (uint32_t u = 1; u <= n; ++u) {
    std::vector<PairSecret> pairs;
    for (uint32_t v = 1; v <= n; ++v)
      if (v != u) pairs.push_back({v, Key(static_cast<uint8_t>(std::min(u, v) * 8 + std::max(u, v)), 9)});
    const auto x = Update(p.length, static_cast<int>(u));
    double x_norm = 0;
    for (float v : x) x_norm += static_cast<double>(v) * v;
    const double shrink = std::min(1.0, p.clip / std::sqrt(x_norm));  // the device clips to C
    for (size_t i = 0; i < x.size(); ++i) truth[i] += x[i] * shrink;
    auto input = SecAggMaskedInput(x, p, u, Key(static_cast<uint8_t>(u), 1), Key(static_cast<uint8_t>(u), 2), pairs);
    REQUIRE(input.ok());
    masked.push_back(*input);
    seeds.push_back(Key(static_cast<uint8_t>(u), 2));
  }
  // The first masked input's coordinates: mean near 2^(k-1), uncorrelated with the update.
  uint32_t sender = 0;
  auto coords = UnpackMaskedInput(masked[0].data(), masked[0].size(), p, *layout, &sender);
  REQUIRE(coords.ok());
  CHECK(sender == 1);
  const double mid = std::ldexp(1.0, static_cast<int>(layout->bits) - 1);
  double mean = 0;
  for (uint32_t c : *coords) mean += c;
  mean /= coords->size();
  CHECK(std::abs(mean - mid) < 0.05 * mid);
  auto sum = SecAggUnmask(p, masked, seeds, {});
  REQUIRE(sum.ok());
  double err = 0, norm = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    err += (sum->values[i] - truth[i]) * (sum->values[i] - truth[i]);
    norm += truth[i] * truth[i];
  }
  CHECK(std::sqrt(err / norm) < 0.02);
}

TEST_CASE("masked inputs pack and unpack word-wise as the byte table says, at every k", "[secagg][encode]") {
  // The reference: bit j of the payload (byte j / 8, bit j % 8) is bit j % k of coordinate j / k.
  for (uint32_t bits = 1; bits <= 32; ++bits) {
    for (uint32_t count : {1u, 7u, 37u, 1000u}) {
      std::vector<uint32_t> coords(count);
      uint32_t s = bits * 7919 + count;
      const uint32_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
      for (uint32_t& c : coords) c = (s = s * 1664525u + 1013904223u) & mask;
      const std::vector<uint8_t> packed = PackMaskedInput(5, 3, bits, coords);
      std::vector<uint8_t> reference((static_cast<size_t>(count) * bits + 7) / 8, 0);
      for (size_t j = 0; j < static_cast<size_t>(count) * bits; ++j)
        if ((coords[j / bits] >> (j % bits)) & 1) reference[j / 8] |= static_cast<uint8_t>(1u << (j % 8));
      INFO("k = " << bits << ", " << count << " coordinates");
      REQUIRE(packed.size() == 24 + reference.size());
      CHECK(std::equal(reference.begin(), reference.end(), packed.begin() + 24));
      SecAggParams p;
      p.round_id = 5;
      SecAggLayout layout;
      layout.bits = bits;
      layout.padded = count;
      layout.masked_bytes = packed.size();
      uint32_t sender = 0;
      auto back = UnpackMaskedInput(packed.data(), packed.size(), p, layout, &sender);
      REQUIRE(back.ok());
      CHECK(*back == coords);
      CHECK(sender == 3);
      if ((static_cast<size_t>(count) * bits) % 8 != 0) {
        auto padded = packed;
        padded.back() |= 0x80;  // a padding bit
        CHECK(UnpackMaskedInput(padded.data(), padded.size(), p, layout, &sender).status().code() == StatusCode::kMalformedPayload);
      }
    }
  }
}

TEST_CASE("masked inputs are parsed strictly", "[secagg][encode]") {
  SecAggParams p = Params(100, 4, 3);
  auto layout = SecAggLayoutFor(p);
  REQUIRE(layout.ok());
  auto input = SecAggMaskedInput(Update(100, 1), p, 1, Key(1), Key(2), {{2, Key(3)}});
  REQUIRE(input.ok());
  uint32_t sender = 0;
  CHECK(UnpackMaskedInput(input->data(), input->size(), p, *layout, &sender).ok());
  auto code = [&](std::vector<uint8_t> bytes) { return UnpackMaskedInput(bytes.data(), bytes.size(), p, *layout, &sender).status().code(); };
  auto truncated = *input;
  truncated.pop_back();
  CHECK(code(truncated) == StatusCode::kMalformedPayload);
  auto longer = *input;
  longer.push_back(0);
  CHECK(code(longer) == StatusCode::kMalformedPayload);
  auto other_round = *input;
  other_round[8] ^= 1;
  CHECK(code(other_round) == StatusCode::kMalformedPayload);
  auto magic = *input;
  magic[0] = 'Y';
  CHECK(code(magic) == StatusCode::kMalformedPayload);
  CHECK(code({}) == StatusCode::kMalformedPayload);
  CHECK_FALSE(SecAggMaskedInput(Update(99, 1), p, 1, Key(1), Key(2), {}).ok());
  std::vector<float> bad = Update(100, 1);
  bad[5] = NAN;
  CHECK_FALSE(SecAggMaskedInput(bad, p, 1, Key(1), Key(2), {}).ok());
  CHECK_FALSE(SecAggMaskedInput(Update(100, 1), p, 1, Key(1), Key(2), {{1, Key(3)}}).ok());
}

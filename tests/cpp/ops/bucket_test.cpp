#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "zhixuan/ops/bucket.hpp"

using namespace zhixuan;

TEST_CASE("the bucket hash is the documented FNV-1a + fmix64 of salt:id", "[ops][bucket]") {
  // FNV-1a 64 of "" is the offset basis; of "a" it is 0xaf63dc4c8601ec8c (the published test vector).
  // SaltedIdHash("", "") hashes ":" only; recompute it by the documented steps.
  uint64_t h = 0xcbf29ce484222325ull;
  h ^= ':';
  h *= 0x100000001b3ull;
  h ^= h >> 33; h *= 0xff51afd7ed558ccdull; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ull; h ^= h >> 33;
  CHECK(SaltedIdHash("", "") == h);
  CHECK(BucketOf("", "") == h % 10000);
  SECTION("salt and id are separated: ('ab','c') and ('a','bc') differ") {
    CHECK(SaltedIdHash("ab", "c") != SaltedIdHash("a", "bc"));
  }
}

TEST_CASE("buckets are uniform over 10^6 ids (each of 10 deciles within 1% of its share)", "[ops][bucket]") {
  std::vector<int> deciles(10, 0);
  const int n = 1000000;
  for (int i = 0; i < n; ++i) deciles[BucketOf("exp-salt", "user-" + std::to_string(i)) / 1000]++;
  for (int d = 0; d < 10; ++d) {
    INFO("decile " << d << " holds " << deciles[d]);
    CHECK(std::abs(deciles[d] - n / 10) < n / 10 / 100);
  }
}

TEST_CASE("two salts give independent buckets", "[ops][bucket]") {
  // Share of ids in the first half under both salts: 1/4 if independent.
  int both = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const std::string id = "u" + std::to_string(i);
    both += BucketOf("layer-a", id) < 5000 && BucketOf("layer-b", id) < 5000;
  }
  CHECK(std::abs(both / double(n) - 0.25) < 0.005);
}

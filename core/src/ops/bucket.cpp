#include "zhixuan/ops/bucket.hpp"

namespace zhixuan {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t Fnv1a(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t Fmix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t SaltedIdHash(std::string_view salt, std::string_view id) {
  uint64_t h = Fnv1a(kFnvOffset, salt);
  h = Fnv1a(h, ":");
  return Fmix64(Fnv1a(h, id));
}

uint32_t BucketOf(std::string_view salt, std::string_view id) {
  return static_cast<uint32_t>(SaltedIdHash(salt, id) % kTrafficBuckets);
}

}  // namespace zhixuan

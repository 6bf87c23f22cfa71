// Deterministic traffic buckets: the same stable id lands in the same bucket on every load and
// on every device that shares the id, with no state and no network.
//
// The hash (documented so a server, a notebook or another SDK can reproduce any assignment):
//   bytes  = UTF-8 of salt, then ':' (0x3A), then UTF-8 of id
//   h      = FNV-1a 64 over bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3)
//   h      = fmix64(h)  (MurmurHash3's finalizer: h ^= h >> 33; h *= 0xff51afd7ed558ccd;
//                        h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33)
//   bucket = h mod 10000       -> [0, 10000), 0.01% of traffic per bucket
// FNV-1a alone mixes its last bytes poorly into the low bits; the finalizer spreads every input
// bit over the word (uniformity over 10^6 ids is tested). The modulo bias is 2^64 mod 10^4 over
// 2^64, below 10^-15. Not a secret: salts are public, and a bucket reveals nothing beyond the
// variant the device itself applies.
#pragma once

#include <cstdint>
#include <string_view>

namespace zhixuan {

constexpr uint32_t kTrafficBuckets = 10000;

uint64_t SaltedIdHash(std::string_view salt, std::string_view id);
uint32_t BucketOf(std::string_view salt, std::string_view id);

}  // namespace zhixuan

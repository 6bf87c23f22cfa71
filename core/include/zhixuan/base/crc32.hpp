// CRC-32 (IEEE 802.3, the zlib/PNG polynomial): the integrity check of profile blobs,
// snapshots, log records and federated update payloads. Detects torn writes and bit rot;
// not a defence against tampering.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zhixuan {

// crc of [data, data + size), continuing from `crc` (0 to start).
uint32_t Crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

}  // namespace zhixuan

// Fixtures of the federated Catch2 files: a client's nonce and the noise seed, each filled
// with one byte so a test names them by that byte.
#pragma once

#include <array>
#include <cstdint>

namespace zhixuan::testing {

inline std::array<uint8_t, 16> Nonce(uint8_t b) {
  std::array<uint8_t, 16> n{};
  n.fill(b);
  return n;
}

inline std::array<uint8_t, 32> Seed(uint8_t b) {
  std::array<uint8_t, 32> s{};
  s.fill(b);
  return s;
}

}  // namespace zhixuan::testing

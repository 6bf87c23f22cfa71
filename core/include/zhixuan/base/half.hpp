// IEEE 754 binary16 <-> binary32 conversion (round to nearest even), portable C++.
#pragma once

#include <cstdint>
#include <cstring>

namespace zhixuan {

inline float HalfToFloat(uint16_t h) {
  // Shift exponent+mantissa into place and rescale by 2^112: exact for normals and
  // subnormals; the bundle loader rejects Inf/NaN so those paths need no care.
  uint32_t bits = static_cast<uint32_t>(h & 0x7fffu) << 13;
  float magnitude;
  std::memcpy(&magnitude, &bits, 4);
  magnitude *= 5.192296858534828e+33f;  // 2^112
  uint32_t out;
  std::memcpy(&out, &magnitude, 4);
  out |= static_cast<uint32_t>(h & 0x8000u) << 16;
  float result;
  std::memcpy(&result, &out, 4);
  return result;
}

inline uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) return static_cast<uint16_t>(sign | (x > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (x >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow to Inf
  if (x < 0x38800000u) {                                                // subnormal or zero
    float magnitude;
    std::memcpy(&magnitude, &x, 4);
    magnitude += 0.5f;  // shifts the mantissa into the low bits, rounding to nearest even
    uint32_t m;
    std::memcpy(&m, &magnitude, 4);
    return static_cast<uint16_t>(sign | (m - 0x3f000000u));
  }
  const uint32_t mant_odd = (x >> 13) & 1u;
  x += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round
  return static_cast<uint16_t>(sign | (x >> 13));
}

}  // namespace zhixuan

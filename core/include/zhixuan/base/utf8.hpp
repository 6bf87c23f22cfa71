// UTF-8 encoding and validation, shared by the JSON reader, the tokenizer and the bundle's
// item id tensor.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zhixuan {

// Writes the UTF-8 form of a code point (<= U+10FFFF) at out (room for 4 bytes); returns its length.
inline int EncodeUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Length of the UTF-8 sequence at p (avail bytes readable) whose lead byte is >= 0x80, or 0 if
// it is not valid (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
inline size_t Utf8SequenceLength(const unsigned char* p, size_t avail) {
  const unsigned lead = p[0];
  unsigned lo = 0x80, hi = 0xBF;
  size_t extra = 0;
  if (lead >= 0xC2 && lead <= 0xDF) extra = 1;
  else if (lead >= 0xE0 && lead <= 0xEF) { extra = 2; if (lead == 0xE0) lo = 0xA0; if (lead == 0xED) hi = 0x9F; }
  else if (lead >= 0xF0 && lead <= 0xF4) { extra = 3; if (lead == 0xF0) lo = 0x90; if (lead == 0xF4) hi = 0x8F; }
  else return 0;
  if (avail <= extra || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i <= extra; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return extra + 1;
}

inline bool IsValidUtf8(const char* text, size_t size) {
  const auto* p = reinterpret_cast<const unsigned char*>(text);
  for (size_t i = 0; i < size;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(p + i, size - i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace zhixuan

// Normalization of questions and FAQ text before matching, the same on both sides:
// traditional -> simplified for common characters, full-width -> half-width, lower case,
// Chinese numerals -> Arabic ("七天" -> "7天", "三十" -> "30"; a lone "一" only before a
// measure word), and a small table of synonyms and common typos mapped to one form
// (退钱 -> 退款, 开票 -> 发票, 结业证 -> 证书, 登陆 -> 登录, 优惠卷 -> 优惠券, ...).
// Invalid UTF-8 becomes U+FFFD; nothing fails. Tables: core/src/assist/normalize_tables.inc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace zhixuan {

std::string NormalizeQuestion(std::string_view text);
// The same into *out (cleared first), for loops that normalize many texts with one buffer.
void NormalizeQuestionInto(std::string_view text, std::string* out);

// Code points in a buffer of the calling thread, valid until its next call of either function
// below: for the index build, which tokenizes them without a UTF-8 round trip.
struct CodePointSpan {
  const uint32_t* data;
  size_t size;
};
// NormalizeQuestion's result as code points.
CodePointSpan NormalizedCodePoints(std::string_view text);
// The text's code points, invalid UTF-8 as U+FFFD (one per byte), not normalized.
CodePointSpan DecodedCodePoints(std::string_view text);
// NormalizedCodePoints(text) from DecodedCodePoints(text): `decoded` must be the span that call
// returned (this thread's last), and is overwritten. The index build decodes each text once for
// its two indexes (the raw text's character n-grams, then the normalized words).
CodePointSpan NormalizeDecoded(CodePointSpan decoded);

}  // namespace zhixuan

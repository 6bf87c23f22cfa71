// The text tokenizer for course titles, descriptions, tags and typed queries.
// No dictionary: CJK runs (Han, kana, Hangul) give character unigrams and
// bigrams; Latin/Greek/Cyrillic words are lower-cased; numbers are kept
// ("2024", "3.5"); "c++" and "c#" stay whole. Fullwidth ASCII is folded to ASCII.
// Chinese and English stopwords are dropped (list: core/src/text/stopwords.inc).
// The UTF-8 is decoded here: invalid sequences, emoji, symbols and control
// characters separate tokens and never fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zhixuan {

// Documented truncation: only the first kMaxTokenizeBytes of a string are read
// (cut at a code point boundary), at most kMaxTokensPerText tokens are produced,
// and a word longer than kMaxTokenBytes is cut to that length.
constexpr size_t kMaxTokenizeBytes = 65536;
constexpr size_t kMaxTokensPerText = 8192;
constexpr size_t kMaxTokenBytes = 64;

struct TokenizerOptions {
  bool drop_stopwords = true;
  bool cjk_bigrams = true;
};

// Tokens in order of appearance (duplicates kept: the featurizer counts them).
std::vector<std::string> Tokenize(std::string_view text, const TokenizerOptions& options = {});

// The 64-bit hash of a token's UTF-8 bytes: FNV-1a with a splitmix64 finalizer
// (identical on every host). The featurizer derives bucket and sign from it.
uint64_t TokenHash64(std::string_view token);

// Tokenize without allocating per token: emit(context, token, TokenHash64(token))
// for every token, in the order and with the rules of Tokenize.
using TokenSink = void (*)(void* context, std::string_view token, uint64_t hash);
void ForEachToken(std::string_view text, const TokenizerOptions& options, TokenSink emit, void* context);

// The tokens of text already decoded into code points (invalid input already U+FFFD), with the
// rules and limits of ForEachToken, as 64-bit keys written to out (room for 2 * size + 1 keys);
// returns how many. A key is not TokenHash64: a CJK unigram's is its code point and a bigram's
// its two code points (first << 21 | second), exact; a word's or number's is its hash with the
// top bit set. For indexes that intern every token of a large text base (the FAQ assistant):
// no UTF-8 is encoded or hashed per CJK character.
size_t TokenKeys(const uint32_t* code_points, size_t size, const TokenizerOptions& options, uint64_t* out);
// The key TokenKeys gives a token that Tokenize produced (for tests and diagnostics).
uint64_t TokenKeyOf(std::string_view token);

// True for the stopwords the tokenizer drops (a lower-case Latin word, or one or
// two CJK characters in UTF-8).
bool IsStopword(std::string_view token);

}  // namespace zhixuan

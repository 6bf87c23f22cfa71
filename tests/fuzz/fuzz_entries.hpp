// The fuzz entry points: one per parser of untrusted bytes. Each feeds the bytes to the parser
// and, when they parse, checks what must then hold (a write and a re-read agree, a tree walks
// without leaving its buffer). It returns false when such an invariant breaks; a crash, a leak
// or undefined behaviour is the sanitizers' to report. The libFuzzer harnesses (fuzzer.cpp)
// and the Catch2 regression test (tests/cpp/fuzz_regressions_test.cpp) call the same functions,
// so every input a fuzzer once crashed on stays a test.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zhixuan::fuzz {

using FuzzEntry = bool (*)(const uint8_t* data, size_t size);

bool FuzzSafetensors(const uint8_t* data, size_t size);    // ParseSafetensors, WriteSafetensors
bool FuzzBundle(const uint8_t* data, size_t size);         // LoadModel (both), BundleLoader, SaveModel
bool FuzzJson(const uint8_t* data, size_t size);           // JsonDocument (core/base/json_reader)
bool FuzzCatalog(const uint8_t* data, size_t size);        // ParseCatalog, ParseCatalogItemJson, ParseFilterJson
bool FuzzProfileBlob(const uint8_t* data, size_t size);    // DecodeProfileBlob, EncodeProfileBlob
bool FuzzProfileStore(const uint8_t* data, size_t size);   // DecodeLogRecord, RecoverProfile, Profile::Restore
bool FuzzPayload(const uint8_t* data, size_t size);        // DecodeUpdate (federated payload)
bool FuzzInteractionsCsv(const uint8_t* data, size_t size);// ParseInteractionsCsv, BuildInteractionMatrix
bool FuzzNpy(const uint8_t* data, size_t size);            // ParseNpy, ParseFactorsCsv, ParseIdList
bool FuzzTokenizer(const uint8_t* data, size_t size);      // Tokenize / ForEachToken (UTF-8 decoding)
bool FuzzRoundConfig(const uint8_t* data, size_t size);    // ParseRoundConfigJson, RoundConfigToJson
bool FuzzProfileEvent(const uint8_t* data, size_t size);   // Profile::Prepare/Commit/Track, Import

// The model and catalog the profile harnesses track into: a checkerboard (40 items, dim 16,
// items item0..item39 tagged python/design, aliases mp_0 and mp_1 on the mini-program channel).
}  // namespace zhixuan::fuzz
namespace zhixuan { class Recommender; }
namespace zhixuan::fuzz {
const Recommender& ProfileRecommender();
constexpr double kFuzzNow = 472222.0 * 3600e3;  // the harnesses' "now" (ms), on an hour tick

struct NamedEntry {
  const char* name;  // the folder under tests/fuzz/{corpus,regressions}/ and the fuzzer's suffix
  FuzzEntry entry;
};
// Every entry above, by name.
extern const NamedEntry kFuzzEntries[];
extern const size_t kFuzzEntryCount;

}  // namespace zhixuan::fuzz

// Every committed fuzz input (tests/fuzz/corpus/<harness>/ seeds and tests/fuzz/regressions/<harness>/
// inputs a fuzzer once crashed on) goes through the same entry point as the libFuzzer harness:
// no invariant may break (and under scripts/sanitize.sh no sanitizer may report).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_entries.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Feeds every file of <root>/<harness>/ to its entry; returns how many were fed.
size_t FeedAll(const char* kind) {
  size_t fed = 0;
  const fs::path root = fs::path(ZX_FUZZ_INPUTS_DIR) / kind;
  for (size_t i = 0; i < zhixuan::fuzz::kFuzzEntryCount; ++i) {
    const auto& named = zhixuan::fuzz::kFuzzEntries[i];
    const fs::path dir = root / named.name;
    if (!fs::is_directory(dir)) continue;
    for (const auto& file : fs::directory_iterator(dir)) {
      if (!file.is_regular_file()) continue;
      const std::vector<uint8_t> bytes = ReadBytes(file.path());
      INFO(kind << "/" << named.name << "/" << file.path().filename().string());
      CHECK(named.entry(bytes.data(), bytes.size()));
      ++fed;
    }
  }
  return fed;
}

}  // namespace

TEST_CASE("every fuzz regression input goes through its harness's entry without breaking an invariant", "[fuzz][bad-input]") {
  REQUIRE(fs::is_directory(fs::path(ZX_FUZZ_INPUTS_DIR) / "regressions"));
  const size_t fed = FeedAll("regressions");
  INFO(fed << " regression inputs");
  SUCCEED();
}

TEST_CASE("every fuzz seed goes through its harness's entry, and every harness has seeds", "[fuzz]") {
  for (size_t i = 0; i < zhixuan::fuzz::kFuzzEntryCount; ++i) {
    const fs::path dir = fs::path(ZX_FUZZ_INPUTS_DIR) / "corpus" / zhixuan::fuzz::kFuzzEntries[i].name;
    INFO(dir.string());
    REQUIRE(fs::is_directory(dir));
    REQUIRE(!fs::is_empty(dir));
  }
  REQUIRE(FeedAll("corpus") > 0);
}

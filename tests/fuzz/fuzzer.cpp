// One libFuzzer harness: ZX_FUZZ_ENTRY names the entry (fuzz_entries.hpp); CMake builds one
// fuzzer per entry (ZX_FUZZ=ON). A broken invariant traps, so libFuzzer keeps the input.
#include <cstddef>
#include <cstdint>

#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!zhixuan::fuzz::ZX_FUZZ_ENTRY(data, size)) __builtin_trap();
  return 0;
}

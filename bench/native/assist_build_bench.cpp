// The FAQ assistant's index build, natively, phase by phase (issue 16: <= 50 ms for 5,000
// entries in wasm; bench/faq.bench.mjs gives the wasm figure). The FAQ file comes from
// `node bench/faq.bench.mjs --write-faq FILE` (or any FAQ JSON).
//   assist_build_bench FILE [--reps 9]
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "zhixuan/assist/assistant.hpp"

using namespace zhixuan;

namespace {
// CPU time of this process in ms: the machine may be shared, and wall time then measures the
// neighbours too.
double CpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: assist_build_bench FAQ.json [--reps N]\n");
    return 2;
  }
  int reps = 9;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  double parse_best = 1e9, create_best = 1e9;
  size_t entries = 0;
  for (int r = 0; r < reps; ++r) {
    const double t0 = CpuMs();
    auto faq = ParseFaq(text);
    const double t1 = CpuMs();
    if (!faq.ok()) {
      std::fprintf(stderr, "%s\n", faq.status().message().c_str());
      return 1;
    }
    entries = faq->entries.size();
    auto assistant = Assistant::Create(std::move(faq).value(), std::nullopt);
    const double t2 = CpuMs();
    if (!assistant.ok()) return 1;
    parse_best = std::min(parse_best, t1 - t0);
    create_best = std::min(create_best, t2 - t1);
  }
  std::printf("FAQ build, native, %zu entries (%zu bytes), best of %d, CPU time: parse %.2f ms, index %.2f ms, total %.2f ms\n",
              entries, text.size(), reps, parse_best, create_best, parse_best + create_best);
  return 0;
}

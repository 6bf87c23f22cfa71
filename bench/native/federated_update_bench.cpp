// Time of one device update (fold-in, dense gradient over every row, clip, noise, quantize,
// CRC) for N items at d = 64. Natively it is built by CMake; the wasm figure of bench/RESULTS.md
// comes from the same file compiled with em++ and run under node (command in RESULTS.md).
//   federated_update_bench [items=5000] [repeats=50]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "zhixuan/federated/federated.hpp"

using namespace zhixuan;

int main(int argc, char** argv) {
  const int items = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 50;
  const int dim = 64;
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.f, 0.1f);
  std::vector<float> rows(static_cast<size_t>(items) * dim);
  for (float& v : rows) v = g(rng);
  std::vector<std::string> ids;
  for (int i = 0; i < items; ++i) ids.push_back("item" + std::to_string(i));
  FoldInParams params;
  auto model = MakeModel(ids, rows.data(), dim, DType::kF32, params, "bench-1");
  if (!model.ok()) return 1;
  std::vector<int32_t> history;
  for (int i = 0; i < 40; ++i) history.push_back((i * 97) % items);
  const FoldInInput input{history.data(), nullptr, static_cast<int64_t>(history.size())};
  const std::array<uint8_t, 16> nonce{};
  const std::array<uint8_t, 32> seed{};
  struct Variant { const char* label; PayloadEncoding encoding; NoiseMode mode; };
  for (const Variant& v : {Variant{"f16, central noise", PayloadEncoding::kF16, NoiseMode::kCentral},
                           Variant{"int8, central noise", PayloadEncoding::kInt8, NoiseMode::kCentral},
                           Variant{"f16, local noise", PayloadEncoding::kF16, NoiseMode::kLocal}}) {
    RoundConfig config;
    config.round_id = 1;
    config.base_version = "bench-1";
    config.clip = 1.0;
    config.noise_multiplier = 1.0;
    config.noise_mode = v.mode;
    config.encoding = v.encoding;
    std::vector<double> ms;
    size_t bytes = 0;
    for (int i = 0; i < repeats + 3; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      auto update = ComputeClientUpdate(*model, input, config, nonce, seed);
      const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (!update.ok()) { std::fprintf(stderr, "%s\n", update.status().ToString().c_str()); return 1; }
      bytes = update->payload.size();
      if (i >= 3) ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%d items, d=%d, %s: median %.2f ms, min %.2f ms, payload %zu bytes\n", items, dim, v.label, ms[ms.size() / 2], ms.front(), bytes);
  }
  return 0;
}

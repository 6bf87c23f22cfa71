// µs per profile update at d=64: one event changes one history item's confidence and the
// user vector is re-solved. Compares the incremental solver (rank-1 Cholesky update) with a
// from-scratch FoldIn (Eigen LLT) per event, and times the full rebuild the decay clock needs.
// Portable C++: the same file is compiled to wasm and run under node for the wasm figures
// (command in bench/RESULTS.md).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <random>
#include <vector>

#include "zhixuan/model/bundle.hpp"
#include "zhixuan/profile/fast_foldin.hpp"
#include "zhixuan/model/foldin.hpp"

using namespace zhixuan;
using Clock = std::chrono::steady_clock;

namespace {

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// The machine is shared: time blocks of `per_block` calls and report the fastest block's
// mean (the least-disturbed estimate) and the median block's mean.
struct Timing {
  double best, median;
};
template <typename F>
Timing TimeBlocks(int blocks, int per_block, F&& body) {
  std::vector<double> means;
  int n = 0;
  for (int b = 0; b < blocks; ++b) {
    auto t0 = Clock::now();
    for (int i = 0; i < per_block; ++i) body(n++);
    means.push_back(Micros(t0, Clock::now()) / per_block);
  }
  std::sort(means.begin(), means.end());
  return {means.front(), means[means.size() / 2]};
}

void Run(int dim, int history, int catalog_items, int updates) {
  std::mt19937 rng(42);
  std::normal_distribution<float> g(0.f, 0.3f);
  std::vector<float> rows(static_cast<size_t>(catalog_items) * dim);
  for (float& v : rows) v = g(rng);
  std::vector<std::string> ids;
  for (int i = 0; i < catalog_items; ++i) ids.push_back("i" + std::to_string(i));
  FoldInParams params;
  params.reg = 0.1f;
  params.alpha = 2.f;
  params.unobserved_weight = 0.1f;
  Model m = std::move(MakeModel(ids, rows.data(), dim, DType::kF32, params, "bench").value());
  if (m.gram.empty()) m.gram = ComputeGram(m.items);

  std::vector<int32_t> hist(history);
  std::vector<double> weights(history);
  std::vector<float> weights_f(history);
  for (int i = 0; i < history; ++i) {
    hist[i] = i * (catalog_items / history);
    weights[i] = weights_f[i] = 1.f + (i % 5);
  }
  IncrementalFoldIn inc = std::move(IncrementalFoldIn::Create(&m, params).value());
  if (!inc.Reset(hist.data(), weights.data(), history).ok() || !inc.Solve().ok()) std::abort();

  std::uniform_int_distribution<int> pick(0, history - 1);
  std::vector<int> picks(updates);
  for (int& p : picks) p = pick(rng);
  float sink = 0;

  // Incremental: SetWeight + Solve per event (an event on an item already in the history).
  const Timing incremental = TimeBlocks(updates / 200, 200, [&](int u) {
    const int p = picks[u % updates];
    weights[p] += 0.5;
    if (!inc.SetWeight(hist[p], weights[p]).ok()) std::abort();
    sink += inc.Solve().value()[0];
  });

  // Incremental, a new item each time (adds a row to the history, the next call removes it).
  const Timing new_item = TimeBlocks(updates / 400, 200, [&](int u) {
    const int32_t row = (hist[(u / 2) % history] + 1) % catalog_items;
    if (!inc.SetWeight(row, (u % 2) ? -10.0 : 1.0).ok()) std::abort();
    sink += inc.Solve().value()[0];
  });

  // Full rebuild (decay clock tick / model change): Reset + Solve.
  const Timing rebuild = TimeBlocks(20, history >= 500 ? 2 : 10, [&](int) {
    if (!inc.Reset(hist.data(), weights.data(), history).ok()) std::abort();
    sink += inc.Solve().value()[0];
  });

  // The exact from-scratch solve of foldin.hpp per event (Eigen LLT), for comparison.
  const Timing exact = TimeBlocks(20, history >= 500 ? 2 : 10, [&](int u) {
    weights_f[picks[u % updates]] += 0.5f;
    auto x = FoldIn(m.items, m.gram, params, {hist.data(), weights_f.data(), history});
    sink += x.value()[0];
  });

  std::printf("d=%d history=%d items=%d (best block / median block, us per update)\n"
              "  incremental update (item already in history): %.2f / %.2f\n"
              "  incremental update (new item joins):          %.2f / %.2f\n"
              "  full rebuild, Reset+Solve (decay tick):        %.1f / %.1f\n"
              "  exact FoldIn from scratch (Eigen LLT):         %.1f / %.1f\n"
              "  refactorizations %lld (%g)\n",
              dim, history, catalog_items, incremental.best, incremental.median, new_item.best, new_item.median,
              rebuild.best, rebuild.median, exact.best, exact.median,
              static_cast<long long>(inc.refactor_count()), static_cast<double>(sink) * 0.0);
}

}  // namespace

int main() {
  Run(64, 50, 5000, 20000);
  Run(64, 500, 5000, 20000);
  return 0;
}

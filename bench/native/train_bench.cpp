// Training speed of implicit ALS: seconds per epoch at d=64 and d=128 on ml-latest-small's
// train.csv (when given) and on synthetic sets 1x, 10x and 100x its size (Zipf item
// popularity, ~79 items per user, like ml-latest-small).
// usage: train_bench [path/to/train.csv] [--max-scale 100] [--epochs 3] [--threads 0]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "zhixuan/train/interactions.hpp"
#include "zhixuan/base/parallel.hpp"
#include "zhixuan/train/train.hpp"

using namespace zhixuan;

namespace {

SparseMatrix Synthetic(int scale, uint32_t seed) {
  const int32_t users = 482 * scale, items = 5542 * scale;
  std::mt19937 rng(seed);
  // Zipf(0.9)-like popularity by inverse-CDF sampling over a precomputed table.
  std::vector<double> cdf(static_cast<size_t>(items));
  double total = 0;
  for (int32_t i = 0; i < items; ++i) cdf[i] = total += 1.0 / std::pow(i + 1.0, 0.9);
  std::uniform_real_distribution<double> uni(0, total);
  std::lognormal_distribution<double> length(std::log(40.0), 0.9);  // mean ~60-80 items
  std::vector<int32_t> row, col;
  for (int32_t u = 0; u < users; ++u) {
    const int n = std::max(5, std::min(2000, static_cast<int>(length(rng))));
    for (int k = 0; k < n; ++k) {
      row.push_back(u);
      col.push_back(static_cast<int32_t>(std::lower_bound(cdf.begin(), cdf.end(), uni(rng)) - cdf.begin()));
    }
  }
  SparseMatrix m = BuildCsr(users, items, row, col, {});
  for (float& v : m.values) v = 1.f;  // duplicates were summed: binary interactions
  return m;
}

void Run(const char* name, const SparseMatrix& m, int dim, int epochs, int threads, ItemSolver solver) {
  TrainParams p;
  p.dim = dim;
  p.epochs = epochs;
  p.foldin.reg = 0.01f;
  p.item_reg = 0.01f;
  p.foldin.alpha = 0.f;
  p.foldin.unobserved_weight = 0.3f;
  p.foldin.reg_exponent = 1.f;
  p.threads = threads;
  p.item_solver = solver;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  auto r = TrainImplicitAls(m, p);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (!r.ok()) {
    std::printf("%s: %s\n", name, r.status().ToString().c_str());
    return;
  }
  std::printf("| %-22s | %7d | %8d | %9lld | %4d | %-8s | %8.3f | %8.3f | %7.2f |\n", name, m.rows, m.cols,
              static_cast<long long>(m.nnz()), dim, solver == ItemSolver::kCholesky ? "cholesky" : "cg3", wall / epochs,
              cpu / epochs, wall);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string train_csv;
  int max_scale = 100, epochs = 3, threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--max-scale") && i + 1 < argc) max_scale = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else train_csv = argv[i];
  }
  std::printf("threads: %d (of %d cores); %d epochs per row; cpu = process CPU time (all threads)\n\n",
              threads > 0 ? threads : DefaultThreadCount(), DefaultThreadCount(), epochs);
  std::printf("| %-22s | %7s | %8s | %9s | %4s | %-8s | %8s | %8s | %7s |\n", "data", "users", "items", "nnz", "d",
              "items by", "s/epoch", "cpu s/ep", "total s");
  std::printf("|------------------------|---------|----------|-----------|------|----------|----------|----------|---------|\n");
  if (!train_csv.empty()) {
    std::ifstream in(train_csv);
    std::stringstream text;
    text << in.rdbuf();
    auto table = ParseInteractionsCsv(text.str());
    if (!table.ok()) {
      std::fprintf(stderr, "%s\n", table.status().ToString().c_str());
      return 1;
    }
    auto data = BuildInteractionMatrix(*table);
    for (int dim : {64, 128})
      for (ItemSolver s : {ItemSolver::kConjugateGradient, ItemSolver::kCholesky})
        Run("ml-latest-small train", data->by_user, dim, epochs, threads, s);
  }
  for (int scale : {1, 10, 100}) {
    if (scale > max_scale) break;
    const SparseMatrix m = Synthetic(scale, 1234);
    const std::string name = "synthetic " + std::to_string(scale) + "x";
    for (int dim : {64, 128}) Run(name.c_str(), m, dim, epochs, threads, ItemSolver::kConjugateGradient);
  }
  return 0;
}

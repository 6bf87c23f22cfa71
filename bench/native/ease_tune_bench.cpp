// What the tuner's EASE reference costs on one validation cut of a training file: the
// eigendecomposition behind the lambda path (EaseLambdaPath::Create) and one lambda's ranking of
// the held-out users (Rank), in CPU and wall seconds, with the cut's shape.
// usage: ease_tune_bench SPLIT_DIR/train.csv [--lambdas 3] [--threads 0]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "zhixuan/train/ease.hpp"
#include "zhixuan/train/tune.hpp"

using namespace zhixuan;

namespace {

struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
  void Print(const char* what) const {
    std::printf("%-34s wall %7.2f s  CPU %7.2f s\n", what,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(),
                static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ease_tune_bench train.csv [--lambdas 3] [--threads 0]\n");
    return 2;
  }
  int lambdas = 3, threads = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--lambdas")) lambdas = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto table = ParseInteractionsCsv(text.str());
  if (!table.ok()) return std::fprintf(stderr, "%s\n", table.status().ToString().c_str()), 1;
  TuneOptions options;
  auto cut = MakeTuneCut(*table, options, 0);
  if (!cut.ok()) return std::fprintf(stderr, "%s\n", cut.status().ToString().c_str()), 1;
  std::printf("cut 1: %d training users x %d items, %lld interactions; %d held-out users\n", cut->train.by_user.rows,
              cut->train.by_user.cols, static_cast<long long>(cut->train.by_user.nnz()), cut->history.rows);
  Clock create;
  auto path = EaseLambdaPath::Create(*cut);
  if (!path.ok()) return std::fprintf(stderr, "%s\n", path.status().ToString().c_str()), 1;
  create.Print("EaseLambdaPath::Create");
  for (int k = 0; k < lambdas; ++k) {
    const double lambda = 10.0 * (k + 1) * (k + 1);
    Clock rank;
    auto ranked = path->Rank(lambda, 100, threads);
    auto m = Evaluate(*ranked, cut->target);
    char what[64];
    std::snprintf(what, sizeof what, "Rank lambda=%g (NDCG@100 %.4f)", lambda, m->ndcg100);
    rank.Print(what);
  }
  return 0;
}

// Deterministic domain fixtures shared by the Catch2 files.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "zhixuan/model/bundle.hpp"

namespace zhixuan::testing {

// The checkerboard: items alternate between two clusters (even rows near axis 0,
// odd rows near axis 1). A history of even items must bring the unseen even items to the top.
inline std::vector<float> CheckerboardRows(int items, int dim, uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 0.05f);
  std::vector<float> rows(static_cast<size_t>(items) * dim);
  for (int i = 0; i < items; ++i) {
    for (int j = 0; j < dim; ++j) rows[i * dim + j] = noise(rng);
    rows[i * dim + (i % 2)] += 1.f;
  }
  return rows;
}

inline std::vector<std::string> ItemIds(int items, const std::string& prefix = "item") {
  std::vector<std::string> ids;
  for (int i = 0; i < items; ++i) ids.push_back(prefix + std::to_string(i));
  return ids;
}

inline Model CheckerboardModel(int items = 40, int dim = 16, DType dtype = DType::kF32) {
  auto rows = CheckerboardRows(items, dim);
  FoldInParams params;
  params.reg = 0.1f;
  params.alpha = 4.f;
  params.unobserved_weight = 0.1f;
  auto model = MakeModel(ItemIds(items), rows.data(), dim, dtype, params, "checkerboard-1");
  return std::move(model).value();
}

inline std::vector<float> RandomRows(int64_t items, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.f, 1.f);
  std::vector<float> rows(static_cast<size_t>(items) * dim);
  for (float& v : rows) v = g(rng);
  return rows;
}

}  // namespace zhixuan::testing

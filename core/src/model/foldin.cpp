#include "zhixuan/model/foldin.hpp"

#include <cmath>

#include "zhixuan/base/cholesky.hpp"

namespace zhixuan {

StatusOr<std::vector<float>> FoldIn(const ItemMatrix& items, const std::vector<float>& gram,
                                    const FoldInParams& params, const FoldInInput& input) {
  const int d = items.dim();
  if (static_cast<int64_t>(gram.size()) != int64_t{d} * d) return Status(StatusCode::kInternal, "fold-in gram has the wrong size");
  // A (lower triangle, column-major: column j holds rows j..d-1) and b.
  std::vector<double> a(static_cast<size_t>(d) * d);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<double>(gram[i] * params.unobserved_weight);
  std::vector<double> b(d, 0.0);
  std::vector<float> v(d);
  int64_t observed = 0;
  for (int64_t n = 0; n < input.count; ++n) {
    const int32_t row = input.rows[n];
    if (row < 0 || row >= items.rows()) return InvalidArgument("fold-in history row " + std::to_string(row) + " is out of range");
    const float weight = input.weights ? input.weights[n] : 1.f;
    if (!std::isfinite(weight)) return InvalidArgument("fold-in weight is NaN or Inf");
    const float confidence = 1.f + params.alpha * weight;
    if (confidence <= 0.f) continue;
    items.RowToF32(row, v.data());
    const double delta = static_cast<double>(confidence - params.unobserved_weight);
    for (int j = 0; j < d; ++j) {
      const double s = delta * v[j];
      double* col = a.data() + static_cast<size_t>(j) * d;
      for (int i = j; i < d; ++i) col[i] += s * v[i];
      b[j] += static_cast<double>(confidence) * v[j];
    }
    ++observed;
  }
  std::vector<float> x(d, 0.f);
  if (observed == 0) return x;
  const double n_total = static_cast<double>(observed) + params.unobserved_weight * static_cast<double>(items.rows());
  const float reg = params.reg * static_cast<float>(std::pow(n_total, params.reg_exponent));
  for (int k = 0; k < d; ++k) a[static_cast<size_t>(k) * d + k] += reg;
  if (!CholeskyFactorInPlace(a.data(), d)) return Status(StatusCode::kInvalidArgument, "fold-in system is not positive definite (raise reg)");
  CholeskySolveInPlace(a.data(), d, b.data());
  for (int k = 0; k < d; ++k) x[k] = static_cast<float>(b[k]);
  return x;
}

}  // namespace zhixuan

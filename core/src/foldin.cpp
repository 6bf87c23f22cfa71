#include "zhixuan/foldin.hpp"

#include <cmath>

#include <Eigen/Dense>

namespace zhixuan {

StatusOr<std::vector<float>> FoldIn(const ItemMatrix& items, const std::vector<float>& gram,
                                    const FoldInParams& params, const FoldInInput& input) {
  const int d = items.dim();
  if (static_cast<int64_t>(gram.size()) != int64_t{d} * d) return Status(StatusCode::kInternal, "fold-in gram has the wrong size");
  Eigen::MatrixXf a = Eigen::Map<const Eigen::MatrixXf>(gram.data(), d, d) * params.unobserved_weight;
  Eigen::VectorXf b = Eigen::VectorXf::Zero(d);
  Eigen::VectorXf v(d);
  int64_t observed = 0;
  for (int64_t i = 0; i < input.count; ++i) {
    const int32_t row = input.rows[i];
    if (row < 0 || row >= items.rows()) return InvalidArgument("fold-in history row " + std::to_string(row) + " is out of range");
    const float weight = input.weights ? input.weights[i] : 1.f;
    if (!std::isfinite(weight)) return InvalidArgument("fold-in weight is NaN or Inf");
    const float confidence = 1.f + params.alpha * weight;
    if (confidence <= 0.f) continue;
    items.RowToF32(row, v.data());
    a.selfadjointView<Eigen::Lower>().rankUpdate(v, confidence - params.unobserved_weight);
    b += confidence * v;
    ++observed;
  }
  std::vector<float> x(d, 0.f);
  if (observed == 0) return x;
  const double n_total = static_cast<double>(observed) + params.unobserved_weight * static_cast<double>(items.rows());
  const float reg = params.reg * static_cast<float>(std::pow(n_total, params.reg_exponent));
  a.diagonal().array() += reg;
  Eigen::LLT<Eigen::MatrixXf, Eigen::Lower> llt(a);
  if (llt.info() != Eigen::Success) return Status(StatusCode::kInvalidArgument, "fold-in system is not positive definite (raise reg)");
  Eigen::Map<Eigen::VectorXf>(x.data(), d) = llt.solve(b);
  return x;
}

}  // namespace zhixuan

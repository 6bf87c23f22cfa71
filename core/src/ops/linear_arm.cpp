#include "zhixuan/ops/linear_arm.hpp"

#include <cmath>

namespace zhixuan {

void LinearArmStats::Resize(int dim) {
  xtx = Eigen::MatrixXd::Zero(dim, dim);
  xtr = Eigen::VectorXd::Zero(dim);
  n = 0;
}

void LinearArmStats::Add(const Eigen::VectorXd& x, double reward, double weight) {
  xtx.noalias() += weight * x * x.transpose();
  xtr.noalias() += (weight * reward) * x;
  n += weight;
}

LinearScore ScoreLinearArm(const ArmPrior& prior, const LinearArmStats& stats, const Eigen::VectorXd& x) {
  Eigen::MatrixXd a = stats.xtx;
  a.diagonal().array() += prior.lambda;
  const Eigen::LLT<Eigen::MatrixXd> llt(a);  // A is symmetric positive definite (lambda > 0)
  const Eigen::VectorXd theta = llt.solve(stats.xtr);
  const Eigen::VectorXd ainv_x = llt.solve(x);
  return {x.dot(theta), prior.noise * std::sqrt(std::max(0.0, x.dot(ainv_x)))};
}

}  // namespace zhixuan

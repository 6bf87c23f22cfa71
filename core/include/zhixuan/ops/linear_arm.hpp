// One arm of the linear contextual model (linear Thompson sampling, Agrawal and Goyal 2013,
// disjoint: a model per arm): ridge regression of the reward on the context's features
// (slot_context.hpp). Kept as the device's statistics X'WX, X'Wr and their weight, so the
// server's prior (lambda, noise) applies to them as it does for the other models.
//   A = lambda I + X'WX,  theta_hat = A^-1 X'Wr,  score ~ N(x' theta_hat, noise^2 x' A^-1 x)
// A draw of the score is one-dimensional, so a choice costs one solve per arm, not a d-dim draw.
#pragma once

#include <Eigen/Dense>

#include "zhixuan/ops/slots_config.hpp"

namespace zhixuan {

struct LinearArmStats {
  Eigen::MatrixXd xtx;  // d x d
  Eigen::VectorXd xtr;  // d
  double n = 0;

  void Resize(int dim);
  void Add(const Eigen::VectorXd& x, double reward, double weight);
};

struct LinearScore {
  double mean = 0, sd = 0;
};

LinearScore ScoreLinearArm(const ArmPrior& prior, const LinearArmStats& stats, const Eigen::VectorXd& x);

}  // namespace zhixuan

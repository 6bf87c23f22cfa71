// Options shared by `zhixuan train` and `zhixuan eval` (which trains when no model is given).
#pragma once

#include <string>
#include <vector>

#include "command.hpp"
#include "zhixuan/train/interactions.hpp"
#include "zhixuan/train/train.hpp"

namespace zhixuan::cli {

// The defaults were tuned on a validation split cut from ml-latest-small's train.csv
// (bench/RESULTS.md, "Server side").
struct TrainingDefaults {
  static constexpr int kDim = 128;
  static constexpr int kEpochs = 10;
  static constexpr float kReg = 0.01f;
  static constexpr float kItemReg = 0.01f;
  static constexpr float kAlpha = 0.f;
  static constexpr float kUnobservedWeight = 0.3f;
  static constexpr float kRegExponent = 1.f;
};

// Option names these helpers read (append to a command's own).
std::vector<std::string> TrainingValueOptions();
std::string TrainingUsage();

StatusOr<TrainParams> ReadTrainParams(const Args& args);
StatusOr<BundleOptions> ReadBundleOptions(const Args& args);

// Trains with a progress bar (terminal only) and returns the factors.
StatusOr<TrainResult> TrainWithProgress(const SparseMatrix& by_user, TrainParams params);

std::string DescribeParams(const TrainParams& p);

}  // namespace zhixuan::cli

#include "zhixuan/ops/slot_context.hpp"

#include <algorithm>
#include <cmath>

namespace zhixuan {
namespace {

constexpr const char* kDevices[] = {"mobile", "desktop", "tablet"};
constexpr int kDeviceSlots = 4;  // + other

int IndexIn(const std::vector<std::string>& vocabulary, const std::string& value) {
  const auto it = std::find(vocabulary.begin(), vocabulary.end(), value);
  return static_cast<int>(it == vocabulary.end() ? vocabulary.size() : it - vocabulary.begin());
}

}  // namespace

Status CheckSlotContext(const SlotSpec& spec, const SlotContext& c) {
  if (c.hour < -1 || c.hour > 23) return InvalidArgument("context.hour must be 0..23 (or -1: unknown)");
  if (!std::isfinite(c.score)) return InvalidArgument("context.score must be a finite number");
  if (c.position < 0 || c.position > 999) return InvalidArgument("context.position must be 0..999");
  if (!c.arm_scores.empty() && c.arm_scores.size() != spec.arms.size())
    return InvalidArgument("context.armScores must hold one score per arm of slot '" + spec.slot + "' (" +
                           std::to_string(spec.arms.size()) + ")");
  for (double s : c.arm_scores) {
    if (!std::isfinite(s)) return InvalidArgument("context.armScores must be finite numbers");
  }
  if (c.channel.size() > 256 || c.device.size() > 256 || c.segment.size() > 256)
    return InvalidArgument("context strings are at most 256 bytes");
  return Status::Ok();
}

int SlotFeatureDim(const SlotsConfig& config) {
  return 1 + static_cast<int>(config.channels.size()) + 1 + 2 + kDeviceSlots + static_cast<int>(config.segments.size()) + 1 + 1;
}

Eigen::VectorXd SlotFeatures(const SlotsConfig& config, const SlotContext& c, double arm_score) {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(SlotFeatureDim(config));
  int at = 0;
  x[at++] = 1.0;
  x[at + IndexIn(config.channels, c.channel)] = 1.0;
  at += static_cast<int>(config.channels.size()) + 1;
  if (c.hour >= 0) {
    const double angle = 6.283185307179586 * c.hour / 24.0;
    x[at] = std::sin(angle);
    x[at + 1] = std::cos(angle);
  }
  at += 2;
  int device = 3;
  for (int i = 0; i < 3; ++i) {
    if (c.device == kDevices[i]) device = i;
  }
  x[at + device] = 1.0;
  at += kDeviceSlots;
  x[at + IndexIn(config.segments, c.segment)] = 1.0;
  at += static_cast<int>(config.segments.size()) + 1;
  x[at] = std::clamp(arm_score, -10.0, 10.0);
  return x;
}

std::string SlotCell(const SlotSpec& spec, const SlotContext& c) {
  std::string cell;
  for (size_t i = 0; i < spec.split_by.size(); ++i) {
    if (i) cell += '|';
    const std::string& key = spec.split_by[i];
    cell += key == "channel" ? c.channel : key == "device" ? c.device : c.segment;
  }
  return cell;
}

}  // namespace zhixuan

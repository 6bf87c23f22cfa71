// Attribution on the device: every impression, click, add-to-cart and purchase tied to the
// render (slot, list, variants) it came from, and the per-day sums the metrics report is cut from.
//
// A render is one list shown in one slot: its items are impressions (position = index), and
// it carries the experiment arms that shaped it (AssignSlot) and, for the bandits of the slot
// issue, each item's action probability. Exposure is recorded here, at render, never at
// assignment: a user assigned to a variant who never sees its slot is not in its cells.
//
// Attribution rule (last touch, documented): a click, cart or purchase of item X at time t goes
// to the most recent impression of X with t - window <= impression time <= t; each impression
// takes at most one click, one cart and one purchase (a second click on the same shown item is
// not a second conversion). An event with no such impression is unattributed (counted nowhere).
// The window is the experiments file's attribution_window_seconds (default 24 h).
//
// Cells: experiment x variant x slot x channel, per UTC day of the EVENT (so day D can be
// reported as soon as it is over). Per cell and day the device keeps
//   users (1 when the day had an exposure in that cell), impressions, clicks, carts, purchases,
//   revenue (sum of attributed purchase amounts).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr size_t kMaxRenderItems = 200;
constexpr size_t kMaxImpressionsKept = 4096;  // the oldest go first (and any beyond the window)

enum class OpsEventType { kClick, kCart, kPurchase };
// "click", "cart" or "purchase"; anything else is an InvalidArgument naming the three.
StatusOr<OpsEventType> ParseOpsEventType(const std::string& name);

struct ExperimentArm {
  std::string experiment, variant;
};

struct Render {
  uint64_t render_id = 0;
  std::string slot, list, channel;
  int64_t time_s = 0;
  std::vector<ExperimentArm> arms;
  std::vector<std::string> items;
  std::vector<double> propensities;  // empty, or one per item (bandit action probabilities)
};

// What an event was attributed to (the reward path of a bandit reads the same record).
struct Touch {
  uint64_t render_id = 0;
  std::string slot, list, channel;
  int32_t position = 0;
  double propensity = 1;
  int64_t impression_time_s = 0;
  std::vector<ExperimentArm> arms;
};

struct CellKey {
  std::string experiment, variant, slot, channel;
  bool operator<(const CellKey& o) const {
    return std::tie(experiment, variant, slot, channel) < std::tie(o.experiment, o.variant, o.slot, o.channel);
  }
};

struct CellCounts {
  double users = 0, impressions = 0, clicks = 0, carts = 0, purchases = 0, revenue = 0;
};

using DayCells = std::map<CellKey, CellCounts>;

class Attributor {
 public:
  explicit Attributor(int64_t window_s = 86400) : window_s_(window_s) {}

  int64_t window_s() const { return window_s_; }
  void set_window_s(int64_t w) { window_s_ = w; }

  // Records the render's impressions (and the exposure of each arm's cell). INVALID_ARGUMENT
  // for an empty slot, too many items, or propensities that do not match the items.
  Status AddRender(const Render& render);

  // Attributes one event; nullopt when no impression in the window matches. INVALID_ARGUMENT for
  // a negative or non-finite amount (a purchase's amount is its revenue; other events ignore it).
  StatusOr<std::optional<Touch>> Observe(OpsEventType type, const std::string& item, double amount, int64_t time_s);

  // Days with counts, oldest first, and their cells; DropDaysBefore forgets reported days.
  std::vector<int64_t> days() const;
  const DayCells* cells(int64_t day) const;
  void DropDaysBefore(int64_t day);

  // State across page loads (JSON): impressions in the window and unreported days.
  std::string ToJson() const;
  static StatusOr<Attributor> FromJson(const std::string& json_text);

 private:
  struct Impression {
    uint64_t render_id;
    std::string item, slot, list, channel;
    int32_t position;
    double propensity;
    int64_t time_s;
    std::vector<ExperimentArm> arms;
    bool clicked = false, carted = false, purchased = false;
  };
  void Expire(int64_t now_s);

  int64_t window_s_;
  std::deque<Impression> impressions_;  // in render order
  std::map<int64_t, DayCells> days_;
};

inline int64_t UtcDay(int64_t time_s) { return time_s >= 0 ? time_s / 86400 : -((-time_s + 86399) / 86400); }

}  // namespace zhixuan

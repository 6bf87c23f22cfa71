// The device's slot bandits: for each slot of the config (slots_config.hpp) a Thompson-sampling
// policy chooses the arm of every render, logs the action's probability, and learns from the
// rewards attributed to the render.
//
// Choosing (one render): `samples` draws of every arm's expected reward from its posterior
// (arm_posterior.hpp; linear_arm.hpp for the linear model over slot_context.hpp's features);
// p_hat(a) = the share of draws a wins; the render's policy is
//   pi(a) = (1 - exploration) * p_hat(a) + exploration / K
// and the arm is drawn from pi. pi(a) is the exact probability of the choice given the draws
// (not an estimate of it), so every render's propensity is usable by off-policy estimators, and
// the exploration floor keeps every propensity >= exploration / K.
//
// Rewards (delay window): a render waits `delay_window_seconds`. A 0/1 slot (click, cart,
// purchase) takes the first matching event as reward 1 and closes; a revenue slot adds the
// purchase amounts (clamped at max_reward) until its window closes (a funnel slot also notes
// the click: a purchase implies one). A render whose window closes
// without a reward counts as 0 (weighted by the click model, click_model.hpp). One render, one
// update: a second click, or an event after the window, changes nothing (outcomes below).
//
// Bad input (never a half-updated posterior: every check precedes every change):
//   a non-finite or negative time, a NaN/infinite/negative amount      INVALID_ARGUMENT
//   a render id this bandit never made (or forgot: kMaxRecentRenders)   UNKNOWN_RENDER
//   a slot the config does not declare                                 UNKNOWN_SLOT
//   the clock going back (a device clock reset): time is clamped to the latest time seen, so
//     nothing re-opens and nothing closes early; a jump forward closes the windows it passes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zhixuan/base/status.hpp"
#include "zhixuan/ops/arm_posterior.hpp"
#include "zhixuan/ops/attribution.hpp"
#include "zhixuan/ops/linear_arm.hpp"
#include "zhixuan/ops/slot_context.hpp"
#include "zhixuan/ops/slot_random.hpp"
#include "zhixuan/ops/slots_config.hpp"

namespace zhixuan {

constexpr size_t kMaxPendingRenders = 10000;  // beyond it the oldest closes early (reward so far)
constexpr size_t kMaxRecentRenders = 10000;   // closed render ids remembered, to tell "late" from unknown

struct SlotChoice {
  std::string slot, arm_id, strategy, item;
  int arm = 0;
  double propensity = 1;
  uint64_t render_id = 0;
  std::vector<double> probabilities;  // pi over the slot's arms, in config order
};

enum class RewardOutcome {
  kApplied,    // the render's 0/1 reward: the posterior is updated, the render closed
  kAdded,      // a revenue slot's purchase: added, applied when the window closes
  kIgnored,    // not this slot's reward event (a click on a purchase slot)
  kDuplicate,  // the render already took its 0/1 reward
  kLate,       // the render's window had closed (it counted as what it had then)
  // (a closed render's slot is remembered, so an event of another type stays kIgnored)
};
const char* RewardOutcomeName(RewardOutcome outcome);

class SlotBandit {
 public:
  explicit SlotBandit(uint64_t seed = 1);

  // Parses the "bandits" member of an experiments file and swaps it in. The statistics of an
  // arm that keeps its slot, id and model carry over (the new priors apply to them); renders
  // waiting for a reward stay pending. On error nothing changes.
  Status Configure(std::string_view experiments_json);
  const SlotsConfig& config() const { return config_; }

  StatusOr<SlotChoice> Choose(std::string_view slot, const SlotContext& context, double now_s);
  StatusOr<RewardOutcome> Reward(uint64_t render_id, OpsEventType type, double amount, double now_s);
  // Closes every render whose window ended by now_s.
  Status Advance(double now_s);

  size_t pending() const { return pending_.size(); }
  double clock() const { return clock_; }

  // {"slots": [{"slot", "model", "reward", "renders", "arms": [{"id", "strategy", "item", "chosen",
  //   "cells": [{"cell", "n", "sum", "sumSq", "mean", "sd"}]   (beta / normal models)
  //   | "n", "theta": [...]}]}]}                                (linear: the ridge coefficients)
  // funnel: the cells' sums are the clicks' (n = examination weights, sum = clicks) and their
  // mean and sd the revenue per render's; the arm has "value": {"clicks", "purchases", "sum",
  // "sumSq", "mean", "sd"} (the purchases' amounts; mean and sd: the revenue per click).
  // The sums are what the server aggregates into the next priors (only these leave the device).
  std::string StatsJson() const;

  // The device's learning across page loads (slot_state.cpp), kept with the profile: statistics,
  // renders waiting in their window, recently closed render ids, the clock. RestoreState reads it
  // against the config in force (Configure the same file first): slots, arms and cells the config
  // no longer has are dropped, as Configure drops them. A damaged state (not this format, a
  // number that is not finite or is negative where a sum cannot be, a matrix of the wrong size,
  // too many renders) is MALFORMED_PAYLOAD and changes nothing.
  std::string StateJson() const;
  Status RestoreState(std::string_view state_json);

 private:
  struct Pending {
    std::string slot, arm_id, cell;
    Eigen::VectorXd features;  // the linear model's x
    int position = 0;
    double time_s = 0, reward = 0;
    bool clicked = false, purchased = false;  // funnel
  };
  struct SlotState {
    std::vector<std::map<std::string, ArmStats>> cells;  // per arm, per split cell (funnel: the clicks)
    std::vector<FunnelValue> value;                      // per arm: what the funnel's clicks were worth
    std::vector<LinearArmStats> linear;                  // per arm (linear model)
    std::vector<double> chosen;                          // renders per arm
    // Nothing learned yet, sized for the slot's arms (configure and restore both start here).
    static SlotState Empty(const SlotSpec& spec, int feature_dim);
  };

  StatusOr<double> Tick(double now_s);
  void Close(uint64_t render_id);
  void Remember(uint64_t render_id, const std::string& slot, bool rewarded);

  SlotsConfig config_;
  std::map<std::string, SlotState> state_;  // by slot name
  std::unordered_map<uint64_t, Pending> pending_;
  std::deque<uint64_t> pending_order_;  // by render time (the clock never goes back)
  struct Closed {
    std::string slot;
    bool rewarded = false;
  };
  std::unordered_map<uint64_t, Closed> recent_;
  std::deque<uint64_t> recent_order_;
  SlotRandom rng_, ids_;
  double clock_ = 0;
};

}  // namespace zhixuan

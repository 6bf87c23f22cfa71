#include "zhixuan/ops/slot_bandit.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "zhixuan/ops/click_model.hpp"

namespace zhixuan {
namespace {

bool Matches(RewardKind kind, OpsEventType type) {
  switch (kind) {
    case RewardKind::kClick: return type == OpsEventType::kClick;
    case RewardKind::kCart: return type == OpsEventType::kCart;
    case RewardKind::kPurchase:
    case RewardKind::kRevenue: return type == OpsEventType::kPurchase;
  }
  return false;
}

// The events a slot learns from: its reward's, and a funnel's clicks.
bool Takes(const SlotSpec& spec, OpsEventType type) {
  return Matches(spec.reward, type) || (spec.model == BanditModel::kFunnel && type == OpsEventType::kClick);
}

int ArmIndex(const SlotSpec& spec, const std::string& id) {
  for (size_t i = 0; i < spec.arms.size(); ++i) {
    if (spec.arms[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

const char* RewardOutcomeName(RewardOutcome o) {
  switch (o) {
    case RewardOutcome::kApplied: return "applied";
    case RewardOutcome::kAdded: return "added";
    case RewardOutcome::kIgnored: return "ignored";
    case RewardOutcome::kDuplicate: return "duplicate";
    case RewardOutcome::kLate: return "late";
  }
  return "ignored";
}

SlotBandit::SlotBandit(uint64_t seed) : rng_(seed), ids_(seed ^ 0x5bd1e9955bd1e995ULL) {}

SlotBandit::SlotState SlotBandit::SlotState::Empty(const SlotSpec& spec, int feature_dim) {
  SlotState s;
  s.cells.resize(spec.arms.size());
  s.value.resize(spec.arms.size());
  s.linear.resize(spec.arms.size());
  s.chosen.assign(spec.arms.size(), 0);
  for (auto& l : s.linear) l.Resize(feature_dim);
  return s;
}

Status SlotBandit::Configure(std::string_view experiments_json) {
  auto parsed = ParseSlotsConfig(experiments_json);
  if (!parsed.ok()) return parsed.status();
  const int dim = SlotFeatureDim(*parsed);
  std::map<std::string, SlotState> next;
  for (const SlotSpec& spec : parsed->slots) {
    SlotState& s = next[spec.slot] = SlotState::Empty(spec, dim);
    const SlotSpec* old_spec = config_.find(spec.slot);
    const auto old = state_.find(spec.slot);
    if (!old_spec || old == state_.end() || old_spec->model != spec.model) continue;
    const bool same_dim = SlotFeatureDim(config_) == dim;
    for (size_t a = 0; a < spec.arms.size(); ++a) {
      const int o = ArmIndex(*old_spec, spec.arms[a].id);
      if (o < 0) continue;
      s.cells[a] = old->second.cells[o];
      s.value[a] = old->second.value[o];
      s.chosen[a] = old->second.chosen[o];
      if (same_dim) s.linear[a] = old->second.linear[o];
    }
  }
  config_ = std::move(*parsed);
  state_ = std::move(next);
  return Status::Ok();
}

StatusOr<double> SlotBandit::Tick(double now_s) {
  if (!std::isfinite(now_s) || now_s < 0) return InvalidArgument("time must be a finite number of seconds >= 0");
  clock_ = std::max(clock_, now_s);  // a clock going back is clamped (see the header)
  while (!pending_order_.empty()) {
    const auto it = pending_.find(pending_order_.front());
    if (it == pending_.end()) {  // closed early by its reward
      pending_order_.pop_front();
      continue;
    }
    const SlotSpec* spec = config_.find(it->second.slot);
    const double window = spec ? static_cast<double>(spec->delay_window_s) : 0;
    if (it->second.time_s + window > clock_) break;
    pending_order_.pop_front();
    Close(it->first);
  }
  return clock_;
}

Status SlotBandit::Advance(double now_s) { return Tick(now_s).status(); }

void SlotBandit::Close(uint64_t render_id) {
  const auto it = pending_.find(render_id);
  if (it == pending_.end()) return;
  const Pending p = std::move(it->second);
  pending_.erase(it);
  Remember(render_id, p.slot, p.reward > 0 || p.clicked);
  const SlotSpec* spec = config_.find(p.slot);
  if (!spec) return;  // the slot left the config: its renders teach nothing
  const int arm = ArmIndex(*spec, p.arm_id);
  if (arm < 0) return;
  SlotState& s = state_[p.slot];
  if (spec->model == BanditModel::kFunnel) {
    // The click under the click model (a 0/1 reward), and what the click was worth.
    const double theta = spec->Examination(p.position);
    s.cells[arm][p.cell].Add(p.clicked ? 1 / theta : 0, theta);
    if (p.clicked) s.value[arm].conversion.Add(p.purchased ? 1 : 0, 1);
    if (p.purchased) s.value[arm].amount.Add(p.reward, 1);
    return;
  }
  const WeightedReward r = ExaminationWeighted(*spec, p.position, p.reward);
  if (spec->model == BanditModel::kLinear) {
    if (p.features.size() == s.linear[arm].xtr.size()) s.linear[arm].Add(p.features, r.reward, r.weight);
  } else {
    s.cells[arm][p.cell].Add(ModelReward(spec->model, r.reward), r.weight);
  }
}

void SlotBandit::Remember(uint64_t render_id, const std::string& slot, bool rewarded) {
  recent_[render_id] = {slot, rewarded};
  recent_order_.push_back(render_id);
  while (recent_order_.size() > kMaxRecentRenders) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

StatusOr<SlotChoice> SlotBandit::Choose(std::string_view slot, const SlotContext& context, double now_s) {
  const SlotSpec* spec = config_.find(slot);
  if (!spec) return Status(StatusCode::kUnknownSlot, "no bandit slot '" + std::string(slot) + "' in the experiments file");
  ZX_RETURN_IF_ERROR(CheckSlotContext(*spec, context));
  auto now = Tick(now_s);
  if (!now.ok()) return now.status();
  SlotState& s = state_[spec->slot];
  const size_t k = spec->arms.size();
  const std::string cell = SlotCell(*spec, context);

  // The draws: a one-dimensional score per arm and sample (linear_arm.hpp, arm_posterior.hpp).
  std::vector<LinearScore> linear(k);
  std::vector<Eigen::VectorXd> features;
  if (spec->model == BanditModel::kLinear) {
    for (size_t a = 0; a < k; ++a) {
      features.push_back(SlotFeatures(config_, context, context.arm_scores.empty() ? context.score : context.arm_scores[a]));
      linear[a] = ScoreLinearArm(spec->arms[a].prior, s.linear[a], features.back());
    }
  }
  std::vector<const ArmStats*> stats(k);
  static const ArmStats kEmpty;
  const bool funnel = spec->model == BanditModel::kFunnel;
  const std::vector<FunnelValue> values = funnel ? PooledFunnelValues(*spec, s.value) : std::vector<FunnelValue>();
  for (size_t a = 0; a < k && spec->model != BanditModel::kLinear; ++a) {
    const auto it = s.cells[a].find(cell);
    stats[a] = it == s.cells[a].end() ? &kEmpty : &it->second;
  }
  std::vector<double> wins(k, 0);
  for (int draw = 0; draw < spec->samples; ++draw) {
    size_t best = 0;
    double best_score = -INFINITY;
    for (size_t a = 0; a < k; ++a) {
      const BanditArm& arm = spec->arms[a];
      const double score = spec->model == BanditModel::kLinear ? linear[a].mean + linear[a].sd * rng_.Normal()
                           : funnel ? SampleFunnel(arm.PriorFor(cell), *stats[a], arm.prior, values[a], rng_)
                                    : SamplePosterior(spec->model, arm.PriorFor(cell), *stats[a], rng_);
      if (score > best_score) best_score = score, best = a;
    }
    wins[best] += 1;
  }
  SlotChoice choice;
  choice.slot = spec->slot;
  choice.probabilities.resize(k);
  for (size_t a = 0; a < k; ++a)
    choice.probabilities[a] = (1 - spec->exploration) * wins[a] / spec->samples + spec->exploration / static_cast<double>(k);
  double u = rng_.Uniform(), acc = 0;
  choice.arm = static_cast<int>(k - 1);
  for (size_t a = 0; a < k; ++a) {
    acc += choice.probabilities[a];
    if (u < acc && choice.probabilities[a] > 0) {
      choice.arm = static_cast<int>(a);
      break;
    }
  }
  while (choice.probabilities[choice.arm] <= 0) --choice.arm;  // rounding left u past the sum
  const BanditArm& arm = spec->arms[choice.arm];
  choice.arm_id = arm.id;
  choice.strategy = arm.strategy;
  choice.item = arm.item;
  choice.propensity = choice.probabilities[choice.arm];
  do {
    choice.render_id = ids_.Next() >> 11;  // 53 bits: exact as a JS number too
  } while (choice.render_id == 0 || pending_.count(choice.render_id) || recent_.count(choice.render_id));

  Pending p;
  p.slot = spec->slot;
  p.arm_id = arm.id;
  p.cell = cell;
  if (spec->model == BanditModel::kLinear) p.features = features[choice.arm];
  p.position = context.position;
  p.time_s = *now;
  pending_[choice.render_id] = std::move(p);
  pending_order_.push_back(choice.render_id);
  s.chosen[choice.arm] += 1;
  while (pending_.size() > kMaxPendingRenders) {
    const uint64_t oldest = pending_order_.front();
    pending_order_.pop_front();
    Close(oldest);
  }
  return choice;
}

StatusOr<RewardOutcome> SlotBandit::Reward(uint64_t render_id, OpsEventType type, double amount, double now_s) {
  if (!std::isfinite(amount) || amount < 0) return InvalidArgument("a reward's amount must be a finite number >= 0");
  if (!std::isfinite(now_s) || now_s < 0) return InvalidArgument("time must be a finite number of seconds >= 0");
  if (!pending_.count(render_id) && !recent_.count(render_id))
    return Status(StatusCode::kUnknownRender, "render " + std::to_string(render_id) + " was not made by this device's bandits (or is long closed)");
  auto now = Tick(now_s);
  if (!now.ok()) return now.status();
  const auto it = pending_.find(render_id);
  if (it == pending_.end()) {
    const auto closed = recent_.find(render_id);
    const SlotSpec* spec = closed == recent_.end() ? nullptr : config_.find(closed->second.slot);
    if (spec && !Takes(*spec, type)) return RewardOutcome::kIgnored;
    return closed != recent_.end() && closed->second.rewarded && spec && spec->binary() ? RewardOutcome::kDuplicate : RewardOutcome::kLate;
  }
  const SlotSpec* spec = config_.find(it->second.slot);
  if (!spec || !Takes(*spec, type)) return RewardOutcome::kIgnored;
  if (spec->model == BanditModel::kFunnel) {
    it->second.clicked = true;  // a purchase implies the click
    it->second.purchased = it->second.purchased || type == OpsEventType::kPurchase;
  }
  if (type == OpsEventType::kClick && !Matches(spec->reward, type)) return RewardOutcome::kAdded;
  if (spec->binary()) {
    it->second.reward = 1;
    Close(render_id);
    return RewardOutcome::kApplied;
  }
  it->second.reward = std::min(spec->max_reward, it->second.reward + amount);
  return RewardOutcome::kAdded;
}

std::string SlotBandit::StatsJson() const {
  nlohmann::json slots = nlohmann::json::array();
  for (const SlotSpec& spec : config_.slots) {
    const SlotState& s = state_.at(spec.slot);
    nlohmann::json arms = nlohmann::json::array();
    double renders = 0;
    for (size_t a = 0; a < spec.arms.size(); ++a) {
      const BanditArm& arm = spec.arms[a];
      renders += s.chosen[a];
      nlohmann::json out = {{"id", arm.id}, {"strategy", arm.strategy}, {"item", arm.item}, {"chosen", s.chosen[a]}};
      if (spec.model == BanditModel::kLinear) {
        Eigen::MatrixXd m = s.linear[a].xtx;
        m.diagonal().array() += arm.prior.lambda;
        const Eigen::VectorXd theta = m.llt().solve(s.linear[a].xtr);
        out["n"] = s.linear[a].n;
        out["theta"] = std::vector<double>(theta.data(), theta.data() + theta.size());
      } else {
        nlohmann::json cells = nlohmann::json::array();
        const bool funnel = spec.model == BanditModel::kFunnel;
        const std::vector<FunnelValue> values = funnel ? PooledFunnelValues(spec, s.value) : std::vector<FunnelValue>();
        const auto summary = [&](const ArmPrior& prior, const ArmStats& st) {
          return funnel ? SummarizeFunnel(prior, st, arm.prior, values[a]) : SummarizePosterior(spec.model, prior, st);
        };
        for (const auto& [cell, st] : s.cells[a]) {
          const PosteriorSummary q = summary(arm.PriorFor(cell), st);
          cells.push_back({{"cell", cell}, {"n", st.n}, {"sum", st.sum}, {"sumSq", st.sum_sq}, {"mean", q.mean}, {"sd", q.sd}});
        }
        if (cells.empty()) {
          const PosteriorSummary q = summary(arm.prior, ArmStats{});
          cells.push_back({{"cell", ""}, {"n", 0}, {"sum", 0}, {"sumSq", 0}, {"mean", q.mean}, {"sd", q.sd}});
        }
        out["cells"] = cells;
        if (funnel) {
          const FunnelValue& v = values[a];
          const PosteriorSummary q = SummarizeFunnelValue(arm.prior, v);
          out["value"] = {{"clicks", v.conversion.n}, {"purchases", v.conversion.sum}, {"sum", v.amount.sum},
                          {"sumSq", v.amount.sum_sq}, {"mean", q.mean}, {"sd", q.sd}};
        }
      }
      arms.push_back(out);
    }
    slots.push_back({{"slot", spec.slot}, {"model", BanditModelName(spec.model)}, {"reward", RewardKindName(spec.reward)},
                     {"renders", renders}, {"arms", arms}});
  }
  return nlohmann::json({{"slots", slots}, {"pending", pending_.size()}}).dump();
}

}  // namespace zhixuan

#include "zhixuan/ops/off_policy.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "zhixuan/base/csv.hpp"
#include "zhixuan/ops/slot_random.hpp"

namespace zhixuan {
namespace {

constexpr size_t kMaxLoggedRenders = 10'000'000;

Status BadData(const std::string& what) { return {StatusCode::kMalformedData, what}; }

StatusOr<ActionDistribution> ParseDistribution(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || j.empty()) return BadData("policy: " + where + " must be an object of action probabilities");
  ActionDistribution d;
  double sum = 0;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_number() || !std::isfinite(it.value().get<double>()) || it.value().get<double>() < 0)
      return BadData("policy: " + where + "." + it.key() + " must be a probability >= 0");
    d[it.key()] = it.value().get<double>();
    sum += it.value().get<double>();
  }
  if (std::abs(sum - 1) > 1e-6) return BadData("policy: " + where + " sums to " + std::to_string(sum) + ", not 1");
  return d;
}

// The renders' indices into the shared tables, computed once.
struct Indexed {
  std::vector<int> cell, group, slot, context;  // per render
  std::vector<double> target;                    // pi(logged action | x)
  std::vector<bool> replay_match;
  // per (slot, context): the target's actions as (cell, group, probability)
  std::vector<std::vector<std::tuple<int, int, double>>> actions;
  int cells = 0, groups = 0, slots = 0;
};

struct Sums {
  std::vector<double> cell_n, cell_r, group_n, group_r, slot_n, slot_r;
};

struct Point {
  double logged = 0, replay = 0, ipw = 0, snipw = 0, dr = 0;
  size_t matches = 0;
};

Point Estimate(const std::vector<LoggedRender>& logs, const Indexed& ix, const std::vector<size_t>& members,
               const std::vector<double>& weight, Sums& s) {
  for (auto* v : {&s.cell_n, &s.cell_r}) v->assign(ix.cells, 0);
  for (auto* v : {&s.group_n, &s.group_r}) v->assign(ix.groups, 0);
  for (auto* v : {&s.slot_n, &s.slot_r}) v->assign(ix.slots, 0);
  double n = 0, reward = 0, replay_n = 0, replay_r = 0, ipw = 0, w_sum = 0;
  for (size_t k = 0; k < members.size(); ++k) {
    const double m = weight[k];
    if (m == 0) continue;
    const size_t i = members[k];
    const double r = logs[i].reward, w = ix.target[i] / logs[i].propensity;
    n += m;
    reward += m * r;
    if (ix.replay_match[i]) replay_n += m, replay_r += m * r;
    ipw += m * w * r;
    w_sum += m * w;
    s.cell_n[ix.cell[i]] += m, s.cell_r[ix.cell[i]] += m * r;
    s.group_n[ix.group[i]] += m, s.group_r[ix.group[i]] += m * r;
    s.slot_n[ix.slot[i]] += m, s.slot_r[ix.slot[i]] += m * r;
  }
  auto q = [&](int cell, int group, int slot) {
    const double slot_mean = s.slot_n[slot] > 0 ? s.slot_r[slot] / s.slot_n[slot] : 0;
    const double group_mean = (s.group_r[group] + slot_mean) / (s.group_n[group] + 1);
    return (s.cell_r[cell] + group_mean) / (s.cell_n[cell] + 1);
  };
  double dr = 0;
  for (size_t k = 0; k < members.size(); ++k) {
    const double m = weight[k];
    if (m == 0) continue;
    const size_t i = members[k];
    double direct = 0;
    for (const auto& [cell, group, p] : ix.actions[ix.context[i]]) direct += p * q(cell, group, ix.slot[i]);
    const double w = ix.target[i] / logs[i].propensity;
    dr += m * (direct + w * (logs[i].reward - q(ix.cell[i], ix.group[i], ix.slot[i])));
  }
  Point p;
  p.logged = n > 0 ? reward / n : 0;
  p.replay = replay_n > 0 ? replay_r / replay_n : 0;
  p.matches = static_cast<size_t>(replay_n);
  p.ipw = n > 0 ? ipw / n : 0;
  p.snipw = w_sum > 0 ? ipw / w_sum : 0;
  p.dr = n > 0 ? dr / n : 0;
  return p;
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double at = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(at));
  const size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (at - lo) * (v[hi] - v[lo]);
}

OpeResult Evaluate(const std::string& name, const std::vector<LoggedRender>& logs, const Indexed& ix,
                   const std::vector<size_t>& members, const OpeOptions& options, SlotRandom& rng) {
  Sums sums;
  const Point point = Estimate(logs, ix, members, std::vector<double>(members.size(), 1.0), sums);
  OpeResult out;
  out.slot = name;
  out.renders = members.size();
  out.replay_matches = point.matches;
  out.logged = point.logged;
  out.replay = {point.replay, point.replay, point.replay};
  out.ipw = {point.ipw, point.ipw, point.ipw};
  out.snipw = {point.snipw, point.snipw, point.snipw};
  out.dr = {point.dr, point.dr, point.dr};
  if (options.bootstrap <= 0) return out;
  std::vector<double> replay, ipw, snipw, dr, weight(members.size());
  for (int b = 0; b < options.bootstrap; ++b) {
    std::fill(weight.begin(), weight.end(), 0.0);
    for (size_t k = 0; k < members.size(); ++k) weight[static_cast<size_t>(rng.Uniform() * members.size())] += 1;
    const Point p = Estimate(logs, ix, members, weight, sums);
    replay.push_back(p.replay), ipw.push_back(p.ipw), snipw.push_back(p.snipw), dr.push_back(p.dr);
  }
  const double tail = (1 - options.level) / 2;
  auto interval = [&](OpeEstimate& e, const std::vector<double>& v) { e.lo = Quantile(v, tail), e.hi = Quantile(v, 1 - tail); };
  interval(out.replay, replay), interval(out.ipw, ipw), interval(out.snipw, snipw), interval(out.dr, dr);
  return out;
}

}  // namespace

StatusOr<TargetPolicy> TargetPolicy::FromJson(std::string_view text) {
  const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("slots") || !j["slots"].is_object())
    return BadData("policy: must be a JSON object with a 'slots' object");
  TargetPolicy policy;
  for (auto it = j["slots"].begin(); it != j["slots"].end(); ++it) {
    const auto& s = it.value();
    if (!s.is_object()) return BadData("policy: slots." + it.key() + " must be an object");
    SlotPolicy& sp = policy.slots_[it.key()];
    for (auto m = s.begin(); m != s.end(); ++m) {
      if (m.key() != "default" && m.key() != "contexts") return BadData("policy: slots." + it.key() + ": unknown key '" + m.key() + "'");
    }
    if (s.contains("default")) {
      auto d = ParseDistribution(s["default"], "slots." + it.key() + ".default");
      if (!d.ok()) return d.status();
      sp.fallback = std::move(*d);
      sp.has_default = true;
    }
    if (s.contains("contexts")) {
      if (!s["contexts"].is_object()) return BadData("policy: slots." + it.key() + ".contexts must be an object");
      for (auto c = s["contexts"].begin(); c != s["contexts"].end(); ++c) {
        auto d = ParseDistribution(c.value(), "slots." + it.key() + ".contexts." + c.key());
        if (!d.ok()) return d.status();
        sp.contexts[c.key()] = std::move(*d);
      }
    }
  }
  return policy;
}

const ActionDistribution* TargetPolicy::Find(const std::string& slot, const std::string& context) const {
  for (const std::string& name : {slot, std::string("*")}) {
    const auto it = slots_.find(name);
    if (it == slots_.end()) continue;
    const auto c = it->second.contexts.find(context);
    if (c != it->second.contexts.end()) return &c->second;
    if (it->second.has_default) return &it->second.fallback;
  }
  return nullptr;
}

StatusOr<std::vector<LoggedRender>> ParseLoggedRenders(const std::string& text) {
  CsvLines lines(text);
  std::string line, error;
  std::vector<std::string> fields;
  if (!lines.Next(&line) || !SplitCsvLine(line, &fields, &error)) return BadData("logs: no header line");
  int slot = -1, context = -1, action = -1, reward = -1, propensity = -1;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string f = TrimBlanks(fields[i]);
    int* column = f == "slot" ? &slot : f == "context" ? &context : f == "action" ? &action : f == "reward" ? &reward
                : f == "propensity" ? &propensity : nullptr;
    if (column) *column = static_cast<int>(i);
  }
  if (slot < 0 || action < 0 || reward < 0 || propensity < 0)
    return BadData("logs: the header needs slot, action, reward and propensity (context is optional)");
  const int needed = std::max({slot, context, action, reward, propensity});
  std::vector<LoggedRender> logs;
  while (lines.Next(&line)) {
    if (TrimBlanks(line).empty()) continue;
    const std::string where = "logs line " + std::to_string(lines.line_number()) + ": ";
    if (!SplitCsvLine(line, &fields, &error)) return BadData(where + error);
    if (static_cast<int>(fields.size()) <= needed) return BadData(where + "too few fields");
    if (logs.size() >= kMaxLoggedRenders) return Status(StatusCode::kTooLarge, "logs: more than 10 million renders");
    LoggedRender r;
    r.slot = TrimBlanks(fields[slot]);
    r.action = TrimBlanks(fields[action]);
    if (context >= 0) r.context = TrimBlanks(fields[context]);
    if (r.slot.empty() || r.action.empty()) return BadData(where + "empty slot or action");
    if (!ParseCsvNumber(fields[reward], &r.reward) || !std::isfinite(r.reward)) return BadData(where + "reward must be a finite number");
    if (!ParseCsvNumber(fields[propensity], &r.propensity) || !(r.propensity > 0) || r.propensity > 1)
      return BadData(where + "propensity must be in (0, 1]");
    logs.push_back(std::move(r));
  }
  return logs;
}

StatusOr<std::vector<OpeResult>> EvaluateOffPolicy(const std::vector<LoggedRender>& logs, const TargetPolicy& policy,
                                                   const OpeOptions& options) {
  if (logs.empty()) return InvalidArgument("no logged renders");
  if (options.bootstrap < 0 || options.bootstrap > 100000 || !(options.level > 0 && options.level < 1))
    return InvalidArgument("bootstrap must be 0..100000 and level in (0, 1)");
  Indexed ix;
  std::unordered_map<std::string, int> cells, groups, slots, contexts;
  auto id = [](std::unordered_map<std::string, int>& table, const std::string& key) {
    return table.emplace(key, static_cast<int>(table.size())).first->second;
  };
  const std::string sep(1, '\x1f');
  SlotRandom replay_rng(options.seed ^ 0xa5a5a5a5ULL);
  std::map<std::string, std::vector<size_t>> by_slot;
  for (size_t i = 0; i < logs.size(); ++i) {
    const LoggedRender& r = logs[i];
    const ActionDistribution* d = policy.Find(r.slot, r.context);
    if (!d) return Status(StatusCode::kUnknownSlot, "the policy has no distribution for slot '" + r.slot + "'");
    const int slot = id(slots, r.slot);
    const std::string context_key = r.slot + sep + r.context;
    const size_t before = contexts.size();
    const int context = id(contexts, context_key);
    if (contexts.size() > before) {
      ix.actions.emplace_back();
      for (const auto& [action, p] : *d) {
        if (p > 0) ix.actions.back().emplace_back(id(cells, context_key + sep + action), id(groups, r.slot + sep + action), p);
      }
    }
    ix.cell.push_back(id(cells, context_key + sep + r.action));
    ix.group.push_back(id(groups, r.slot + sep + r.action));
    ix.slot.push_back(slot);
    ix.context.push_back(context);
    const auto p = d->find(r.action);
    ix.target.push_back(p == d->end() ? 0.0 : p->second);
    // Replay: the target's own draw for this render.
    double u = replay_rng.Uniform(), acc = 0;
    std::string drawn = d->rbegin()->first;
    for (const auto& [action, prob] : *d) {
      acc += prob;
      if (u < acc) {
        drawn = action;
        break;
      }
    }
    ix.replay_match.push_back(drawn == r.action);
    by_slot[r.slot].push_back(i);
  }
  ix.cells = static_cast<int>(cells.size());
  ix.groups = static_cast<int>(groups.size());
  ix.slots = static_cast<int>(slots.size());
  SlotRandom rng(options.seed);
  std::vector<OpeResult> results;
  for (const auto& [slot, members] : by_slot) results.push_back(Evaluate(slot, logs, ix, members, options, rng));
  std::vector<size_t> all(logs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  results.push_back(Evaluate("*", logs, ix, all, options, rng));
  return results;
}

}  // namespace zhixuan

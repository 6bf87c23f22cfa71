#include "zhixuan/train/ease_reference.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "zhixuan/train/ease.hpp"

namespace zhixuan {
namespace {

constexpr int kProbeRank = 256;
constexpr int kRankings = 12;  // 6 decades + 3 x 2 refinements

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double Rank(const EvalSplit& cut) { return std::min(cut.train.by_user.rows, cut.train.by_user.cols); }

std::string Seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", s);
  return text;
}

}  // namespace

EaseReference TuneEaseReference(const std::vector<const EvalSplit*>& cuts, const EaseReferenceOptions& options) {
  EaseReference out;
  const auto start = std::chrono::steady_clock::now();
  const double budget = options.budget_seconds;
  if (cuts.empty() || budget <= 0) {
    out.note = cuts.empty() ? "no validation cut" : "its budget is 0";
    return out;
  }
  // The first path, predicted by the probe.
  const double r1 = Rank(*cuts[0]);
  const double probe = EaseLambdaPath::ProbeSeconds(kProbeRank);
  // Doubled: the cube of the probe's time underestimates large matrices 1.6-1.9x here (they
  // leave the cache; measured at r = 1,600 and 2,609).
  out.first_path_predicted = 2 * probe * std::pow(std::max(1.0, r1 / kProbeRank), 3.0);
  if (Since(start) + out.first_path_predicted > budget) {
    out.note = "its first eigendecomposition (" + std::to_string(static_cast<int>(r1)) + " x " +
               std::to_string(static_cast<int>(r1)) + ") is predicted at " + Seconds(out.first_path_predicted) +
               ", over its budget of " + Seconds(budget);
    out.seconds = Since(start);
    return out;
  }
  std::vector<EaseLambdaPath> paths;
  const auto first = std::chrono::steady_clock::now();
  auto path = EaseLambdaPath::Create(*cuts[0]);
  if (!path.ok()) {
    out.note = path.status().message();
    out.seconds = Since(start);
    return out;
  }
  paths.push_back(std::move(path).value());
  out.first_path_seconds = Since(first);
  // One ranking on the first cut gives the ranking time; then as many cuts as fit.
  const auto rank_start = std::chrono::steady_clock::now();
  auto probe_rank = paths[0].Rank(100.0, options.top_k, options.threads);
  if (!probe_rank.ok()) {
    out.note = probe_rank.status().message();
    out.seconds = Since(start);
    return out;
  }
  const double rank1 = Since(rank_start);
  auto per_cut = [&](size_t c) {
    const double scale = std::pow(Rank(*cuts[c]) / std::max(1.0, r1), 3.0);
    return out.first_path_seconds * scale + kRankings * rank1;
  };
  double planned = (kRankings - 1) * rank1;  // the first cut's remaining rankings
  while (paths.size() < cuts.size() && Since(start) + planned + per_cut(paths.size()) <= budget) {
    auto more = EaseLambdaPath::Create(*cuts[paths.size()]);
    if (!more.ok()) break;
    paths.push_back(std::move(more).value());
    planned += kRankings * rank1;
  }
  out.cuts = static_cast<int>(paths.size());

  // Lambda by the mean NDCG@100 over the cuts held: decades, then halved steps around the best.
  const double per_ranking = rank1 * static_cast<double>(paths.size());
  auto score = [&](double lambda) -> StatusOr<Metrics> {
    Metrics mean;
    for (size_t c = 0; c < paths.size(); ++c) {
      auto ranked = paths[c].Rank(lambda, options.top_k, options.threads);
      if (!ranked.ok()) return ranked.status();
      auto m = Evaluate(*ranked, cuts[c]->target);
      if (!m.ok()) return m.status();
      mean.recall20 += m->recall20 / paths.size();
      mean.recall50 += m->recall50 / paths.size();
      mean.ndcg100 += m->ndcg100 / paths.size();
      mean.users += m->users;
    }
    return mean;
  };
  double best_exponent = 0;
  out.metrics.ndcg100 = -1;
  auto consider = [&](double exponent) -> bool {  // false: out of time or failed
    if (out.rankings > 0 && Since(start) + per_ranking > budget) {
      out.note = "lambda's search stopped after " + std::to_string(out.rankings) + " values (its budget of " +
                 Seconds(budget) + ")";
      return false;
    }
    auto m = score(std::pow(10.0, exponent));
    if (!m.ok()) {
      out.note = m.status().message();
      return false;
    }
    ++out.rankings;
    if (m->ndcg100 > out.metrics.ndcg100 + 1e-12) out.metrics = *m, best_exponent = exponent;
    return true;
  };
  bool going = true;
  for (int e = 0; e <= 5 && going; ++e) going = consider(e);
  for (double step : {0.5, 0.25, 0.125}) {
    const double centre = best_exponent;
    for (double e : {centre - step, centre + step})
      if (going) going = consider(e);
  }
  out.scored = out.rankings > 0;
  out.lambda = std::pow(10.0, best_exponent);
  out.seconds = Since(start);
  return out;
}

}  // namespace zhixuan

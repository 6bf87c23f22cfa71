#include "tuning.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "io.hpp"
#include "training_options.hpp"

namespace zhixuan::cli {
namespace {

std::string Short(const TrainParams& p) {
  char text[160];
  std::snprintf(text, sizeof text, "d=%d w0=%.3g reg=%.3g item_reg=%.3g nu=%.2f alpha=%.3g", p.dim,
                p.foldin.unobserved_weight, p.foldin.reg, p.item_reg >= 0 ? p.item_reg : p.foldin.reg,
                p.foldin.reg_exponent, p.foldin.alpha);
  return text;
}

void PrintRow(const char* name, const Metrics& m, const char* note) {
  std::printf("| %-36s | %9.4f | %9.4f | %8.4f | %s\n", name, m.recall20, m.recall50, m.ndcg100, note);
}

}  // namespace

StatusOr<double> ParseBudget(const std::string& text, const std::string& option) {
  auto bad = [&] {
    return InvalidArgument(option + " must be a duration >= 0 such as 60s, 90 or 2m, got '" + text + "'");
  };
  if (text.empty()) return bad();
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(v) || v < 0) return bad();
  const std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "m") return v * 60;
  return bad();
}

StatusOr<TuneOptions> ReadTuneOptions(const Args& args) {
  TuneOptions o;
  if (args.Has("budget")) {
    auto budget = ParseBudget(args.String("budget"));
    if (!budget.ok()) return budget.status();
    o.budget_seconds = *budget;
  }
  if (args.Has("ease-budget")) {
    auto budget = ParseBudget(args.String("ease-budget"), "--ease-budget");
    if (!budget.ok()) return budget.status();
    o.ease_budget_seconds = *budget;
  }
  auto trials = args.Int("trials", 0, 0, 1000000);
  if (!trials.ok()) return trials.status();
  o.max_trials = *trials;
  auto max_dim = args.Int("max-dim", o.max_dim, 32, 1024);
  if (!max_dim.ok()) return max_dim.status();
  o.max_dim = *max_dim;
  return o;
}

StatusOr<TuneResult> TuneWithProgress(const InteractionTable& table, const TrainParams& defaults, TuneOptions options) {
  const bool terminal = StderrIsTerminal();
  options.on_progress = [terminal](const TuneProgress& p) {
    if (terminal) {  // one redrawn line: the budget as the bar
      constexpr int kWidth = 24;
      const int filled = p.budget > 0 ? static_cast<int>(std::min(1.0, p.elapsed / p.budget) * kWidth) : kWidth;
      std::string bar(static_cast<size_t>(filled), '#');
      bar.resize(kWidth, '.');
      char best[32] = "-";
      if (p.best_score >= 0) std::snprintf(best, sizeof best, "%.4f", p.best_score);
      std::fprintf(stderr, "\rtuning [%s] %.0f/%.0fs  run %d cut %d %s epoch %d/%d  best NDCG@100 %s\033[K",
                   bar.c_str(), p.elapsed, p.budget, p.run, p.cut, Short(*p.params).c_str(), p.epoch, p.epochs, best);
      std::fflush(stderr);
    } else if (p.finished) {  // a log: one line per run
      std::fprintf(stderr, "tune run %d (%.0f/%.0fs): candidate %d cut %d %s: NDCG@100 %.4f at %d epochs; best %.4f\n",
                   p.run, p.elapsed, p.budget, p.candidate, p.cut, Short(*p.params).c_str(), p.ndcg100, p.best_epochs,
                   p.best_score);
    }
  };
  auto result = TuneImplicitAls(table, defaults, options);
  if (terminal && options.budget_seconds > 0) std::fprintf(stderr, "\n");
  return result;
}

void PrintTuneSummary(const TuneResult& r, const TuneOptions& o) {
  if (!r.searched) {
    char why[160] = "";
    if (o.budget_seconds > 0)
      std::snprintf(why, sizeof why, "; %.2f s of probes predicted the final training alone at %.1f s", r.probe_seconds,
                    r.final_seconds_predicted);
    std::printf("tune: no search (budget %gs%s): the defaults are kept\n", o.budget_seconds, why);
    return;
  }
  std::printf("tune: %d runs over %d candidates in %.1f s (budget %gs%s, stopped by %s, seed %u)\n", r.runs,
              r.candidates, r.seconds, o.budget_seconds,
              o.max_trials > 0 ? (", at most " + std::to_string(o.max_trials) + " runs").c_str() : "",
              r.stopped_by.c_str(), o.seed);
  std::printf("tune: the budget holds the search (%.2f s of probes, then runs predicted from the pace so far) and the "
              "final training, predicted at %.1f s\n",
              r.probe_seconds, r.final_seconds_predicted);
  if (r.retry_dim > 0 && r.retry_cuts > 0)
    std::printf("tune: last step, the winner at dim %d on %d cut(s): NDCG@100 %.4f, %s\n", r.retry_dim, r.retry_cuts,
                r.retry_validation.ndcg100, r.retry_note.c_str());
  else if (!r.retry_note.empty())
    std::printf("tune: last step (the winner at the next dim up) not run: %s\n", r.retry_note.c_str());
  std::printf("tune: chosen %s\n", DescribeParams(r.best).c_str());
  std::printf("\nvalidation: %d cut(s) of the training file, %d held-out users in all (device fold-in)\n", r.cuts_used,
              r.validation_users);
  std::printf("| %-36s | %9s | %9s | %8s |\n", "model", "Recall@20", "Recall@50", "NDCG@100");
  PrintRow("iALS tuned (shipped)", r.validation, "");
  if (r.ease_scored) {
    char name[64];
    std::snprintf(name, sizeof name, "EASE lambda=%.3g (tuned)", r.ease_lambda);
    char note[200];
    std::snprintf(note, sizeof note, "(%d cut(s), %.1f s of its %.0f s budget; first eigendecomposition %.1f s, predicted %.1f s)",
                  r.ease_cuts, r.ease_seconds, r.ease_budget_seconds, r.ease_path_seconds, r.ease_path_predicted);
    if (r.ease_cuts < r.cuts_used) {
      char mine[64];
      std::snprintf(mine, sizeof mine, "iALS tuned, on EASE's %d cut(s)", r.ease_cuts);
      PrintRow(mine, r.validation_on_ease_cuts, "");
    }
    PrintRow(name, r.ease, note);
    if (!r.ease_note.empty()) std::printf("EASE reference: %s\n", r.ease_note.c_str());
  } else {
    std::printf("EASE reference skipped: %s\n", r.ease_note.c_str());
  }
  if (r.defaults_scored) {
    PrintRow("iALS defaults, cut 1 only", r.defaults_cut1, "");
    PrintRow("iALS tuned, cut 1 only", r.best_cut1, "");
  }
  if (r.ease_scored)
    std::printf("tune: the shipped model is %s EASE on validation (NDCG@100 %+.4f)\n",
                r.validation_on_ease_cuts.ndcg100 >= r.ease.ndcg100 ? "ahead of" : "BEHIND",
                r.validation_on_ease_cuts.ndcg100 - r.ease.ndcg100);
}

}  // namespace zhixuan::cli

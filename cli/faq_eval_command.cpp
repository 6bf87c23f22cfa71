// zhixuan faq-eval: the FAQ assistant on held-out questions beside BM25 over character
// unigrams + bigrams on the same data. Reports top-1 accuracy, MRR@10 and recall@5 on the
// answerable questions, and accuracy with abstention on all (an unanswerable question is
// right only when handed over). --tune chooses the matcher's weights, its confidence
// calibration and the threshold on the tuning split and prints them for
// core/src/assist/tuned_defaults.cpp; the report itself uses only the split asked for.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "command.hpp"
#include "io.hpp"
#include "zhixuan/assist/assistant.hpp"
#include "zhixuan/base/json_reader.hpp"

namespace zhixuan::cli {
namespace {

struct LabeledQuestion {
  std::string text;
  std::string expect;  // "" when the base has no answer
  std::string course;
  std::string split;
};

StatusOr<std::vector<LabeledQuestion>> ReadQuestions(const std::string& path, const FaqBase& faq) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  JsonDocument doc;
  std::string error;
  if (!doc.Parse(*text, &error)) return Status(StatusCode::kMalformedData, path + ": " + error);
  JsonValue list = doc.root().is_object() ? doc.root().Find("queries") : doc.root();
  if (!list.is_array()) return Status(StatusCode::kMalformedData, path + ": expected {\"queries\": [...]} or an array");
  std::vector<LabeledQuestion> out;
  for (JsonValue q : list.elements()) {
    const std::string where = path + ": queries[" + std::to_string(out.size()) + "]";
    if (!q.is_object() || !q.Find("q").is_string()) return Status(StatusCode::kMalformedData, where + ": 'q' must be a string");
    LabeledQuestion l;
    l.text = std::string(q.Find("q").as_string());
    if (q.Find("expect").is_string()) l.expect = std::string(q.Find("expect").as_string());
    else if (!q.Find("expect").is_null()) return Status(StatusCode::kMalformedData, where + ": 'expect' must be an entry id or null");
    if (!l.expect.empty() && faq.find(l.expect) < 0)
      return Status(StatusCode::kMalformedData, where + ": 'expect' names an unknown entry '" + l.expect + "'");
    if (q.Find("course").is_string()) l.course = std::string(q.Find("course").as_string());
    l.split = q.Find("split").is_string() ? std::string(q.Find("split").as_string()) : "test";
    out.push_back(std::move(l));
  }
  return out;
}

struct Scored {
  int32_t rank = 0;  // of the expected entry, 1-based; 0 if absent from the top 10 (or none expected)
  bool answerable = false;
  float confidence = 0;
  MatchFeatures features;
  bool top1 = false;
  bool matched = false;  // the question matched some entry (otherwise confidence stays 0)
};

std::vector<Scored> ScoreAll(const FaqMatcher& matcher, const FaqBase& faq, const std::vector<const LabeledQuestion*>& qs) {
  std::vector<Scored> out;
  for (const LabeledQuestion* q : qs) {
    const Match m = matcher.Rank(q->text, 10);
    Scored s;
    s.answerable = !q->expect.empty();
    s.confidence = m.confidence;
    s.features = m.features;
    if (s.answerable) {
      const int32_t want = faq.find(q->expect);
      for (size_t i = 0; i < m.entries.size(); ++i)
        if (m.entries[i] == want) s.rank = static_cast<int32_t>(i + 1);
    }
    s.top1 = s.rank == 1;
    s.matched = !m.entries.empty();
    if (!s.matched) s.confidence = 0;
    out.push_back(s);
  }
  return out;
}

struct Metrics {
  double top1 = 0, mrr10 = 0, recall5 = 0, abstain_accuracy = 0;
  int answerable = 0, total = 0;
};

Metrics Measure(const std::vector<Scored>& scored, float threshold, bool use_relative) {
  Metrics m;
  int right = 0;
  for (const Scored& s : scored) {
    ++m.total;
    const float c = use_relative ? s.features.relative : s.confidence;
    const bool answered = c >= threshold && c > 0;
    if (s.answerable) {
      ++m.answerable;
      m.top1 += s.rank == 1;
      m.mrr10 += s.rank > 0 ? 1.0 / s.rank : 0.0;
      m.recall5 += s.rank > 0 && s.rank <= 5;
      right += answered && s.rank == 1;
    } else {
      right += !answered;
    }
  }
  if (m.answerable) {
    m.top1 /= m.answerable;
    m.mrr10 /= m.answerable;
    m.recall5 /= m.answerable;
  }
  m.abstain_accuracy = m.total ? static_cast<double>(right) / m.total : 0;
  return m;
}

// The threshold that maximizes accuracy with abstention (the middle of the best plateau).
float BestThreshold(const std::vector<Scored>& scored, bool use_relative) {
  std::vector<float> candidates{0.0f, 1.01f};
  for (const Scored& s : scored) candidates.push_back(use_relative ? s.features.relative : s.confidence);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  double best = -1;
  size_t lo = 0, hi = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const double a = Measure(scored, candidates[i], use_relative).abstain_accuracy;
    if (a > best + 1e-12) { best = a; lo = hi = i; }
    else if (std::fabs(a - best) <= 1e-12 && hi + 1 == i) hi = i;
  }
  // Between the plateau's first candidate and the value just below it: the margin both ways.
  const float low = lo > 0 ? (candidates[lo - 1] + candidates[lo]) / 2 : candidates[lo];
  const float high = candidates[hi];
  return (low + high) / 2;
}

// The confidence features a calibration may use (bits of a mask), each with its weight.
constexpr int kFeatureCount = 11;
const char* const kFeatureNames[kFeatureCount] = {
    "coverage",  "relative",      "margin",       "field_coverage",        "char_relative",  "char_coverage",
    "agreement", "uncovered_max", "field_recall", "char_unigram_coverage", "unseen_unigrams"};
float MatchFeatures::* const kFeatureValue[kFeatureCount] = {
    &MatchFeatures::coverage,      &MatchFeatures::relative,       &MatchFeatures::margin,
    &MatchFeatures::field_coverage, &MatchFeatures::char_relative, &MatchFeatures::char_coverage,
    &MatchFeatures::agreement,     &MatchFeatures::uncovered_max,  &MatchFeatures::field_recall,
    &MatchFeatures::char_unigram_coverage, &MatchFeatures::unseen_unigrams};
float MatcherOptions::* const kFeatureWeight[kFeatureCount] = {
    &MatcherOptions::w_coverage,      &MatcherOptions::w_relative,       &MatcherOptions::w_margin,
    &MatcherOptions::w_field_coverage, &MatcherOptions::w_char_relative, &MatcherOptions::w_char_coverage,
    &MatcherOptions::w_agreement,     &MatcherOptions::w_uncovered_max,  &MatcherOptions::w_field_recall,
    &MatcherOptions::w_char_unigram_coverage, &MatcherOptions::w_unseen_unigrams};

// Solves a * x = b (n <= kFeatureCount + 1, a symmetric positive definite: the ridge makes it so)
// by Gaussian elimination with partial pivoting; b becomes x.
void Solve(double a[][kFeatureCount + 1], double* b, int n) {
  for (int c = 0; c < n; ++c) {
    int pivot = c;
    for (int r = c + 1; r < n; ++r)
      if (std::fabs(a[r][c]) > std::fabs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    for (int r = c + 1; r < n; ++r) {
      const double f = a[r][c] / a[c][c];
      for (int k = c; k < n; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  for (int c = n - 1; c >= 0; --c) {
    for (int k = c + 1; k < n; ++k) b[c] -= a[c][k] * b[k];
    b[c] /= a[c][c];
  }
}

// Logistic regression of "the top entry is right" on the features in `mask` (mean log loss +
// 0.005 * |w|^2 without the bias, Newton's method: at most twelve weights, a few hundred
// questions); the others get weight 0.
void FitCalibration(const std::vector<Scored>& scored, int mask, MatcherOptions* o) {
  int used[kFeatureCount];
  int n = 0;
  for (int k = 0; k < kFeatureCount; ++k)
    if (mask >> k & 1) used[n++] = k;
  const int dim = n + 1;
  double w[kFeatureCount + 1] = {0};
  const double count = static_cast<double>(scored.size());
  for (int iteration = 0; iteration < 50; ++iteration) {
    double h[kFeatureCount + 1][kFeatureCount + 1] = {{0}};
    double g[kFeatureCount + 1] = {0};
    for (const Scored& s : scored) {
      double x[kFeatureCount + 1] = {1};
      for (int k = 0; k < n; ++k) x[k + 1] = s.features.*kFeatureValue[used[k]];
      double z = 0;
      for (int k = 0; k < dim; ++k) z += w[k] * x[k];
      const double p = 1 / (1 + std::exp(-z));
      const double y = s.top1 ? 1 : 0;
      for (int i = 0; i < dim; ++i) {
        g[i] += (p - y) * x[i] / count;
        for (int j = 0; j < dim; ++j) h[i][j] += p * (1 - p) * x[i] * x[j] / count;
      }
    }
    for (int i = 1; i < dim; ++i) {
      g[i] += 0.01 * w[i];
      h[i][i] += 0.01;
    }
    h[0][0] += 1e-9;
    Solve(h, g, dim);
    double step = 0;
    for (int i = 0; i < dim; ++i) {
      w[i] -= g[i];
      step = std::max(step, std::fabs(g[i]));
    }
    if (step < 1e-9) break;
  }
  o->w_bias = static_cast<float>(w[0]);
  for (int k = 0; k < kFeatureCount; ++k) o->*kFeatureWeight[k] = 0.0f;
  for (int k = 0; k < n; ++k) o->*kFeatureWeight[used[k]] = static_cast<float>(w[k + 1]);
}

std::vector<Scored> Recalibrated(std::vector<Scored> scored, const MatcherOptions& o) {
  for (Scored& s : scored)
    if (s.matched) s.confidence = CalibratedConfidence(s.features, o);
  return scored;
}

// Accuracy with abstention of calibrating on `mask`, by k-fold cross-validation on the tuning
// questions (position modulo k): fit and threshold on k - 1 folds, count on the held one.
constexpr int kCalibrationFolds = 5;
double CrossValidated(const std::vector<Scored>& scored, int mask, MatcherOptions o) {
  double right = 0;
  for (int fold = 0; fold < kCalibrationFolds; ++fold) {
    std::vector<Scored> fit, held;
    for (size_t i = 0; i < scored.size(); ++i)
      (static_cast<int>(i % kCalibrationFolds) == fold ? held : fit).push_back(scored[i]);
    FitCalibration(fit, mask, &o);
    const float threshold = BestThreshold(Recalibrated(fit, o), false);
    right += Measure(Recalibrated(held, o), threshold, false).abstain_accuracy * held.size();
  }
  return right / scored.size();
}

void PrintRow(const char* name, const Metrics& m) {
  std::printf("  %-34s %7.3f %8.3f %9.3f %13.3f\n", name, m.top1, m.mrr10, m.recall5, m.abstain_accuracy);
}

Status Run(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"faq", "queries", "split", "dump-tune-features"}, {"tune", "show-misses"});
  if (!args.ok()) return args.status();
  auto faq_path = args->Required("faq");
  auto queries_path = args->Required("queries");
  for (const Status* s : {&faq_path.status(), &queries_path.status()}) ZX_RETURN_IF_ERROR(*s);
  const std::string split = args->String("split", "test");
  if (split != "test" && split != "tune" && split != "all")
    return InvalidArgument("--split must be test, tune or all (got '" + split + "')");
  auto faq_text = ReadFile(*faq_path);
  if (!faq_text.ok()) return faq_text.status();
  auto faq = ParseFaq(*faq_text);
  if (!faq.ok()) return Status(faq.status().code(), *faq_path + ": " + faq.status().message());
  auto questions = ReadQuestions(*queries_path, *faq);
  if (!questions.ok()) return questions.status();
  std::vector<const LabeledQuestion*> tune, report;
  for (const LabeledQuestion& q : *questions) {
    if (q.split == "tune") tune.push_back(&q);
    if (split == "all" || q.split == split) report.push_back(&q);
  }
  if (tune.empty()) return Status(StatusCode::kMalformedData, *queries_path + ": no question has split 'tune'");
  if (report.empty()) return Status(StatusCode::kMalformedData, *queries_path + ": no question has split '" + split + "'");

  MatcherOptions options = TunedMatcherOptions();
  float threshold = TunedThreshold();
  if (args->Has("tune")) {
    // Weights by MRR@10 on held-out paraphrases (fold k leaves every entry's k-th paraphrase out
    // of the base and asks it; top-1 breaks ties): hundreds of questions, none of them a user's.
    // The user questions of the tuning split then fit the calibration and the threshold.
    std::vector<FaqBase> folds;
    std::vector<std::vector<LabeledQuestion>> fold_questions;
    for (size_t k = 0; k < 4; ++k) {
      FaqBase base = *faq;
      std::vector<LabeledQuestion> asked;
      for (FaqEntry& e : base.entries) {
        if (e.paraphrases.size() <= k) continue;
        asked.push_back({e.paraphrases[k], e.id, "", "tune"});
        e.paraphrases.erase(e.paraphrases.begin() + static_cast<std::ptrdiff_t>(k));
      }
      folds.push_back(std::move(base));
      fold_questions.push_back(std::move(asked));
    }
    double best = -1;
    for (float char_weight : {0.0f, 0.25f, 0.5f, 1.0f})
      for (float field_weight : {0.0f, 0.25f, 0.5f, 0.75f, 1.0f})
        for (bool answer_in_entry : {false, true})
          for (bool drop_stopwords : {true, false})
            for (float k1 : {0.9f, 1.2f, 1.6f})
              for (float b : {0.5f, 0.75f, 0.9f}) {
                MatcherOptions o = options;
                o.char_weight = char_weight;
                o.field_weight = field_weight;
                o.answer_in_entry = answer_in_entry;
                o.drop_stopwords = drop_stopwords;
                o.bm25.k1 = k1;
                o.bm25.b = b;
                double objective = 0;
                for (size_t k = 0; k < folds.size(); ++k) {
                  std::vector<const LabeledQuestion*> asked;
                  for (const LabeledQuestion& q : fold_questions[k]) asked.push_back(&q);
                  const Metrics m = Measure(ScoreAll(FaqMatcher::Build(folds[k], o), folds[k], asked), 2.0f, false);
                  objective += (m.mrr10 + 1e-3 * m.top1) * m.answerable;
                }
                if (objective > best + 1e-9) {
                  best = objective;
                  options = o;
                }
              }
    // Which features the calibration uses: the set with the best cross-validated accuracy with
    // abstention on the tuning questions (fewer features on a tie), then fitted on all of them.
    // Every index is built for its feature, whatever the fit then makes of it.
    MatcherOptions all_features = options;
    all_features.all_indexes = true;
    const std::vector<Scored> tuned = ScoreAll(FaqMatcher::Build(*faq, all_features), *faq, tune);
    int best_mask = 0;
    double best_cv = -1;
    for (int mask = 1; mask < (1 << kFeatureCount); ++mask) {
      const double cv = CrossValidated(tuned, mask, options);
      const bool fewer = __builtin_popcount(mask) < __builtin_popcount(best_mask);
      if (cv > best_cv + 1e-9 || (std::fabs(cv - best_cv) <= 1e-9 && fewer)) {
        best_cv = cv;
        best_mask = mask;
      }
    }
    std::printf("calibration features (%d-fold cross-validated accuracy with abstention %.3f on 'tune'):", kCalibrationFolds, best_cv);
    for (int k = 0; k < kFeatureCount; ++k)
      if (best_mask >> k & 1) std::printf(" %s", kFeatureNames[k]);
    std::printf("\n");
    FitCalibration(tuned, best_mask, &options);
    threshold = BestThreshold(Recalibrated(tuned, options), false);
    size_t held_out = 0;
    for (const auto& f : fold_questions) held_out += f.size();
    std::printf("weights tuned on %zu held-out paraphrases, calibration and threshold on %zu questions of the tuning split\n(paste into core/src/assist/tuned_defaults.cpp):\n", held_out, tune.size());
    std::printf("  o.char_weight = %.2ff;\n", options.char_weight);
    std::printf("  o.field_weight = %.2ff;\n  o.answer_in_entry = %s;\n  o.drop_stopwords = %s;\n  o.bm25.k1 = %.1ff;\n  o.bm25.b = %.2ff;\n",
                options.field_weight, options.answer_in_entry ? "true" : "false", options.drop_stopwords ? "true" : "false",
                options.bm25.k1, options.bm25.b);
    std::printf("  o.w_bias = %.3ff;\n", options.w_bias);
    for (int k = 0; k < kFeatureCount; ++k) std::printf("  o.w_%s = %.3ff;\n", kFeatureNames[k], options.*kFeatureWeight[k]);
    std::printf("  threshold = %.3ff\n\n", threshold);
  }
  if (args->Has("dump-tune-features")) {
    // The tuning questions' confidence features (every index built), for analysis outside: one
    // tab-separated line each. Only the tuning split: the test split is for reporting.
    MatcherOptions all_features = options;
    all_features.all_indexes = true;
    const std::vector<Scored> tuned = ScoreAll(FaqMatcher::Build(*faq, all_features), *faq, tune);
    std::string out = "answerable\ttop1\trank\tmatched";
    for (const char* name : kFeatureNames) out += std::string("\t") + name;
    out += "\tquestion\n";
    for (size_t i = 0; i < tuned.size(); ++i) {
      const Scored& s = tuned[i];
      out += std::to_string(s.answerable) + "\t" + std::to_string(s.top1) + "\t" + std::to_string(s.rank) + "\t" + std::to_string(s.matched);
      for (int k = 0; k < kFeatureCount; ++k) out += "\t" + std::to_string(s.features.*kFeatureValue[k]);
      out += "\t" + tune[i]->text + "\n";
    }
    ZX_RETURN_IF_ERROR(WriteFileAtomic(args->String("dump-tune-features", ""), out));
  }
  // The baseline abstains below a threshold on its relative score, chosen on the tuning split too.
  const FaqMatcher baseline = FaqMatcher::Build(*faq, BaselineMatcherOptions());
  const float baseline_threshold = BestThreshold(ScoreAll(baseline, *faq, tune), true);
  const FaqMatcher matcher = FaqMatcher::Build(*faq, options);
  const Metrics ours = Measure(ScoreAll(matcher, *faq, report), threshold, false);
  const Metrics base = Measure(ScoreAll(baseline, *faq, report), baseline_threshold, true);
  std::printf("faq %s: %zu entries; split '%s': %d questions, %d answerable, %d without an answer\n",
              faq_path->c_str(), faq->entries.size(), split.c_str(), ours.total, ours.answerable, ours.total - ours.answerable);
  std::printf("  %-34s %7s %8s %9s %13s\n", "", "top-1", "MRR@10", "recall@5", "acc+abstain");
  PrintRow("assistant (words+norm, fused)", ours);
  PrintRow("baseline BM25 char 1+2-grams", base);
  std::printf("  thresholds: assistant confidence >= %.3f, baseline relative score >= %.3f (both chosen on 'tune')\n",
              threshold, baseline_threshold);
  if (args->Has("show-misses")) {
    // Each question of the reported split the assistant gets wrong (with abstention), for error analysis.
    for (const LabeledQuestion* q : report) {
      const Match m = matcher.Rank(q->text, 3);
      const bool answered = !m.entries.empty() && m.confidence >= threshold;
      const std::string got = answered ? faq->entries[m.entries[0]].id : std::string("(hand over)");
      const std::string want = q->expect.empty() ? std::string("(hand over)") : q->expect;
      if (got == want) continue;
      std::printf("  miss: %s | want %s | got %s (conf %.2f cov %.2f rel %.2f margin %.2f; top %s)\n", q->text.c_str(),
                  want.c_str(), got.c_str(), m.confidence, m.features.coverage, m.features.relative, m.features.margin,
                  m.entries.empty() ? "-" : faq->entries[m.entries[0]].id.c_str());
    }
  }
  return Status::Ok();
}

std::string Usage() {
  return "--faq faq.json --queries questions.json [--split test|tune|all] [--tune]\n"
         "  --queries F  {\"queries\": [{\"q\": \"...\", \"expect\": \"entry-id\" | null, \"split\": \"tune\" | \"test\"}]}\n"
         "  --split S    the questions reported (default test); thresholds are always chosen on 'tune'\n"
         "  --tune       choose weights, calibration and threshold on 'tune' and print them (then report with them)\n"
         "  --dump-tune-features F  write the tuning questions' confidence features to F (tab-separated)\n"
         "  --show-misses  list the reported questions answered wrongly (error analysis: use on 'tune' only)\n";
}

}  // namespace

ZX_REGISTER_COMMAND("faq-eval", "FAQ assistant vs char-bigram BM25 on held-out questions", &Usage, &Run);

}  // namespace zhixuan::cli

#include "zhixuan/text/cold_start.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

namespace zhixuan {
namespace {

using Json = nlohmann::json;

constexpr float kPopularityWeight = 1.0f;
constexpr float kInterestWeight = 2.0f;
constexpr float kInterestSemanticShare = 0.5f;
constexpr float kContextWeight = 0.5f;
constexpr float kMinReasonScore = 0.1f;  // a weighted interest/context term this large names the item's reason

float Norm(const float* v, int d) {
  double s = 0;
  for (int j = 0; j < d; ++j) s += static_cast<double>(v[j]) * v[j];
  return static_cast<float>(std::sqrt(s));
}

}  // namespace

StatusOr<std::vector<float>> ItemPopularity(const Model& model, int64_t rows) {
  auto it = model.extras.find("item_popularity");
  if (it == model.extras.end()) return std::vector<float>{};
  const TensorData& t = it->second;
  const int64_t n = static_cast<int64_t>(model.manifest.item_ids.size());
  if (t.dtype != DType::kF32 || t.shape.size() != 1 || t.shape[0] > n || t.shape[0] <= 0)
    return MalformedModel("item_popularity must be F32 [items]");
  std::vector<float> pop(static_cast<size_t>(std::max<int64_t>(rows, t.shape[0])), 0.f);
  std::memcpy(pop.data(), t.bytes.data(), t.shape[0] * sizeof(float));
  for (int64_t i = 0; i < t.shape[0]; ++i)
    if (!std::isfinite(pop[i]) || pop[i] < 0) return MalformedModel("item_popularity holds a negative or non-finite value");
  pop.resize(static_cast<size_t>(rows), 0.f);
  return pop;
}

StatusOr<ColdStart> ColdStart::Create(const Recommender& rec) {
  ColdStart cs;
  cs.rows_at_creation_ = rec.item_count();
  auto pop = ItemPopularity(rec.model(), rec.item_count());
  if (!pop.ok()) return pop.status();
  cs.popularity_ = std::move(pop).value();
  auto lift = rec.model().extras.find("context_lift");
  if (lift == rec.model().extras.end()) return cs;
  Json manifest = Json::parse(rec.model().manifest.json, nullptr, false);
  const Json* keys = nullptr;
  if (!manifest.is_discarded() && manifest.is_object() && manifest.contains("context_priors") &&
      manifest["context_priors"].is_object() && manifest["context_priors"].contains("keys"))
    keys = &manifest["context_priors"]["keys"];
  if (keys == nullptr || !keys->is_array()) return MalformedModel("context_lift needs manifest context_priors.keys");
  for (const Json& k : *keys) {
    if (!k.is_string()) return MalformedModel("context_priors.keys must be strings");
    cs.context_keys_.push_back(k.get<std::string>());
  }
  const int64_t c = static_cast<int64_t>(cs.context_keys_.size());
  const TensorData& t = lift->second;
  if (t.dtype != DType::kF32 || t.shape != std::vector<int64_t>{c, rec.item_count()})
    return MalformedModel("context_lift must be F32 [len(context_priors.keys), items]");
  cs.context_lift_.resize(static_cast<size_t>(c * rec.item_count()));
  std::memcpy(cs.context_lift_.data(), t.bytes.data(), cs.context_lift_.size() * sizeof(float));
  for (float v : cs.context_lift_)
    if (!std::isfinite(v)) return MalformedModel("context_lift holds NaN or Inf");
  return cs;
}

StatusOr<ExplainedList> ColdStart::Recommend(const Recommender& rec, const ContentIndex& text,
                                             const ColdStartRequest& request) const {
  if (request.k <= 0 || request.k > kMaxK) return InvalidArgument("k must be in 1.." + std::to_string(kMaxK));
  if (request.interests.size() > kMaxInterests) return Status(StatusCode::kTooLarge, "at most 64 interests");
  if (request.context.hour < -1 || request.context.hour > 23) return InvalidArgument("context hour must be in 0..23");
  const int64_t n = rec.item_count();
  const int d = rec.dim();
  std::vector<std::string> policy;

  // Popularity.
  std::vector<float> pop(static_cast<size_t>(n), 0.f);
  if (!popularity_.empty()) {
    float max_pop = 0;
    for (float p : popularity_) max_pop = std::max(max_pop, p);
    const float denom = std::log1p(max_pop);
    for (int64_t i = 0; i < n && i < static_cast<int64_t>(popularity_.size()); ++i)
      pop[i] = denom > 0 ? std::log1p(popularity_[i]) / denom : 0.f;
    policy.push_back("popularity prior");
  } else {
    policy.push_back("no popularity prior in the bundle");
  }

  // Interests: best interest per item, remembering which.
  std::vector<float> interest(static_cast<size_t>(n), 0.f);
  std::vector<int> interest_of(static_cast<size_t>(n), -1);
  std::vector<std::string> used;
  std::vector<float> row(d);
  for (const std::string& raw : request.interests) {
    const std::string word = TruncateUtf8(raw, kMaxQueryBytes);
    const SparseVector q = text.featurizer().FeaturizeQuery(word);
    if (q.empty()) continue;  // nothing searchable (empty, stopword, emoji): ignored
    const int index = static_cast<int>(used.size());
    used.push_back(word);
    const std::vector<float> dir = text.TextDirection(q);
    const float dnorm = dir.empty() ? 0.f : Norm(dir.data(), d);
    for (int64_t i = 0; i < n; ++i) {
      float s = std::max(0.f, SparseDot(q, text.RowText(static_cast<int32_t>(i))));
      if (dnorm > 0) {
        rec.model().items.RowToF32(i, row.data());
        const float rnorm = Norm(row.data(), d);
        float dot = 0;
        for (int j = 0; j < d; ++j) dot += row[j] * dir[j];
        if (rnorm > 0) s += kInterestSemanticShare * std::max(0.f, dot / (rnorm * dnorm));
      }
      if (s > interest[i]) {
        interest[i] = s;
        interest_of[i] = index;
      }
    }
  }
  if (!used.empty()) {
    std::string joined;
    for (const std::string& u : used) joined += (joined.empty() ? "" : ", ") + u;
    policy.push_back("interests (" + joined + ")");
  }

  // Context.
  std::vector<int> matched;
  auto match = [&](const std::string& key) {
    for (size_t c = 0; c < context_keys_.size(); ++c)
      if (context_keys_[c] == key) matched.push_back(static_cast<int>(c));
  };
  if (!request.context.channel.empty()) match("channel:" + request.context.channel);
  if (request.context.hour >= 0) match("hour:" + std::to_string(request.context.hour));
  if (!request.context.device.empty()) match("device:" + request.context.device);
  std::vector<float> context(static_cast<size_t>(n), 0.f);
  std::vector<int> context_of(static_cast<size_t>(n), -1);
  if (!matched.empty()) {
    std::string joined;
    for (int c : matched) joined += (joined.empty() ? "" : ", ") + context_keys_[c];
    policy.push_back("context (" + joined + ")");
    for (int64_t i = 0; i < rows_at_creation_ && i < n; ++i) {
      float sum = 0, best = 0;
      for (int c : matched) {
        const float v = context_lift_[static_cast<size_t>(c) * rows_at_creation_ + i];
        sum += v;
        if (v > best) { best = v; context_of[i] = c; }
      }
      context[i] = std::clamp(sum / matched.size(), -1.f, 1.f);
    }
  }

  std::vector<float> scores(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    scores[i] = kPopularityWeight * pop[i] + kInterestWeight * interest[i] + kContextWeight * context[i];
  std::vector<uint8_t> allowed = rec.Allowed(request.filter);
  for (int32_t r : request.exclude_rows)
    if (r >= 0 && r < n) allowed[r] = 0;
  TopK top = SelectTopK(scores.data(), n, request.k, allowed.data());

  ExplainedList out;
  out.rows = top.rows;
  out.scores = top.scores;
  for (int32_t r : top.rows) {
    const float p = kPopularityWeight * pop[r], in = kInterestWeight * interest[r], cx = kContextWeight * context[r];
    // The specific reasons win when they made a real difference; popularity is the fallback.
    (void)p;
    if (in >= kMinReasonScore && in >= cx) out.reasons.push_back("interest:" + used[interest_of[r]]);
    else if (cx >= kMinReasonScore && context_of[r] >= 0) out.reasons.push_back("context:" + context_keys_[context_of[r]]);
    else out.reasons.push_back("popular");
  }
  for (const std::string& p : policy) out.policy += (out.policy.empty() ? "" : " + ") + p;
  return out;
}

}  // namespace zhixuan

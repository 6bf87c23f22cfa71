#include "zhixuan/ops/experiments.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "zhixuan/ops/bucket.hpp"

namespace zhixuan {
namespace {

using nlohmann::json;

Status Malformed(const std::string& where, const std::string& what) {
  return {StatusCode::kMalformedExperiments, "experiments file: " + where + ": " + what};
}

// Every key of `object` must be one of `known`.
Status OnlyKnownKeys(const json& object, const std::string& where, std::initializer_list<const char*> known) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (!found) return {StatusCode::kUnknownParameter, "experiments file: " + where + ": unknown key '" + it.key() + "'"};
  }
  return Status::Ok();
}

// Nesting deeper than this is refused before parsing (hostile input must not cost a deep stack).
bool NestingWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

Status StringField(const json& o, const char* key, const std::string& where, bool required, size_t max_bytes, std::string* out) {
  if (!o.contains(key)) return required ? Malformed(where, std::string("'") + key + "' is required") : Status::Ok();
  const json& v = o[key];
  if (!v.is_string()) return Malformed(where, std::string("'") + key + "' must be a string");
  *out = v.get<std::string>();
  if (out->empty() || out->size() > max_bytes)
    return Malformed(where, std::string("'") + key + "' must be 1.." + std::to_string(max_bytes) + " bytes");
  return Status::Ok();
}

Status NumberIn(const json& v, const std::string& name, double lo, double hi, double* out) {
  if (!v.is_number()) return Malformed(name, "must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) return Malformed(name, "must be in [" + json(lo).dump() + ", " + json(hi).dump() + "]");
  *out = d;
  return Status::Ok();
}

Status StringList(const json& v, const std::string& name, std::vector<std::string>* out) {
  if (!v.is_array()) return Malformed(name, "must be an array of strings");
  if (v.size() > 1000) return Malformed(name, "has more than 1000 entries");
  for (const json& s : v) {
    if (!s.is_string() || s.get<std::string>().empty() || s.get<std::string>().size() > 256)
      return Malformed(name, "must hold strings of 1..256 bytes");
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Status TimeField(const json& o, const char* key, const std::string& where, int64_t* out) {
  if (!o.contains(key)) return Status::Ok();
  const json& v = o[key];
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return Status::Ok();
  }
  if (v.is_string()) {
    auto t = ParseUtcTimestamp(v.get<std::string>());
    if (!t.ok()) return Malformed(where, std::string("'") + key + "': " + t.status().message());
    *out = *t;
    return Status::Ok();
  }
  return Malformed(where, std::string("'") + key + "' must be epoch seconds or an ISO-8601 UTC time");
}

Status ParseParams(const json& p, const std::string& where, const std::vector<std::string>& model_versions, VariantParams* out) {
  if (!p.is_object()) return Malformed(where, "'params' must be an object");
  ZX_RETURN_IF_ERROR(OnlyKnownKeys(p, where + ".params",
                                   {"model_version", "diversity", "exploration", "k", "filter", "layout", "cold_start"}));
  if (p.contains("model_version")) {
    if (!p["model_version"].is_string()) return Malformed(where, "'model_version' must be a string");
    const std::string v = p["model_version"].get<std::string>();
    if (std::find(model_versions.begin(), model_versions.end(), v) == model_versions.end())
      return {StatusCode::kUnknownModelVersion,
              "experiments file: " + where + " names model version '" + v + "', which 'model_versions' does not list"};
    out->model_version = v;
  }
  double d = 0;
  if (p.contains("diversity")) {
    ZX_RETURN_IF_ERROR(NumberIn(p["diversity"], where + ".params.diversity", 0, 1, &d));
    out->diversity = d;
  }
  if (p.contains("exploration")) {
    ZX_RETURN_IF_ERROR(NumberIn(p["exploration"], where + ".params.exploration", 0, 1, &d));
    out->exploration = d;
  }
  if (p.contains("k")) {
    if (!p["k"].is_number_integer() || p["k"].get<int64_t>() < 1 || p["k"].get<int64_t>() > 1000)
      return Malformed(where + ".params.k", "must be an integer in 1..1000");
    out->k = static_cast<int>(p["k"].get<int64_t>());
  }
  if (p.contains("filter")) {
    if (!p["filter"].is_object()) return Malformed(where + ".params.filter", "must be an object");
    out->filter_json = p["filter"].dump();
  }
  if (p.contains("layout")) {
    std::vector<std::string> layout;
    ZX_RETURN_IF_ERROR(StringList(p["layout"], where + ".params.layout", &layout));
    out->layout = std::move(layout);
  }
  if (p.contains("cold_start")) {
    const json& c = p["cold_start"];
    if (!c.is_string() || (c != "popular" && c != "interests" && c != "mixed"))
      return Malformed(where + ".params.cold_start", "must be \"popular\", \"interests\" or \"mixed\"");
    out->cold_start = c.get<std::string>();
  }
  return Status::Ok();
}

uint32_t PercentToBuckets(double percent) {
  return static_cast<uint32_t>(std::llround(percent * (kTrafficBuckets / 100.0)));
}

Status ParseExperiment(const json& e, size_t index, const ExperimentSet& set, Experiment* out) {
  std::string where = "experiments[" + std::to_string(index) + "]";
  if (!e.is_object()) return Malformed(where, "must be an object");
  ZX_RETURN_IF_ERROR(OnlyKnownKeys(e, where, {"id", "salt", "layer", "allocation", "slots", "targeting", "start", "stop",
                                              "variants", "description"}));
  ZX_RETURN_IF_ERROR(StringField(e, "id", where, true, 128, &out->id));
  where += " ('" + out->id + "')";
  ZX_RETURN_IF_ERROR(StringField(e, "salt", where, true, 256, &out->salt));
  ZX_RETURN_IF_ERROR(StringField(e, "layer", where, false, 128, &out->layer));
  if (e.contains("allocation")) {
    const json& a = e["allocation"];
    if (!a.is_object()) return Malformed(where, "'allocation' must be {start, percent}");
    ZX_RETURN_IF_ERROR(OnlyKnownKeys(a, where + ".allocation", {"start", "percent"}));
    double start = 0, percent = 100;
    if (a.contains("start")) ZX_RETURN_IF_ERROR(NumberIn(a["start"], where + ".allocation.start", 0, 100, &start));
    if (a.contains("percent")) ZX_RETURN_IF_ERROR(NumberIn(a["percent"], where + ".allocation.percent", 0, 100, &percent));
    if (start + percent > 100 + 1e-9) return Malformed(where, "allocation start + percent exceeds 100");
    out->alloc_begin = PercentToBuckets(start);
    out->alloc_end = std::min(kTrafficBuckets, PercentToBuckets(start + percent));
  }
  if (e.contains("slots")) ZX_RETURN_IF_ERROR(StringList(e["slots"], where + ".slots", &out->slots));
  if (e.contains("targeting")) {
    const json& t = e["targeting"];
    if (!t.is_object()) return Malformed(where, "'targeting' must be an object");
    ZX_RETURN_IF_ERROR(OnlyKnownKeys(t, where + ".targeting", {"channels", "users", "segments"}));
    if (t.contains("channels")) ZX_RETURN_IF_ERROR(StringList(t["channels"], where + ".targeting.channels", &out->targeting.channels));
    if (t.contains("segments")) ZX_RETURN_IF_ERROR(StringList(t["segments"], where + ".targeting.segments", &out->targeting.segments));
    if (t.contains("users")) {
      const json& u = t["users"];
      if (u == "all") out->targeting.users = UserKind::kAll;
      else if (u == "new") out->targeting.users = UserKind::kNew;
      else if (u == "returning") out->targeting.users = UserKind::kReturning;
      else return Malformed(where + ".targeting.users", "must be \"all\", \"new\" or \"returning\"");
    }
  }
  ZX_RETURN_IF_ERROR(TimeField(e, "start", where, &out->start_s));
  ZX_RETURN_IF_ERROR(TimeField(e, "stop", where, &out->stop_s));
  if (out->stop_s <= out->start_s) return Malformed(where, "'stop' must come after 'start'");
  if (!e.contains("variants") || !e["variants"].is_array() || e["variants"].size() < 2 ||
      e["variants"].size() > kMaxVariantsPerExperiment)
    return Malformed(where, "'variants' must be an array of 2.." + std::to_string(kMaxVariantsPerExperiment) + " variants");
  double total = 0;
  int controls = 0;
  std::set<std::string> ids;
  for (size_t v = 0; v < e["variants"].size(); ++v) {
    const json& vj = e["variants"][v];
    const std::string vwhere = where + ".variants[" + std::to_string(v) + "]";
    if (!vj.is_object()) return Malformed(vwhere, "must be an object");
    ZX_RETURN_IF_ERROR(OnlyKnownKeys(vj, vwhere, {"id", "weight", "control", "params", "description"}));
    Variant variant;
    ZX_RETURN_IF_ERROR(StringField(vj, "id", vwhere, true, 128, &variant.id));
    if (!ids.insert(variant.id).second) return Malformed(vwhere, "variant id '" + variant.id + "' appears twice");
    if (vj.contains("weight")) ZX_RETURN_IF_ERROR(NumberIn(vj["weight"], vwhere + ".weight", 0, 1e6, &variant.weight));
    if (vj.contains("control")) {
      if (!vj["control"].is_boolean()) return Malformed(vwhere, "'control' must be a boolean");
      variant.control = vj["control"].get<bool>();
      controls += variant.control;
    }
    if (vj.contains("params")) ZX_RETURN_IF_ERROR(ParseParams(vj["params"], vwhere, set.model_versions, &variant.params));
    total += variant.weight;
    out->variants.push_back(std::move(variant));
  }
  if (controls > 1) return Malformed(where, "more than one variant is marked control");
  if (!(total > 0)) return Malformed(where, "the variants' weights sum to 0");
  out->control_index = 0;
  for (size_t v = 0; v < out->variants.size(); ++v)
    if (out->variants[v].control) out->control_index = v;
  out->variants[out->control_index].control = true;
  // Cumulative boundaries in file order: growing the last variant moves nobody already in it.
  double cumulative = 0;
  for (Variant& variant : out->variants) {
    variant.bucket_begin = static_cast<uint32_t>(std::llround(cumulative / total * kTrafficBuckets));
    cumulative += variant.weight;
    variant.bucket_end = static_cast<uint32_t>(std::llround(cumulative / total * kTrafficBuckets));
  }
  out->variants.back().bucket_end = kTrafficBuckets;
  return Status::Ok();
}

Status CheckLayers(ExperimentSet& set) {
  std::set<std::string> salts;
  for (const Layer& l : set.layers)
    if (!salts.insert(l.salt).second) return Malformed("layers", "salt '" + l.salt + "' is used twice");
  std::set<std::string> experiment_ids;
  std::map<std::string, std::vector<const Experiment*>> by_layer;
  for (Experiment& e : set.experiments) {
    if (!experiment_ids.insert(e.id).second) return Malformed("experiments", "id '" + e.id + "' appears twice");
    if (e.id == kHoldoutExperiment) return Malformed("experiments", "'" + e.id + "' is reserved for the holdout");
    if (!salts.insert(e.salt).second) return Malformed("experiment '" + e.id + "'", "salt '" + e.salt + "' is used twice");
    if (e.layer.empty()) {  // a layer of its own, hashed apart from the variant split
      e.layer = "experiment:" + e.id;
      set.layers.push_back({e.layer, e.salt + "/layer"});
      if (!salts.insert(e.salt + "/layer").second) return Malformed("experiment '" + e.id + "'", "its implicit layer salt is used elsewhere");
    } else if (!set.layer(e.layer)) {
      return Malformed("experiment '" + e.id + "'", "layer '" + e.layer + "' is not declared in 'layers'");
    }
    by_layer[e.layer].push_back(&e);
  }
  if (!set.holdout_salt.empty() && !salts.insert(set.holdout_salt).second)
    return Malformed("holdout", "salt '" + set.holdout_salt + "' is used twice");
  std::map<std::string, std::string> parameter_layer;
  for (auto& [layer, experiments] : by_layer) {
    std::vector<const Experiment*> sorted = experiments;
    std::sort(sorted.begin(), sorted.end(), [](const Experiment* a, const Experiment* b) { return a->alloc_begin < b->alloc_begin; });
    for (size_t i = 1; i < sorted.size(); ++i) {
      const Experiment& a = *sorted[i - 1];
      const Experiment& b = *sorted[i];
      if (b.alloc_begin < a.alloc_end && a.alloc_begin < a.alloc_end && b.alloc_begin < b.alloc_end)
        return {StatusCode::kOverlappingAllocation,
                "experiments file: layer '" + layer + "': experiments '" + a.id + "' (buckets " + std::to_string(a.alloc_begin) + ".." +
                    std::to_string(a.alloc_end) + ") and '" + b.id + "' (from " + std::to_string(b.alloc_begin) + ") overlap"};
    }
    for (const Experiment* e : experiments)
      for (const Variant& v : e->variants)
        for (const std::string& key : v.params.keys()) {
          auto [it, inserted] = parameter_layer.emplace(key, layer);
          if (!inserted && it->second != layer)
            return {StatusCode::kOverlappingAllocation, "experiments file: parameter '" + key + "' is set in layers '" + it->second +
                                                            "' and '" + layer + "' (a parameter belongs to one layer)"};
        }
  }
  return Status::Ok();
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool HeldOut(const ExperimentSet& set, const UserContext& user) {
  return !set.holdout_salt.empty() && BucketOf(set.holdout_salt, user.stable_id) < set.holdout_buckets;
}

}  // namespace

std::vector<std::string> VariantParams::keys() const {
  std::vector<std::string> out;
  if (model_version) out.push_back("model_version");
  if (diversity) out.push_back("diversity");
  if (exploration) out.push_back("exploration");
  if (k) out.push_back("k");
  if (filter_json) out.push_back("filter");
  if (layout) out.push_back("layout");
  if (cold_start) out.push_back("cold_start");
  return out;
}

const Experiment* ExperimentSet::find(std::string_view id) const {
  for (const Experiment& e : experiments)
    if (e.id == id) return &e;
  return nullptr;
}

const Layer* ExperimentSet::layer(std::string_view id) const {
  for (const Layer& l : layers)
    if (l.id == id) return &l;
  return nullptr;
}

StatusOr<int64_t> ParseUtcTimestamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SSZ
  auto bad = [&] { return Status(StatusCode::kMalformedExperiments, "'" + std::string(s) + "' is not YYYY-MM-DDTHH:MM:SSZ"); };
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') return bad();
  auto num = [&](size_t at, size_t len, int64_t* out) {
    int64_t v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int64_t y, mo, d, h, mi, se;
  if (!num(0, 4, &y) || !num(5, 2, &mo) || !num(8, 2, &d) || !num(11, 2, &h) || !num(14, 2, &mi) || !num(17, 2, &se)) return bad();
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || se > 59) return bad();
  // days_from_civil (H. Hinnant).
  const int64_t yy = y - (mo <= 2);
  const int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const int64_t yoe = yy - era * 400;
  const int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + se;
}

StatusOr<ExperimentSet> ParseExperiments(std::string_view text) {
  if (text.size() > kMaxExperimentsBytes)
    return Status(StatusCode::kTooLarge, "experiments file of " + std::to_string(text.size()) + " bytes exceeds " +
                                             std::to_string(kMaxExperimentsBytes));
  if (!NestingWithin(text, 32)) return Malformed("file", "nested deeper than 32 levels");
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Malformed("file", "not valid JSON");
  if (!j.is_object()) return Malformed("file", "must be a JSON object");
  ZX_RETURN_IF_ERROR(OnlyKnownKeys(j, "file", {"version", "model_versions", "slots", "channels", "attribution_window_seconds", "holdout", "metrics",
                                               "layers", "experiments", "bandits", "description"}));
  ExperimentSet set;
  ZX_RETURN_IF_ERROR(StringField(j, "version", "file", true, 128, &set.version));
  if (j.contains("model_versions")) ZX_RETURN_IF_ERROR(StringList(j["model_versions"], "model_versions", &set.model_versions));
  if (j.contains("slots")) ZX_RETURN_IF_ERROR(StringList(j["slots"], "slots", &set.slots));
  if (j.contains("channels")) ZX_RETURN_IF_ERROR(StringList(j["channels"], "channels", &set.channels));
  if (j.contains("attribution_window_seconds")) {
    double w = 0;
    ZX_RETURN_IF_ERROR(NumberIn(j["attribution_window_seconds"], "attribution_window_seconds", 60, 30 * 86400, &w));
    set.attribution_window_s = static_cast<int64_t>(w);
  }
  if (j.contains("holdout")) {
    const json& h = j["holdout"];
    if (!h.is_object()) return Malformed("holdout", "must be {salt, percent}");
    ZX_RETURN_IF_ERROR(OnlyKnownKeys(h, "holdout", {"salt", "percent"}));
    ZX_RETURN_IF_ERROR(StringField(h, "salt", "holdout", true, 256, &set.holdout_salt));
    double percent = 0;
    if (!h.contains("percent")) return Malformed("holdout", "'percent' is required");
    ZX_RETURN_IF_ERROR(NumberIn(h["percent"], "holdout.percent", 0, 50, &percent));
    set.holdout_buckets = PercentToBuckets(percent);
  }
  if (j.contains("metrics")) {
    const json& m = j["metrics"];
    if (!m.is_object()) return Malformed("metrics", "must be an object");
    ZX_RETURN_IF_ERROR(OnlyKnownKeys(m, "metrics", {"noise_multiplier", "max_cells", "delta"}));
    if (m.contains("noise_multiplier")) ZX_RETURN_IF_ERROR(NumberIn(m["noise_multiplier"], "metrics.noise_multiplier", 0, 1e4, &set.metrics.noise_multiplier));
    if (m.contains("delta")) ZX_RETURN_IF_ERROR(NumberIn(m["delta"], "metrics.delta", 1e-12, 0.01, &set.metrics.delta));
    if (m.contains("max_cells")) {
      if (!m["max_cells"].is_number_integer() || m["max_cells"].get<int64_t>() < 1 || m["max_cells"].get<int64_t>() > 64)
        return Malformed("metrics.max_cells", "must be an integer in 1..64");
      set.metrics.max_cells = static_cast<int>(m["max_cells"].get<int64_t>());
    }
  }
  if (j.contains("layers")) {
    if (!j["layers"].is_array()) return Malformed("layers", "must be an array");
    for (size_t i = 0; i < j["layers"].size(); ++i) {
      const json& l = j["layers"][i];
      const std::string where = "layers[" + std::to_string(i) + "]";
      if (!l.is_object()) return Malformed(where, "must be {id, salt}");
      ZX_RETURN_IF_ERROR(OnlyKnownKeys(l, where, {"id", "salt", "description"}));
      Layer layer;
      ZX_RETURN_IF_ERROR(StringField(l, "id", where, true, 128, &layer.id));
      ZX_RETURN_IF_ERROR(StringField(l, "salt", where, true, 256, &layer.salt));
      if (set.layer(layer.id)) return Malformed(where, "layer id '" + layer.id + "' appears twice");
      set.layers.push_back(std::move(layer));
    }
  }
  if (!j.contains("experiments") || !j["experiments"].is_array()) return Malformed("file", "'experiments' must be an array");
  if (j["experiments"].size() > kMaxExperiments) return Malformed("experiments", "more than " + std::to_string(kMaxExperiments));
  for (size_t i = 0; i < j["experiments"].size(); ++i) {
    Experiment e;
    ZX_RETURN_IF_ERROR(ParseExperiment(j["experiments"][i], i, set, &e));
    set.experiments.push_back(std::move(e));
  }
  ZX_RETURN_IF_ERROR(CheckLayers(set));
  return set;
}

Assignment AssignExperiment(const ExperimentSet& set, std::string_view experiment_id, const UserContext& user) {
  Assignment a;
  a.experiment = std::string(experiment_id);
  const Experiment* e = set.find(experiment_id);
  if (!e) { a.reason = "unknown-experiment"; return a; }
  if (HeldOut(set, user)) { a.reason = "held-out"; return a; }
  if (user.now_s < e->start_s || user.now_s >= e->stop_s) { a.reason = "not-running"; return a; }
  const Targeting& t = e->targeting;
  if ((!t.channels.empty() && !Contains(t.channels, user.channel)) || (!t.segments.empty() && !Contains(t.segments, user.segment)) ||
      (t.users == UserKind::kNew && !user.is_new) || (t.users == UserKind::kReturning && user.is_new)) {
    a.reason = "not-targeted";
    return a;
  }
  const Layer* layer = set.layer(e->layer);
  const uint32_t layer_bucket = BucketOf(layer->salt, user.stable_id);
  if (layer_bucket < e->alloc_begin || layer_bucket >= e->alloc_end) { a.reason = "not-allocated"; return a; }
  const uint32_t bucket = BucketOf(e->salt, user.stable_id);
  for (size_t v = 0; v < e->variants.size(); ++v) {
    if (bucket >= e->variants[v].bucket_begin && bucket < e->variants[v].bucket_end) {
      a.in_experiment = true;
      a.variant = e->variants[v].id;
      a.variant_index = static_cast<int>(v);
      return a;
    }
  }
  a.reason = "not-allocated";  // unreachable: the last variant ends at kTrafficBuckets
  return a;
}

std::vector<Assignment> AssignSlot(const ExperimentSet& set, std::string_view slot, const UserContext& user) {
  std::vector<Assignment> out;
  if (!set.holdout_salt.empty()) {
    Assignment h;
    h.experiment = kHoldoutExperiment;
    h.in_experiment = true;
    const bool held = HeldOut(set, user);
    h.variant = held ? "holdout" : "rest";
    h.variant_index = held ? 0 : 1;
    out.push_back(std::move(h));
    if (held) return out;
  }
  for (const Experiment& e : set.experiments) {
    if (!e.slots.empty() && !Contains(e.slots, slot)) continue;
    Assignment a = AssignExperiment(set, e.id, user);
    if (a.in_experiment) out.push_back(std::move(a));
  }
  return out;
}

std::string MergedParamsJson(const ExperimentSet& set, const std::vector<Assignment>& assignments) {
  json out = json::object();
  for (const Assignment& a : assignments) {
    const Experiment* e = set.find(a.experiment);
    if (!e || !a.in_experiment || a.variant_index < 0) continue;
    const VariantParams& p = e->variants[static_cast<size_t>(a.variant_index)].params;
    if (p.model_version) out["modelVersion"] = *p.model_version;
    if (p.diversity) out["diversity"] = *p.diversity;
    if (p.exploration) out["exploration"] = *p.exploration;
    if (p.k) out["k"] = *p.k;
    if (p.filter_json) out["filter"] = json::parse(*p.filter_json, nullptr, false);
    if (p.layout) out["layout"] = *p.layout;
    if (p.cold_start) out["coldStart"] = *p.cold_start;
  }
  return out.dump();
}

}  // namespace zhixuan

// The experiments file the server ships (JSON, versioned, validated before anything is used):
//
//   {"version": "2026-12-02.1",                       required, 1..128 bytes
//    "model_versions": ["v7", "v8"],                  the versions a variant may name
//    "slots": ["为你推荐", "banner"], "channels": ["web", "mini-program"],   the metrics' cell layout
//    "attribution_window_seconds": 86400,             optional (60 .. 30 days), see attribution.hpp
//    "holdout": {"salt": "hold-2026", "percent": 5},  optional: these users get no experiment
//    "metrics": {"noise_multiplier": 1, "max_cells": 4, "delta": 1e-6},   optional, see metrics_report.hpp
//    "layers": [{"id": "ranking", "salt": "L-ranking"}],                  optional
//    "experiments": [{
//       "id": "div-2026-12", "salt": "div-2026-12-a",   required; salts unique in the file
//       "layer": "ranking",                             optional: default a layer of its own
//       "allocation": {"start": 0, "percent": 10},      share of the layer's buckets (default 0, 100)
//       "slots": ["为你推荐"],                           optional: default every slot
//       "targeting": {"channels": ["web"], "users": "all"|"new"|"returning", "segments": ["考研"]},
//       "start": "2026-12-01T00:00:00Z", "stop": 1767225600,   ISO-8601 UTC or epoch seconds
//       "variants": [
//         {"id": "control", "control": true, "weight": 50, "params": {}},
//         {"id": "div03", "weight": 50, "params": {"diversity": 0.3}}]}]}
//
// Variant params (every recommendation parameter; any other key is UNKNOWN_PARAMETER):
//   model_version (a listed version), diversity [0,1], exploration [0,1], k 1..1000,
//   filter (a recommend() filter object), layout (slot names in page order),
//   cold_start "popular"|"interests"|"mixed".
// Layers: experiments in one layer are mutually exclusive (their allocations may not overlap:
// OVERLAPPING_ALLOCATION); layers are independent (each hashes with its own salt). A parameter
// belongs to one layer: set by experiments of two layers it is OVERLAPPING_ALLOCATION too, so two
// simultaneous assignments never fight over a value.
// Assignment (bucket.hpp): in the layer when BucketOf(layer salt, id) falls in the allocation;
// the variant from BucketOf(experiment salt, id) over the cumulative weights in file order.
// Ramping: raising an allocation's percent (same start) or the LAST variant's weight keeps
// everyone already in where they were (tested).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr size_t kMaxExperimentsBytes = 4u << 20;
constexpr size_t kMaxExperiments = 1000;
constexpr size_t kMaxVariantsPerExperiment = 32;

struct VariantParams {
  std::optional<std::string> model_version;
  std::optional<double> diversity;
  std::optional<double> exploration;
  std::optional<int> k;
  std::optional<std::string> filter_json;  // the filter object as JSON text
  std::optional<std::vector<std::string>> layout;
  std::optional<std::string> cold_start;

  std::vector<std::string> keys() const;  // the file's names of the keys that are set
};

struct Variant {
  std::string id;
  double weight = 1;
  bool control = false;
  VariantParams params;
  uint32_t bucket_begin = 0, bucket_end = 0;  // of the experiment's own hash
};

enum class UserKind { kAll, kNew, kReturning };

struct Targeting {
  std::vector<std::string> channels;  // empty: every channel
  UserKind users = UserKind::kAll;
  std::vector<std::string> segments;  // empty: every segment
};

struct Experiment {
  std::string id, salt, layer;
  uint32_t alloc_begin = 0, alloc_end = 10000;  // of the layer's hash
  std::vector<std::string> slots;               // empty: every slot
  Targeting targeting;
  int64_t start_s = INT64_MIN, stop_s = INT64_MAX;
  std::vector<Variant> variants;
  size_t control_index = 0;
};

struct Layer {
  std::string id, salt;
};

struct MetricsPolicy {
  double noise_multiplier = 1.0;  // Gaussian noise stddev / L2 sensitivity of one device-day
  int max_cells = 4;              // cells (experiment x variant x slot x channel) one device reports a day
  double delta = 1e-6;
};

struct ExperimentSet {
  std::string version;
  std::vector<std::string> model_versions;
  std::vector<std::string> slots, channels;  // the reported cells (metrics_report.hpp); others count as "other"
  int64_t attribution_window_s = 86400;
  std::string holdout_salt;      // empty: no holdout
  uint32_t holdout_buckets = 0;  // of kTrafficBuckets
  MetricsPolicy metrics;
  std::vector<Layer> layers;     // declared and implicit (one per experiment without a layer)
  std::vector<Experiment> experiments;

  const Experiment* find(std::string_view id) const;
  const Layer* layer(std::string_view id) const;
};

// Named errors: MALFORMED_EXPERIMENTS (syntax, types, ranges, duplicates), UNKNOWN_PARAMETER,
// OVERLAPPING_ALLOCATION, UNKNOWN_MODEL_VERSION, TOO_LARGE.
StatusOr<ExperimentSet> ParseExperiments(std::string_view json_text);

// "2026-12-01T00:00:00Z" (UTC, seconds; fraction and offsets are not accepted) -> epoch seconds.
StatusOr<int64_t> ParseUtcTimestamp(std::string_view text);

struct UserContext {
  std::string stable_id;
  std::string channel;
  bool is_new = false;
  std::string segment;
  int64_t now_s = 0;
};

// The pseudo-experiment that measures the holdout against everyone else.
inline constexpr const char* kHoldoutExperiment = "__holdout__";

struct Assignment {
  std::string experiment, variant;
  bool in_experiment = false;
  // in_experiment == false: "unknown-experiment" | "held-out" | "not-running" | "not-targeted" | "not-allocated"
  std::string reason;
  int variant_index = -1;
};

// One experiment for one user (slot restrictions are not considered here).
Assignment AssignExperiment(const ExperimentSet& set, std::string_view experiment_id, const UserContext& user);

// Every experiment that applies to `slot` for this user and puts them in a variant, in file
// order, plus the holdout pseudo-experiment when the file has a holdout.
std::vector<Assignment> AssignSlot(const ExperimentSet& set, std::string_view slot, const UserContext& user);

// The variants' params merged into recommend() option names (JSON object):
// modelVersion, diversity, exploration, k, filter, layout, coldStart.
std::string MergedParamsJson(const ExperimentSet& set, const std::vector<Assignment>& assignments);

}  // namespace zhixuan

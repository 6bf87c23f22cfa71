// The local user profile (用户画像): events from every channel -> the user vector (incremental
// fold-in, same objective as foldin.hpp) and a readable summary, with export/import (merge) and
// crash-safe persistence records. Lives on the device only. Everything shown is a pure function
// of the event history (plus model and catalog), so merged devices agree.
//
// Decay reference: event weights decay to "asof" = the latest event time rounded up to the
// decay tick (profile_config.hpp), not to the wall clock: the vector is reproducible from the
// events, and between ticks each event is a rank-1 update (fast_foldin.hpp); crossing a tick
// re-folds every item once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "zhixuan/profile/events.hpp"
#include "zhixuan/profile/fast_foldin.hpp"
#include "zhixuan/profile/profile_config.hpp"
#include "zhixuan/profile/profile_store.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/base/status.hpp"

namespace zhixuan {

constexpr size_t kMaxEventJsonBytes = 64 * 1024;

// A validated, normalized event and its log record, not yet applied: the caller persists the
// record first and commits after, so a failed write leaves the profile as it was.
struct PreparedEvent {
  Event event;
  bool duplicate = false;  // already known: nothing to persist or apply
  uint64_t seq = 0;
  std::vector<uint8_t> record;
};

// An incoming event as separate fields (hosts that already checked the JS types skip JSON).
struct EventInput {
  std::string type;
  std::string item;     // id or channel alias
  std::string channel;
  double ts = 0;
  std::string id;
  bool has_id = false;
  double value = 0;
  bool has_value = false;
};

// Why an item is recommended: the history item contributing most to its score, or a shared tag.
struct Reason {
  enum class Kind { kNone, kItem, kTag, kExplore };  // kExplore: an exploration slot (text/diversity.hpp)
  Kind kind = Kind::kNone;
  std::string item;    // kItem: canonical id of the history item
  std::string tag;     // kTag
  double share = 0;    // kItem: its part of the positive contributions (0..1)
};
const char* ReasonKindName(Reason::Kind kind);

struct ProfileRecommendation {
  TopK top;
  std::vector<Reason> reasons;  // one per top row
};

class Profile {
 public:
  // Reads ProfileConfig from the model's manifest. `rec` must outlive the profile (or Rebind).
  static StatusOr<std::unique_ptr<Profile>> Create(const Recommender* rec);

  const ProfileConfig& config() const { return config_; }
  const EventHistory& history() const { return history_; }
  const Recommender* recommender() const { return rec_; }
  uint64_t last_seq() const { return last_seq_; }

  // Validates {id?, type, item, channel, ts, value?}: UNKNOWN_EVENT, UNKNOWN_ITEM, INVALID_ARGUMENT
  // (missing/non-numeric/future ts, huge or out-of-range value, bad channel or id), TOO_LARGE.
  StatusOr<PreparedEvent> Prepare(const std::string& event_json, double now_ms) const;
  StatusOr<PreparedEvent> Prepare(const EventInput& event, double now_ms) const;
  Status Commit(const PreparedEvent& prepared);
  // Commits the log record a Prepare produced (what a host that persisted the bytes hands back).
  Status CommitRecord(const uint8_t* record, size_t size);
  // Prepare + Commit; true when the event was new.
  StatusOr<bool> Track(const std::string& event_json, double now_ms);

  StatusOr<std::vector<float>> UserVector();
  // Rows of every item with an event (any type): never recommended back.
  std::vector<int32_t> SeenRows() const;
  // Top-K from the profile's vector; seen rows and `exclude_rows` are left out.
  StatusOr<ProfileRecommendation> Recommend(int k, const Filter& filter, const std::vector<int32_t>& exclude_rows = {});
  StatusOr<Reason> Because(int32_t row);
  // The readable profile as JSON: tags, spending, segment, channels, recency, counts.
  StatusOr<std::string> SummaryJson(double now_ms);

  std::vector<uint8_t> Export() const;
  // Merges a blob (export or snapshot) into this profile; on error nothing changes. Takes a
  // sequence number, so the snapshot written next outranks every older one.
  Status Import(const uint8_t* bytes, size_t size);
  std::vector<uint8_t> Snapshot() const;
  // Replaces the profile by what storage holds (see profile_store.hpp); warnings name skipped parts.
  Status Restore(const std::vector<ByteRecord>& snapshots, const std::vector<ByteRecord>& log_records,
                 std::vector<std::string>* warnings);
  // The same, reporting what was skipped and each snapshot's seq (`report->history` stays empty).
  Status Restore(const std::vector<ByteRecord>& snapshots, const std::vector<ByteRecord>& log_records,
                 RecoveredProfile* report);
  void Forget();
  // A new model (or items appended to it): re-fold the user from the stored events.
  Status Rebind(const Recommender* rec);

  // Confidence-weight of one canonical item at the current decay reference (0 if none).
  double ItemWeight(const std::string& item) const;
  // Every item with events and its weight, sorted by id (a history for other rooms, e.g. federated).
  std::vector<std::pair<std::string, double>> ItemWeights() const;

 private:
  explicit Profile(const Recommender* rec) : rec_(rec) {}
  StatusOr<std::string> ResolveItem(const std::string& id) const;
  Status Refold();
  Status RefreshIfModelGrew();
  void CompactIfNeeded();
  double PriceOf(const Event& e) const;
  std::vector<std::pair<std::string, double>> TagWeights() const;

  const Recommender* rec_;
  ProfileConfig config_;
  EventHistory history_;
  IncrementalFoldIn foldin_;
  double asof_ = 0;
  int64_t folded_item_count_ = 0;
  uint64_t last_seq_ = 0;
  std::unordered_map<std::string, double> item_weight_;  // at asof_
  std::unordered_map<int32_t, std::string> item_of_row_;
};

}  // namespace zhixuan

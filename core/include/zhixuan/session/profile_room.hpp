// The profile as a Session room: one Profile bound to the session's recommender, the host's
// two-step track (Prepare, persist the record, then Commit) as a small state machine, and the
// storage policy (profile_store.hpp) as plans the host executes: which slot a snapshot goes
// to, which log records may go, what a restore skipped. The host stores opaque records only.
#pragma once

#include <memory>

#include "zhixuan/profile/profile.hpp"
#include "zhixuan/session/session_room.hpp"

namespace zhixuan {

class ProfileRoom : public SessionRoom {
 public:
  static StatusOr<std::unique_ptr<ProfileRoom>> Create(const Recommender& rec);

  Profile& profile() { return *profile_; }
  const Profile& profile() const { return *profile_; }

  // Validates an event and builds its log record; the host persists `record`, then calls
  // CommitPrepared(seq). A duplicate needs neither.
  StatusOr<PreparedEvent> Prepare(const EventInput& event, double now_ms);
  // Applies the event prepared last; INTERNAL when `seq` is not that event's. Answers whether a
  // snapshot is due now.
  StatusOr<bool> CommitPrepared(uint64_t seq);

  // What storage holds, slot by slot (an empty record: an absent slot) and the log records.
  StatusOr<RecoveredProfile> Restore(const std::vector<ByteRecord>& slots, const std::vector<ByteRecord>& log_records);
  // The next snapshot: write `bytes` to `slot`, then call SnapshotStored; after that, log
  // records with seq <= trim_up_to may be deleted.
  struct SnapshotPlan {
    int slot = 0;
    std::vector<uint8_t> bytes;
    uint64_t seq = 0;
    uint64_t trim_up_to = 0;
  };
  SnapshotPlan PlanSnapshot() const;
  Status SnapshotStored(int slot, uint64_t seq);
  // Erases the profile (the host clears its storage).
  void Forget();

  Status Stage(const Recommender& current, Recommender& next) override;
  void Commit() override;
  void Abort() override;

 private:
  std::unique_ptr<Profile> profile_;
  std::unique_ptr<Profile> staged_;
  PreparedEvent pending_;
  bool has_pending_ = false;
  SnapshotSlots slots_;
};

}  // namespace zhixuan

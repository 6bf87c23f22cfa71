#include "zhixuan/session/profile_room.hpp"

namespace zhixuan {

StatusOr<std::unique_ptr<ProfileRoom>> ProfileRoom::Create(const Recommender& rec) {
  auto profile = Profile::Create(&rec);
  if (!profile.ok()) return profile.status();
  std::unique_ptr<ProfileRoom> room(new ProfileRoom());
  room->profile_ = std::move(profile).value();
  return room;
}

StatusOr<PreparedEvent> ProfileRoom::Prepare(const EventInput& event, double now_ms) {
  has_pending_ = false;
  auto prepared = profile_->Prepare(event, now_ms);
  if (!prepared.ok()) return prepared.status();
  if (!prepared->duplicate) {
    pending_ = *prepared;
    has_pending_ = true;
  }
  return prepared;
}

StatusOr<bool> ProfileRoom::CommitPrepared(uint64_t seq) {
  if (!has_pending_ || pending_.seq != seq)
    return Status(StatusCode::kInternal, "commit does not match the prepared event");
  has_pending_ = false;
  ZX_RETURN_IF_ERROR(profile_->Commit(pending_));
  return slots_.Due(seq, profile_->config().snapshot_every);
}

StatusOr<RecoveredProfile> ProfileRoom::Restore(const std::vector<ByteRecord>& slots,
                                                const std::vector<ByteRecord>& log_records) {
  if (slots.size() != SnapshotSlots::kSlots) return InvalidArgument("restore takes both snapshot slots");
  RecoveredProfile report;
  ZX_RETURN_IF_ERROR(profile_->Restore(slots, log_records, &report));
  has_pending_ = false;
  // A missing or unreadable slot counts as 0: it is overwritten first.
  for (int slot = 0; slot < SnapshotSlots::kSlots; ++slot) slots_.Set(slot, report.snapshot_seqs[slot]);
  return report;
}

ProfileRoom::SnapshotPlan ProfileRoom::PlanSnapshot() const {
  SnapshotPlan plan;
  plan.slot = slots_.NextSlot();
  plan.bytes = profile_->Snapshot();
  plan.seq = profile_->last_seq();
  plan.trim_up_to = slots_.TrimUpTo(plan.slot, plan.seq);
  return plan;
}

Status ProfileRoom::SnapshotStored(int slot, uint64_t seq) {
  if (slot < 0 || slot >= SnapshotSlots::kSlots) return InvalidArgument("snapshot slot must be 0 or 1");
  slots_.Set(slot, seq);
  return Status::Ok();
}

void ProfileRoom::Forget() {
  profile_->Forget();
  slots_.Reset();
  has_pending_ = false;
}

// The events stay; the vector is re-folded on the new model (a copy, so a failure changes nothing).
Status ProfileRoom::Stage(const Recommender&, Recommender& next) {
  staged_ = std::make_unique<Profile>(*profile_);
  return staged_->Rebind(&next);
}

void ProfileRoom::Commit() { profile_ = std::move(staged_); }
void ProfileRoom::Abort() { staged_.reset(); }

}  // namespace zhixuan

// Registrations only: the profile room (a view of the session's ProfileRoom) and its calls
// (wasm/profile_calls.hpp).
#include <emscripten/bind.h>

#include "profile_calls.hpp"

EMSCRIPTEN_BINDINGS(zhixuan_profile) {
  using namespace zhixuan::wasm;
  using namespace zhixuan::wasm::profile_calls;
  emscripten::class_<ProfileView>("ProfileRoom")
      .constructor<zhixuan::Session&>()
      .function("status", &ViewStatus<zhixuan::ProfileRoom>)
      .function("prepare", &Prepare)
      .function("commit", &Commit)
      .function("commitRecord", &CommitRecord)
      .function("vector", &Vector)
      .function("seenRows", &SeenRows)
      .function("recommend", &Recommend)
      .function("because", &Because)
      .function("weights", &Weights)
      .function("summary", &Summary)
      .function("exportBlob", &ExportBlob)
      .function("importBlob", &ImportBlob)
      .function("planSnapshot", &PlanSnapshot)
      .function("snapshotStored", &SnapshotStored)
      .function("restore", &Restore)
      .function("forget", &Forget)
      .function("info", &Info)
      .function("events", &Events);
}

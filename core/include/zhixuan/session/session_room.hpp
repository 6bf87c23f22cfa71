// A room attached to a Session: state that hangs off the loaded model (the profile, the text
// index, ...). The Session knows rooms only through this interface, so a host that links no
// room pays for none (the lean wasm module links neither profile nor text code).
#pragma once

#include "zhixuan/base/status.hpp"
#include "zhixuan/model/recommender.hpp"

namespace zhixuan {

class SessionRoom {
 public:
  virtual ~SessionRoom() = default;
  // Rooms that add rows to the next recommender (re-embedding items) stage before the others,
  // so that those rebind against the final row set.
  virtual bool adds_items() const { return false; }
  // Builds this room's state for `next` (about to replace `current`) without changing what is
  // live; may add items to `next`. Either Commit or Abort follows.
  virtual Status Stage(const Recommender& current, Recommender& next) = 0;
  virtual void Commit() = 0;  // switch to the staged state (cannot fail)
  virtual void Abort() = 0;   // drop it
};

}  // namespace zhixuan

// A JS handle on one room of a Session (`new core.ProfileRoom(session)`): it attaches the room
// (Session::AttachNew) and finds it again on every call, holding no pointer into the model, so a
// model change (Session::ReplaceModel) is seen on the next call. Calls are free functions taking
// the view first (registered as methods), each answering through WithRoom.
#pragma once

#include <emscripten/val.h>

#include "convert.hpp"
#include "zhixuan/session/session.hpp"

namespace zhixuan::wasm {

template <typename Room>
class RoomView {
 public:
  explicit RoomView(Session& session) : session_(&session), status_(session.AttachNew<Room>()) {}
  Room* room() const { return status_.ok() ? session_->Find<Room>() : nullptr; }
  Session& session() const { return *session_; }
  const zhixuan::Status& status() const { return status_; }

 private:
  Session* session_;
  zhixuan::Status status_;
};

// {} or {zxError}: whether the room could be made (js checks it once, after construction).
template <typename Room>
emscripten::val ViewStatus(const RoomView<Room>& view) { return StatusVal(view.status()); }

// fn(room) when the room exists, else the view's error.
template <typename Room, typename Fn>
emscripten::val WithRoom(const RoomView<Room>& view, Fn&& fn) {
  if (!view.status().ok()) return ErrorVal(view.status());
  Room* room = view.room();
  return room ? fn(*room) : ErrorVal(zhixuan::Status(StatusCode::kInternal, "the room was replaced by another handle"));
}

}  // namespace zhixuan::wasm

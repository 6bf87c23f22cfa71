// The owner of one loaded model and everything that hangs off it: the Recommender (model +
// catalog, items added on the device included) and the attached rooms (profile, text, ...).
// ReplaceModel is the only way a model changes: the new model is loaded, the catalog kept,
// every room rebuilt for it, and only when all of that succeeded does anything change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "zhixuan/base/status.hpp"
#include "zhixuan/model/bundle.hpp"
#include "zhixuan/model/recommender.hpp"
#include "zhixuan/session/session_room.hpp"

namespace zhixuan {

class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // One-shot load from bytes the caller keeps ownership of (they are copied); `catalog_json`
  // null: no catalog.
  Status Load(const uint8_t* bytes, size_t size, const std::string* catalog_json);
  // Cold start in steps (BundleLoader): BeginLoad adopts the buffer whatever the outcome and
  // parses the safetensors header; IdTensorBytes says where the item_ids tensor lies and
  // IdHeapBytes how much heap reading it takes (BundleLoader);
  // ReadManifest reads the ids while the host may still read the rows; FinishLoad, once every
  // byte is in place, checks the tensors and joins the catalog.
  Status BeginLoad(std::shared_ptr<const uint8_t> bytes, size_t size);
  std::pair<size_t, size_t> IdTensorBytes() const;
  size_t IdHeapBytes() const;
  Status ReadManifest();
  Status FinishLoad(const std::string* catalog_json);

  bool loaded() const { return rec_ != nullptr; }
  Recommender& recommender() { return *rec_; }
  const Recommender& recommender() const { return *rec_; }

  // Replaces the model with the bundle at [bytes, bytes + size) (copied). Keeps the catalog
  // (items added on the device included: rooms that can embed re-embed them), rebuilds every
  // attached room for the new model. Atomic: on any error the old model and the rooms stay.
  Status ReplaceModel(const uint8_t* bytes, size_t size);

  // The filter of `json` (ParseFilterJson's format, '' for none) compiled for the rows as they
  // are: from its second use on, parsed and its row mask built once, then served from a small
  // cache (keyed by the text) until the rows, the catalog or the model change. A repeated filter
  // costs no parsing and no catalog scan; a filter seen once is only parsed (selection checks
  // the catalog for the candidates it meets), so one-off filters don't pay a full scan.
  StatusOr<Filter> CompileFilter(const std::string& json);

  // Attaches a new room of this type made for the loaded model (Room::Create(recommender)).
  template <typename Room>
  Status AttachNew() {
    if (!rec_) return InvalidArgument("no model is loaded");
    auto room = Room::Create(*rec_);
    if (!room.ok()) return room.status();
    Attach(std::move(room).value());
    return Status::Ok();
  }

  // Attaches a room (a later one of the same type replaces it); the session owns it.
  template <typename Room>
  Room* Attach(std::unique_ptr<Room> room) {
    Detach<Room>();
    Room* raw = room.get();
    rooms_.push_back(std::move(room));
    return raw;
  }
  // The attached room of this type, or null.
  template <typename Room>
  Room* Find() const {
    for (const auto& r : rooms_)
      if (auto* room = dynamic_cast<Room*>(r.get())) return room;
    return nullptr;
  }
  template <typename Room>
  void Detach() {
    for (auto it = rooms_.begin(); it != rooms_.end(); ++it)
      if (dynamic_cast<Room*>(it->get())) {
        rooms_.erase(it);
        return;
      }
  }

 private:
  Status Install(StatusOr<Model> model, const std::string* catalog_json);

  std::unique_ptr<Recommender> rec_;
  std::vector<std::unique_ptr<SessionRoom>> rooms_;
  std::unique_ptr<BundleLoader> pending_;  // between BeginLoad and FinishLoad (owns the buffer)
  Status begun_;
  // Compiled filters of one recommender generation: a ring of the last few, by their JSON text.
  static constexpr int kCachedFilters = 8;
  std::string filter_texts_[kCachedFilters];
  Filter filters_[kCachedFilters];
  int filters_used_ = 0;
  int filters_next_ = 0;
  // Texts of filters used once and not compiled yet (a ring of the same size).
  std::string seen_once_[kCachedFilters];
  int seen_next_ = 0;
  uint64_t filters_generation_ = 0;
};

}  // namespace zhixuan

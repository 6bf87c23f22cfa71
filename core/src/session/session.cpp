#include "zhixuan/session/session.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "zhixuan/model/catalog.hpp"

namespace zhixuan {

Status Session::Load(const uint8_t* bytes, size_t size, const std::string* catalog_json) {
  if (rec_) return InvalidArgument("a model is loaded already (ReplaceModel changes it)");
  return Install(LoadModel(bytes, size), catalog_json);
}

Status Session::BeginLoad(std::shared_ptr<const uint8_t> bytes, size_t size) {
  pending_ = std::make_unique<BundleLoader>();
  begun_ = rec_ ? InvalidArgument("a model is loaded already (ReplaceModel changes it)")
                : pending_->Begin(std::move(bytes), size);
  return begun_;
}

std::pair<size_t, size_t> Session::IdTensorBytes() const {
  return pending_ && begun_.ok() ? pending_->IdTensorBytes() : std::pair<size_t, size_t>{0, 0};
}

size_t Session::IdHeapBytes() const { return pending_ && begun_.ok() ? pending_->IdHeapBytes() : 0; }

Status Session::ReadManifest() {
  if (!pending_) return Status(StatusCode::kInternal, "readManifest without beginLoad");
  ZX_RETURN_IF_ERROR(begun_);
  return pending_->ReadManifest();
}

Status Session::FinishLoad(const std::string* catalog_json) {
  if (!pending_) return Status(StatusCode::kInternal, "finishLoad without beginLoad");
  std::unique_ptr<BundleLoader> loader = std::move(pending_);
  ZX_RETURN_IF_ERROR(begun_);
  return Install(loader->Finish(), catalog_json);
}

Status Session::Install(StatusOr<Model> model, const std::string* catalog_json) {
  if (!model.ok()) return model.status();
  std::optional<Catalog> catalog;
  if (catalog_json) {
    auto parsed = ParseCatalog(*catalog_json);
    if (!parsed.ok()) return parsed.status();
    catalog = std::move(parsed).value();
  }
  auto rec = Recommender::Create(std::move(model).value(), std::move(catalog));
  if (!rec.ok()) return rec.status();
  rec_ = std::move(rec).value();
  return Status::Ok();
}

// A compiled filter holds one byte per row: the ring keeps a few, within a memory bound.
StatusOr<Filter> Session::CompileFilter(const std::string& json) {
  if (!rec_) return InvalidArgument("no model is loaded");
  if (filters_generation_ != rec_->generation()) {
    for (int i = 0; i < filters_used_; ++i) filters_[i] = Filter();  // stale masks go now
    filters_used_ = filters_next_ = 0;
    for (auto& text : seen_once_) text.clear();
    filters_generation_ = rec_->generation();
  }
  for (int i = 0; i < filters_used_; ++i)
    if (filter_texts_[i] == json) return filters_[i];
  auto parsed = ParseFilterJson(json);
  if (!parsed.ok()) return parsed.status();
  const auto seen = std::find(std::begin(seen_once_), std::end(seen_once_), json);
  if (seen == std::end(seen_once_)) {
    seen_once_[seen_next_] = json;
    seen_next_ = (seen_next_ + 1) % kCachedFilters;
    return parsed;
  }
  seen->clear();
  constexpr int64_t kCacheBytes = int64_t{4} << 20;
  const int capacity = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(kCachedFilters, kCacheBytes / std::max<int64_t>(rec_->item_count(), 1))));
  const int slot = filters_next_ % capacity;
  filters_next_ = slot + 1;
  filters_used_ = std::max(filters_used_, slot + 1);
  filter_texts_[slot] = json;
  filters_[slot] = rec_->Compile(std::move(parsed).value());
  return filters_[slot];
}

Status Session::ReplaceModel(const uint8_t* bytes, size_t size) {
  if (!rec_) return InvalidArgument("no model is loaded");
  auto model = LoadModel(bytes, size);
  if (!model.ok()) return model.status();
  // The catalog moves to the new recommender (items added on the device included) and serves
  // the new version; on any failure below it goes back unchanged.
  std::optional<Catalog> catalog = rec_->LendCatalog();
  std::string catalog_version;
  if (catalog) catalog_version = std::exchange(catalog->model_version, std::string());
  // Create fails only on a catalog made for another version, which a cleared one cannot be.
  auto created = Recommender::Create(std::move(model).value(), std::move(catalog));
  if (!created.ok()) return created.status();
  std::unique_ptr<Recommender> next = std::move(created).value();
  auto give_back = [&] {
    std::optional<Catalog> lent = next->LendCatalog();
    if (lent) lent->model_version = catalog_version;
    rec_->ReturnCatalog(std::move(lent));
  };

  std::vector<SessionRoom*> order;
  for (const auto& room : rooms_)
    if (room->adds_items()) order.push_back(room.get());
  for (const auto& room : rooms_)
    if (!room->adds_items()) order.push_back(room.get());
  for (size_t i = 0; i < order.size(); ++i) {
    Status staged = order[i]->Stage(*rec_, *next);
    if (!staged.ok()) {
      for (size_t j = 0; j <= i; ++j) order[j]->Abort();
      give_back();
      return staged;
    }
  }
  std::unique_ptr<Recommender> old = std::move(rec_);
  rec_ = std::move(next);
  for (SessionRoom* room : order) room->Commit();
  return Status::Ok();  // `old` goes now: nothing points into it any more
}

}  // namespace zhixuan

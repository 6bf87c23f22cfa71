#include "zhixuan/model/id_list.hpp"

#include <algorithm>

namespace zhixuan {

IdList::IdList(const std::vector<std::string>& ids) {
  size_t bytes = 0;
  for (const std::string& id : ids) bytes += id.size() + 1;
  reserve(ids.size(), bytes);
  for (const std::string& id : ids) push_back(id);
}

IdList IdList::FromPacked(std::string bytes, std::vector<size_t> starts) {
  IdList list;
  list.bytes_ = std::move(bytes);
  list.starts_ = std::move(starts);
  return list;
}

IdList IdList::ViewPacked(std::string_view bytes, std::shared_ptr<const void> backing, std::vector<size_t> starts) {
  IdList list;
  list.view_ = bytes;
  list.backing_ = std::move(backing);
  list.starts_ = std::move(starts);
  return list;
}

void IdList::Own() {
  if (!backing_) return;
  bytes_.assign(view_.data(), view_.size());
  view_ = std::string_view();
  backing_.reset();
}

void IdList::reserve(size_t ids, size_t bytes) {
  Own();
  starts_.reserve(ids);
  bytes_.reserve(bytes);
}

void IdList::push_back(std::string_view id) {
  const std::shared_ptr<const void> keep = backing_;  // `id` may lie in the viewed bytes
  Own();
  starts_.push_back(bytes_.size());
  bytes_.append(id);
  bytes_.push_back('\0');
  if (id.find('\0') != std::string_view::npos) ++ids_holding_zero_;
}

std::vector<std::string> IdList::ToStrings() const {
  std::vector<std::string> out;
  out.reserve(size());
  for (std::string_view id : *this) out.emplace_back(id);
  return out;
}

bool operator==(const IdList& list, const std::vector<std::string>& ids) {
  return list.size() == ids.size() && std::equal(list.begin(), list.end(), ids.begin());
}

}  // namespace zhixuan

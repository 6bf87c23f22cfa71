#include "zhixuan/assist/term_table.hpp"

#include "zhixuan/base/flatten.hpp"

namespace zhixuan {

TermTable::TermTable(uint32_t expected) {
  size_t capacity = 16;
  int bits = 4;
  while (capacity < static_cast<size_t>(expected) * 2) {
    capacity <<= 1;
    ++bits;
  }
  keys_.assign(capacity, 0);
  ids_.assign(capacity, kAbsent);
  shift_ = 64 - bits;
}

ZX_FLATTEN uint32_t TermTable::Intern(uint64_t key) {
  const size_t mask = keys_.size() - 1;
  for (size_t i = Slot(key);; i = (i + 1) & mask) {
    if (ids_[i] == kAbsent) {
      keys_[i] = key;
      ids_[i] = size_++;
      const uint32_t id = ids_[i];
      if (static_cast<size_t>(size_) * 2 > keys_.size()) Grow();  // load <= 1/2
      return id;
    }
    if (keys_[i] == key) return ids_[i];
  }
}

uint32_t TermTable::Find(uint64_t key) const {
  const size_t mask = keys_.size() - 1;
  for (size_t i = Slot(key);; i = (i + 1) & mask) {
    if (ids_[i] == kAbsent) return kAbsent;
    if (keys_[i] == key) return ids_[i];
  }
}

void TermTable::Grow() {
  std::vector<uint64_t> keys = std::move(keys_);
  std::vector<uint32_t> ids = std::move(ids_);
  keys_.assign(keys.size() * 2, 0);
  ids_.assign(keys.size() * 2, kAbsent);
  --shift_;
  const size_t mask = keys_.size() - 1;
  for (size_t j = 0; j < keys.size(); ++j) {
    if (ids[j] == kAbsent) continue;
    size_t i = Slot(keys[j]);
    while (ids_[i] != kAbsent) i = (i + 1) & mask;
    keys_[i] = keys[j];
    ids_[i] = ids[j];
  }
}

}  // namespace zhixuan

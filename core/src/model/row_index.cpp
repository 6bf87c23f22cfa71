#include "zhixuan/model/row_index.hpp"

#include <algorithm>
#include <cstring>

#include "zhixuan/base/tiering.hpp"

namespace zhixuan {

namespace {

// murmur3's 64-bit finalizer: every input bit reaches every output bit.
inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint32_t RowIndex::Hash(std::string_view id) {
  // 8 bytes at a time (ids are short: one or two rounds).
  uint64_t h = id.size();
  size_t i = 0;
  for (; i + 8 <= id.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, id.data() + i, 8);
    h = Mix(h ^ w);
  }
  if (i < id.size()) {
    uint64_t w = 0;  // the last 1..7 bytes, without a variable-length memcpy call
    for (size_t k = 0; i + k < id.size(); ++k) w |= static_cast<uint64_t>(static_cast<unsigned char>(id[i + k])) << (8 * k);
    h = Mix(h ^ w ^ 0x9E3779B97F4A7C15ull);
  }
  return static_cast<uint32_t>(h);
}

size_t RowIndex::Probe(std::string_view id, uint32_t hash, const IdList& ids) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.row_plus_one == 0 || (s.hash == hash && ids[s.row_plus_one - 1] == id)) return i;
  }
}

void RowIndex::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_ = std::vector<Slot>(old.empty() ? 16 : old.size() * 2);  // value-initialized: zeroed
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.row_plus_one == 0) continue;
    size_t i = s.hash & mask;
    while (slots_[i].row_plus_one != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

int64_t RowIndex::Build(const IdList& ids) {
  size_t capacity = 16;
  while (capacity < ids.size() * 2) capacity *= 2;
  slots_ = std::vector<Slot>(capacity);  // value-initialized: zeroed
  size_ = 0;
  constexpr size_t kChunk = 4096;
  for (size_t begin = 0; begin < ids.size(); begin += kChunk) {
    const int64_t repeat = InsertRows(ids, begin, std::min(ids.size(), begin + kChunk));
    if (repeat >= 0) return repeat;
  }
  return -1;
}

int64_t RowIndex::InsertRows(const IdList& ids, size_t begin, size_t end) {
  const size_t mask = slots_.size() - 1;
  for (size_t r = begin; r < end; ++r) {
    const std::string_view id = ids[r];
    const uint32_t hash = Hash(id);
    size_t i = hash & mask;
    for (;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.row_plus_one == 0) break;
      if (s.hash == hash && ids[s.row_plus_one - 1] == id) return static_cast<int64_t>(r);
    }
    slots_[i] = Slot{hash, static_cast<uint32_t>(r) + 1};
    ++size_;
  }
  return -1;
}

bool RowIndex::Insert(int32_t row, const IdList& ids) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  return InsertRows(ids, static_cast<size_t>(row), static_cast<size_t>(row) + 1) < 0;
}

int32_t RowIndex::Find(std::string_view id, const IdList& ids) const {
  if (slots_.empty()) return -1;
  return static_cast<int32_t>(slots_[Probe(id, Hash(id), ids)].row_plus_one) - 1;
}

}  // namespace zhixuan

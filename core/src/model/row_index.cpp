#include "zhixuan/model/row_index.hpp"

#include <algorithm>
#include <cstring>

#include "zhixuan/base/tiering.hpp"
#include "zhixuan/base/utf8.hpp"

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

constexpr uint64_t kTailSeed = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighBits = 0x8080808080808080ull;

}  // namespace

// 8 bytes at a time (ids are short: one or two rounds); ScanPacked computes the same while
// it looks for each id's end.
uint32_t RowIndex::Hash(std::string_view id) {
  uint64_t h = 0;
  size_t i = 0;
  for (; i + 8 <= id.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, id.data() + i, 8);
    h = Mix(h ^ w);
  }
  if (i < id.size()) {
    uint64_t w = 0;  // the last 1..7 bytes, without a variable-length memcpy call
    for (size_t k = 0; i + k < id.size(); ++k) w |= static_cast<uint64_t>(static_cast<unsigned char>(id[i + k])) << (8 * k);
    h = Mix(h ^ w ^ kTailSeed);
  }
  return static_cast<uint32_t>(h);
}

size_t RowIndex::Probe(std::string_view id, uint32_t hash, const IdList& ids) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot s = slots_[i];
    if (s == 0 || (TagMatches(s, hash) && ids[RowOf(s)] == id)) return i;
  }
}

template <typename HashOfRow>
void RowIndex::Grow(const HashOfRow& hash_of_row) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_ = std::vector<Slot>(old.empty() ? 16 : old.size() * 2);  // value-initialized: zeroed
  const size_t mask = slots_.size() - 1;
  for (const Slot s : old) {
    if (s == 0) continue;
    size_t i = hash_of_row(RowOf(s)) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

size_t RowIndex::Capacity(size_t expected) {
  size_t capacity = 16;
  while (capacity < expected * 2) capacity *= 2;
  return capacity;
}

void RowIndex::Reset(size_t expected) {
  slots_ = std::vector<Slot>(Capacity(expected));  // value-initialized: zeroed
  size_ = 0;
}

int64_t RowIndex::Build(const IdList& ids) {
  Reset(ids.size());
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
      const Slot s = slots_[i];
      if (s == 0) break;
      if (TagMatches(s, hash) && ids[RowOf(s)] == id) return static_cast<int64_t>(r);
    }
    slots_[i] = MakeSlot(hash, r);
    ++size_;
  }
  return -1;
}

RowIndex::PackedScan RowIndex::BuildPacked(const char* text, size_t size, size_t expected, size_t max_bytes,
                                            std::vector<size_t>* starts) {
  Reset(expected);
  constexpr size_t kChunk = 4096;
  size_t pos = 0;
  size_t row = 0;
  PackedScan scan;
  while (pos < size) {
    if ((size_ + 1) * 2 > slots_.size()) {  // more ids than expected
      const std::vector<size_t>& at = *starts;  // starts[r + 1] is set for every row inserted
      Grow([&](size_t r) { return Hash(std::string_view(text + at[r], at[r + 1] - at[r] - 1)); });
    }
    const size_t count = std::min(kChunk, slots_.size() / 2 - size_);  // the table stays at most half full
    // starts[row] is written before the id is inserted, and starts[row + 1] then gives its end.
    if (starts->size() < row + count + 1) starts->resize(std::max(expected, row + count) + 1);
    scan = ScanPacked(text, size, max_bytes, &pos, row, count, starts->data());
    if (scan.problem != PackedScan::kNone) break;
    row = scan.row;
  }
  if (scan.problem != PackedScan::kNone) return scan;  // starts[scan.row] is the repeat's, if that is the problem
  starts->resize(row);
  return PackedScan{PackedScan::kNone, row};
}

RowIndex::PackedScan RowIndex::ScanPacked(const char* text, size_t size, size_t max_bytes, size_t* pos, size_t row,
                                          size_t count, size_t* starts) {
  const size_t mask = slots_.size() - 1;
  Slot* const slots = slots_.data();
  size_t at = *pos;
  for (const size_t end_row = row + count; row < end_row && at < size; ++row) {
    // The id's end (its 0 byte), its hash (as Hash) and whether it is all ASCII, a word at a time.
    const char* id = text + at;
    uint64_t h = 0, bits = 0;
    size_t length = 0;
    for (;;) {
      uint64_t w;
      size_t k;  // bytes of w before the 0 byte, 8 if none
      if (at + length + 8 <= size) {
        std::memcpy(&w, id + length, 8);
        const uint64_t zeros = (w - kOnes) & ~w & kHighBits;  // its lowest set bit marks the first 0 byte
        k = zeros == 0 ? 8 : static_cast<size_t>(__builtin_ctzll(zeros)) / 8;
        if (k < 8) w &= (uint64_t{1} << (8 * k)) - 1;
      } else {  // the tensor's last bytes
        w = 0;
        for (k = 0; k < 8 && id[length + k] != 0; ++k) w |= static_cast<uint64_t>(static_cast<unsigned char>(id[length + k])) << (8 * k);
      }
      bits |= w;
      length += k;
      if (k == 8) {
        h = Mix(h ^ w);
        if (length > max_bytes) break;
        continue;
      }
      if (k > 0) h = Mix(h ^ w ^ kTailSeed);
      break;
    }
    if (length == 0 || length > max_bytes) return PackedScan{PackedScan::kEmptyOrLong, row};
    if ((bits & kHighBits) != 0 && !IsValidUtf8(id, length)) return PackedScan{PackedScan::kNotUtf8, row};
    starts[row] = at;
    at += length + 1;
    starts[row + 1] = at;
    const uint32_t hash = static_cast<uint32_t>(h);
    size_t i = hash & mask;
    for (;; i = (i + 1) & mask) {
      const Slot s = slots[i];
      if (s == 0) break;
      if (!TagMatches(s, hash)) continue;
      const size_t other = starts[RowOf(s)];
      if (starts[RowOf(s) + 1] - other - 1 == length && std::memcmp(text + other, id, length) == 0)
        return PackedScan{PackedScan::kRepeat, row};
    }
    slots[i] = MakeSlot(hash, row);
    ++size_;
  }
  *pos = at;
  return PackedScan{PackedScan::kNone, row};
}

bool RowIndex::Insert(int32_t row, const IdList& ids) {
  if (row < 0 || static_cast<size_t>(row) >= kMaxRows) return false;
  if ((size_ + 1) * 2 > slots_.size()) Grow([&](size_t r) { return Hash(ids[r]); });
  return InsertRows(ids, static_cast<size_t>(row), static_cast<size_t>(row) + 1) < 0;
}

int32_t RowIndex::Find(std::string_view id, const IdList& ids) const {
  if (slots_.empty()) return -1;
  return static_cast<int32_t>(slots_[Probe(id, Hash(id), ids)] & kRowMask) - 1;
}

}  // namespace zhixuan

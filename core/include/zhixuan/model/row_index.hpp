// Item id -> row, for the model's id list: one open-addressing table that stores
// only (hash, row) pairs and compares keys through the id list itself, so loading
// 100k ids costs one flat allocation and no string copies. Duplicates are found
// while inserting (the loader's duplicate check and the lookup table are one pass).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "zhixuan/model/id_list.hpp"
#include "zhixuan/base/tiering.hpp"

namespace zhixuan {

class RowIndex {
 public:
  // Indexes ids[0..n); returns the first row whose id repeats an earlier one, or -1.
  // On a repeat the index holds the rows before it (callers reject the list).
  int64_t Build(const IdList& ids);
  // What BuildPacked found wrong with the id at `row` (kNone: nothing; `row` is then the count).
  struct PackedScan {
    enum Problem { kNone, kEmptyOrLong, kNotUtf8, kRepeat } problem = kNone;
    size_t row = 0;
  };
  // Indexes packed ids (each id's UTF-8 bytes, then a 0 byte; `size` > 0 and text[size - 1] ==
  // 0, as format 2's item_ids tensor), in one pass that also finds where each id starts (into
  // *starts) and checks it (1..max_bytes bytes of valid UTF-8): at load this scan and the
  // table are most of a 100k-id bundle's parse. `expected` ids size the table.
  PackedScan BuildPacked(const char* text, size_t size, size_t expected, size_t max_bytes, std::vector<size_t>* starts);
  // The table's bytes when built for `expected` ids (what BuildPacked allocates besides *starts).
  static size_t TableBytes(size_t expected) { return Capacity(expected) * sizeof(Slot); }
  // A slot keeps the row in kRowBits bits: rows 0 .. kMaxRows - 1 (a bundle holds at most 20M).
  static constexpr int kRowBits = 25;
  static constexpr size_t kMaxRows = (size_t{1} << kRowBits) - 1;
  // Adds ids[row] (ids must be the list the index was built over); false if already present
  // or row >= kMaxRows.
  bool Insert(int32_t row, const IdList& ids);
  // Row of `id`, or -1.
  int32_t Find(std::string_view id, const IdList& ids) const;
  size_t size() const { return size_; }

 private:
  // A slot is 4 bytes: the row + 1 in the low 25 bits (0: empty), the top 7 bits of the id's
  // hash above them (a filter: ids are compared only when it matches). Zero is the empty slot,
  // so a fresh table is one zero-filled allocation (at load, building it slot by slot in
  // baseline wasm code cost 9 ms for 100k ids); 4 bytes, not 8, halve the pages it touches.
  using Slot = uint32_t;
  static constexpr uint32_t kRowMask = (uint32_t{1} << kRowBits) - 1;
  static Slot MakeSlot(uint32_t hash, size_t row) { return (hash & ~kRowMask) | static_cast<uint32_t>(row + 1); }
  static bool TagMatches(Slot slot, uint32_t hash) { return ((slot ^ hash) & ~kRowMask) == 0; }
  static size_t RowOf(Slot slot) { return (slot & kRowMask) - 1; }  // of an occupied slot
  static uint32_t Hash(std::string_view id);
  static size_t Capacity(size_t expected);  // at least twice `expected`, a power of two
  void Reset(size_t expected);
  // Scans, checks and inserts up to `count` ids from *pos on (a tier unit, called per chunk).
  ZX_TIER_UNIT PackedScan ScanPacked(const char* text, size_t size, size_t max_bytes, size_t* pos, size_t row,
                                     size_t count, size_t* starts);
  // Adds ids[begin..end) to a table with room for them; returns the first repeated row or -1.
  // Build calls it per chunk, Insert per id: a tier unit (see tiering.hpp), so it must keep
  // both callers (wasm-opt inlines a function with one caller whatever its attributes).
  ZX_TIER_UNIT int64_t InsertRows(const IdList& ids, size_t begin, size_t end);
  // Doubles the table; `hash_of_row(r)` gives row r's hash (a slot keeps only 7 bits of it).
  template <typename HashOfRow>
  void Grow(const HashOfRow& hash_of_row);
  // Slot holding `id`, or the empty slot where it would go.
  size_t Probe(std::string_view id, uint32_t hash, const IdList& ids) const;

  std::vector<Slot> slots_;  // power-of-two size, at most half full
  size_t size_ = 0;
};

}  // namespace zhixuan

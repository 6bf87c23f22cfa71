// Term hash -> dense term id, open addressing with linear probing. The FAQ index interns every
// token of every question, paraphrase and answer; std::unordered_map's node per term and its
// pointer chase were a fifth of the build (bench/native/assist_build_bench).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace zhixuan {

class TermTable {
 public:
  static constexpr uint32_t kAbsent = 0xFFFFFFFFu;

  explicit TermTable(uint32_t expected = 1024);
  // The id of `key`, adding it (ids are 0, 1, 2... in order of first sight).
  uint32_t Intern(uint64_t key);
  // The id of `key`, or kAbsent.
  uint32_t Find(uint64_t key) const;
  uint32_t size() const { return size_; }

 private:
  size_t Slot(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }
  void Grow();

  std::vector<uint64_t> keys_;
  std::vector<uint32_t> ids_;  // kAbsent: empty slot
  uint32_t size_ = 0;
  int shift_ = 64;
};

}  // namespace zhixuan

// A model's item ids in row order, packed: every id's bytes then a 0 byte in one buffer (the
// layout of bundle format 2's item_ids tensor), plus where each id starts. 100k ids are two
// allocations instead of one per id: libc++ keeps at most 10 bytes inline in wasm32, so SKU or
// UUID ids each cost a heap block and a pointer chase as std::strings.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zhixuan {

class IdList {
 public:
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    const_iterator(const IdList* list, size_t row) : list_(list), row_(row) {}
    std::string_view operator*() const { return (*list_)[row_]; }
    const_iterator& operator++() { ++row_; return *this; }
    const_iterator operator++(int) { const_iterator before = *this; ++row_; return before; }
    const_iterator& operator+=(difference_type n) { row_ += n; return *this; }
    const_iterator operator+(difference_type n) const { return const_iterator(list_, row_ + n); }
    difference_type operator-(const const_iterator& other) const { return static_cast<difference_type>(row_ - other.row_); }
    bool operator==(const const_iterator& other) const { return row_ == other.row_; }
    bool operator!=(const const_iterator& other) const { return row_ != other.row_; }

   private:
    const IdList* list_;
    size_t row_;
  };

  IdList() = default;
  explicit IdList(const std::vector<std::string>& ids);
  // Adopts bytes laid out as packed() returns them, with each id's start (the caller has
  // checked the layout: every start follows a 0 byte, and the bytes end with one).
  static IdList FromPacked(std::string bytes, std::vector<size_t> starts);
  // The same over bytes that `backing` keeps alive (a loaded bundle's item_ids tensor, read
  // once into the buffer the rows are used from): no copy until the list is changed.
  static IdList ViewPacked(std::string_view bytes, std::shared_ptr<const void> backing, std::vector<size_t> starts);

  size_t size() const { return starts_.size(); }
  bool empty() const { return starts_.empty(); }
  std::string_view operator[](size_t row) const {
    const std::string_view bytes = packed();
    const size_t end = row + 1 < starts_.size() ? starts_[row + 1] : bytes.size();
    return std::string_view(bytes.data() + starts_[row], end - 1 - starts_[row]);
  }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }

  void reserve(size_t ids, size_t bytes);
  void push_back(std::string_view id);
  // The packed bytes: format 2's item_ids tensor, unless an id holds a 0 byte itself.
  std::string_view packed() const { return backing_ ? view_ : std::string_view(bytes_); }
  bool any_id_holds_zero_byte() const { return ids_holding_zero_ > 0; }
  std::vector<std::string> ToStrings() const;

  bool operator==(const IdList& other) const { return starts_ == other.starts_ && packed() == other.packed(); }
  bool operator!=(const IdList& other) const { return !(*this == other); }

 private:
  // Copies viewed bytes into bytes_ (before a change).
  void Own();

  std::string bytes_;
  std::string_view view_;                 // the bytes while backing_ holds them
  std::shared_ptr<const void> backing_;
  std::vector<size_t> starts_;
  size_t ids_holding_zero_ = 0;
};

bool operator==(const IdList& list, const std::vector<std::string>& ids);
inline bool operator==(const std::vector<std::string>& ids, const IdList& list) { return list == ids; }

}  // namespace zhixuan

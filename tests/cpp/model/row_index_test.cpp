#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "zhixuan/model/row_index.hpp"

using namespace zhixuan;

TEST_CASE("the row index finds every id and reports the first repeat", "[row_index]") {
  IdList ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(i % 3 ? "item-" + std::to_string(i) : std::string(40, 'a') + std::to_string(i));
  RowIndex index;
  REQUIRE(index.Build(ids) == -1);
  REQUIRE(index.size() == ids.size());
  for (size_t r = 0; r < ids.size(); ++r) REQUIRE(index.Find(ids[r], ids) == static_cast<int32_t>(r));
  REQUIRE(index.Find("item-", ids) == -1);
  REQUIRE(index.Find("", ids) == -1);

  SECTION("appended ids get their rows; repeats are refused") {
    ids.push_back("new");
    REQUIRE(index.Insert(static_cast<int32_t>(ids.size() - 1), ids));
    REQUIRE(index.Find("new", ids) == static_cast<int32_t>(ids.size() - 1));
    ids.push_back("item-1");
    REQUIRE_FALSE(index.Insert(static_cast<int32_t>(ids.size() - 1), ids));
    REQUIRE(index.Find("item-1", ids) == 1);
  }
  SECTION("a repeated id is named by its row") {
    const IdList repeated(std::vector<std::string>{"a", "b", "c", "b", "a"});
    RowIndex r;
    REQUIRE(r.Build(repeated) == 3);
  }
}

TEST_CASE("packed ids are found, checked and indexed in one pass like the id list's", "[row_index]") {
  // Lengths 1..24 (words, tails, an id ending a word exactly), past the 4096-id chunks, and
  // more ids than expected (the table grows).
  std::string packed;
  std::vector<std::string> strings;
  for (int i = 0; i < 9000; ++i) {
    std::string id = std::to_string(i) + std::string(static_cast<size_t>(i % 24), 'x');
    strings.push_back(id);
    packed += id;
    packed += '\0';
  }
  for (size_t expected : {size_t{9000}, size_t{10}}) {
    RowIndex index;
    std::vector<size_t> starts;
    const RowIndex::PackedScan scan = index.BuildPacked(packed.data(), packed.size(), expected, 256, &starts);
    REQUIRE(scan.problem == RowIndex::PackedScan::kNone);
    REQUIRE(scan.row == strings.size());
    const IdList ids = IdList::FromPacked(packed, starts);
    REQUIRE(ids == strings);
    for (size_t r = 0; r < ids.size(); ++r) REQUIRE(index.Find(strings[r], ids) == static_cast<int32_t>(r));
    REQUIRE(index.Find("0x", ids) == -1);
  }
  SECTION("the first problem is named by its row: a repeat far from its first row, a long or empty id, bad UTF-8") {
    const auto scan = [](const std::string& text) {
      RowIndex index;
      std::vector<size_t> starts;
      return index.BuildPacked(text.data(), text.size(), 4, 8, &starts);
    };
    const std::string repeat = packed + "4000" + std::string(4000 % 24, 'x') + '\0';
    RowIndex index;
    std::vector<size_t> starts;
    const RowIndex::PackedScan found = index.BuildPacked(repeat.data(), repeat.size(), 9001, 256, &starts);
    REQUIRE(found.problem == RowIndex::PackedScan::kRepeat);
    REQUIRE(found.row == 9000);
    REQUIRE(std::string(repeat.data() + starts[found.row]) == strings[4000]);
    REQUIRE(scan(std::string("a\0abcdefghi\0", 13)).problem == RowIndex::PackedScan::kEmptyOrLong);
    REQUIRE(scan(std::string("a\0abcdefghi\0", 13)).row == 1);
    REQUIRE(scan(std::string("a\0\0", 3)).problem == RowIndex::PackedScan::kEmptyOrLong);
    REQUIRE(scan(std::string("a\0\xC3\x28\0", 5)).problem == RowIndex::PackedScan::kNotUtf8);
    REQUIRE(scan(std::string("\xC3\xA9t\xC3\xA9\0a\0", 8)).problem == RowIndex::PackedScan::kNone);
  }
}

TEST_CASE("an index grown id by id keeps every row, and refuses a row past what a slot holds", "[row_index]") {
  IdList ids;
  RowIndex index;
  for (int i = 0; i < 3000; ++i) {  // from an empty table: it grows (rehashing from the ids) many times
    ids.push_back("u-" + std::to_string(i * 7919));
    REQUIRE(index.Insert(i, ids));
  }
  REQUIRE(index.size() == 3000);
  for (int i = 0; i < 3000; ++i) REQUIRE(index.Find(ids[static_cast<size_t>(i)], ids) == i);
  ids.push_back("u-0");
  REQUIRE_FALSE(index.Insert(3000, ids));  // a repeat
  REQUIRE(index.Find("u-0", ids) == 0);
  REQUIRE_FALSE(index.Insert(static_cast<int32_t>(RowIndex::kMaxRows), ids));  // its row + 1 would not fit a slot
  REQUIRE(index.size() == 3000);
}

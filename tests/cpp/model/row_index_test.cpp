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

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "zhixuan/model/id_list.hpp"

using namespace zhixuan;

TEST_CASE("an id list packs ids as format 2's tensor and gives each back whole", "[id_list]") {
  const std::vector<std::string> ids{"c-2024-0000001", "短", "x", std::string(256, 'u')};
  const IdList list(ids);
  REQUIRE(list.size() == 4);
  for (size_t r = 0; r < ids.size(); ++r) REQUIRE(list[r] == ids[r]);
  REQUIRE(list.packed() == ids[0] + '\0' + ids[1] + '\0' + ids[2] + '\0' + ids[3] + '\0');
  REQUIRE_FALSE(list.any_id_holds_zero_byte());
  REQUIRE(list == ids);
  REQUIRE(list.ToStrings() == ids);
  std::vector<std::string> iterated;
  for (std::string_view id : list) iterated.emplace_back(id);
  REQUIRE(iterated == ids);
  REQUIRE(list.end() - list.begin() == 4);

  SECTION("lists differ by any id, its length or the order") {
    REQUIRE(list != IdList(std::vector<std::string>{ids[1], ids[0], ids[2], ids[3]}));
    REQUIRE_FALSE(list == std::vector<std::string>(ids.begin(), ids.end() - 1));
    // The same bytes split elsewhere are other ids.
    REQUIRE(IdList(std::vector<std::string>{"ab", "c"}) != IdList(std::vector<std::string>{"a", "bc"}));
  }
  SECTION("an id holding a 0 byte keeps its length, and the list says it cannot be a tensor") {
    IdList odd = list;
    odd.push_back(std::string("a\0b", 3));
    REQUIRE(odd[4].size() == 3);
    REQUIRE(odd[4] == std::string_view("a\0b", 3));
    REQUIRE(odd[3] == ids[3]);
    REQUIRE(odd.any_id_holds_zero_byte());
  }
  SECTION("an empty list") {
    const IdList none;
    REQUIRE(none.empty());
    REQUIRE(none.begin() == none.end());
    REQUIRE(none.packed().empty());
    REQUIRE(none == std::vector<std::string>{});
  }
}

TEST_CASE("an id list viewing a loaded bundle's bytes answers as a copy would, and copies them once changed", "[id_list]") {
  const std::string packed("c-1\0短\0x\0", 10);
  auto backing = std::make_shared<std::string>(packed);
  std::weak_ptr<std::string> alive = backing;
  IdList view = IdList::ViewPacked(*backing, backing, {0, 4, 8});
  REQUIRE(view.packed().data() == backing->data());  // read where it lies
  REQUIRE(view == IdList::FromPacked(packed, {0, 4, 8}));
  REQUIRE(view == std::vector<std::string>{"c-1", "短", "x"});
  backing.reset();
  REQUIRE_FALSE(alive.expired());  // the list keeps the bytes alive
  IdList copy = view;
  view.push_back(view[1]);  // an id lying in the viewed bytes themselves
  REQUIRE(view == std::vector<std::string>{"c-1", "短", "x", "短"});
  REQUIRE(copy == std::vector<std::string>{"c-1", "短", "x"});
  REQUIRE_FALSE(alive.expired());  // the copy still views them
  copy = IdList();
  REQUIRE(alive.expired());
}

#include <catch2/catch.hpp>

#include <cmath>

#include "fixtures.hpp"
#include "zhixuan/train/ease.hpp"
#include "zhixuan/train/eval.hpp"

using namespace zhixuan;

namespace {

InteractionTable Table(const std::string& csv) { return ParseInteractionsCsv(csv).value(); }

}  // namespace

TEST_CASE("Recall@K and NDCG@K follow EVALUATION.md on a hand-computed list", "[eval]") {
  const std::vector<int32_t> ranked{5, 3, 9, 1, 7};
  const std::vector<int32_t> target{3, 7, 8};  // sorted
  // Top 2 holds item 3: 1 hit / min(2, 3).
  REQUIRE(RecallAtK(ranked, target, 2) == Approx(0.5));
  REQUIRE(RecallAtK(ranked, target, 5) == Approx(2.0 / 3.0));
  // Hits at ranks 2 and 5: DCG = 1/log2(3) + 1/log2(6); ideal over 3 positions = 1 + 1/log2(3) + 1/2.
  const double dcg = 1 / std::log2(3.0) + 1 / std::log2(6.0);
  const double ideal = 1 + 1 / std::log2(3.0) + 0.5;
  REQUIRE(NdcgAtK(ranked, target, 5) == Approx(dcg / ideal));
  REQUIRE(NdcgAtK(ranked, target, 5) == Approx(0.477625).epsilon(1e-5));
  // K larger than the target: the denominator is |target|.
  REQUIRE(RecallAtK({3, 7, 8}, target, 50) == Approx(1.0));
  REQUIRE(NdcgAtK({3, 7, 8}, target, 100) == Approx(1.0));
  // -1 (an item outside the split) never hits.
  REQUIRE(RecallAtK({-1, -1}, target, 2) == 0);
}

TEST_CASE("a split joins its three files and popularity ranks by training users", "[eval]") {
  auto split = BuildEvalSplit(Table("user,item\nu1,a\nu1,b\nu2,a\nu2,c\nu3,a\nu3,b\nu3,d\n"), "train.csv",
                              Table("user,item\nt1,a\nt2,d\n"), "test_history.csv",
                              Table("user,item\nt1,b\nt2,a\n"), "test_target.csv");
  REQUIRE(split.ok());
  REQUIRE(split->test_users == std::vector<std::string>{"t1", "t2"});
  const Rankings pop = PopularityRankings(*split, 3);
  auto id = [&](int32_t j) { return split->train.items.ids()[j]; };
  // counts a:3 b:2 c:1 d:1; t1 has seen a, t2 has seen d; ties go to the earlier item.
  REQUIRE(id(pop[0][0]) == "b");
  REQUIRE(id(pop[0][1]) == "c");
  REQUIRE(id(pop[1][0]) == "a");
  auto m = Evaluate(pop, split->target);
  REQUIRE(m.ok());
  REQUIRE(m->users == 2);
  REQUIRE(m->recall20 == Approx(1.0));
  REQUIRE(m->ndcg100 == Approx(1.0));
}

TEST_CASE("a split whose files disagree is MALFORMED_DATA naming file and line", "[eval][bad-input]") {
  const InteractionTable train = Table("user,item\nu1,a\nu1,b\nu2,a\n");
  SECTION("a test user who is also a training user") {
    auto s = BuildEvalSplit(train, "train.csv", Table("user,item\nt1,a\nu2,b\n"), "h.csv", Table("user,item\nt1,b\n"), "t.csv");
    REQUIRE(s.status().code() == StatusCode::kMalformedData);
    REQUIRE(s.status().message() == "h.csv line 3: user 'u2' is also a training user (test users must be held out)");
  }
  SECTION("an item the training file never mentions") {
    auto s = BuildEvalSplit(train, "train.csv", Table("user,item\nt1,a\n"), "h.csv", Table("user,item\nt1,zz\n"), "t.csv");
    REQUIRE(s.status().message().find("t.csv line 2: item 'zz' never occurs in the training file") == 0);
  }
  SECTION("a target without a history") {
    auto s = BuildEvalSplit(train, "train.csv", Table("user,item\nt1,a\n"), "h.csv", Table("user,item\nt2,b\n"), "t.csv");
    REQUIRE(s.status().message() == "t.csv line 2: user 't2' has a target but no history");
  }
  SECTION("a history without a target") {
    auto s = BuildEvalSplit(train, "train.csv", Table("user,item\nt1,a\nt2,a\n"), "h.csv", Table("user,item\nt1,b\n"), "t.csv");
    REQUIRE(s.status().message() == "t.csv: test user 't2' has a history in h.csv but no target");
  }
}

TEST_CASE("the validation split holds out users and a fifth of their items", "[eval]") {
  std::string csv = "user,item\n";
  for (int u = 0; u < 50; ++u)
    for (int i = 0; i < 10; ++i) csv += "u" + std::to_string(u) + ",i" + std::to_string((u + i) % 30) + "\n";
  auto cut = MakeValidationSplit(Table(csv), 0.2, 3);
  REQUIRE(cut.ok());
  REQUIRE(cut->train.users.size() == 40 * 10);
  REQUIRE(cut->history.users.size() == 10 * 8);
  REQUIRE(cut->target.users.size() == 10 * 2);
  auto split = BuildEvalSplit(cut->train, "train", cut->history, "history", cut->target, "target");
  REQUIRE(split.ok());
  REQUIRE(split->test_users.size() == 10);
}

TEST_CASE("EASE recovers the item that always co-occurs", "[eval][ease]") {
  // a and b always together; c and d always together. A user who saw a must get b first.
  std::string csv = "user,item\n";
  for (int u = 0; u < 20; ++u) {
    const std::string user = "u" + std::to_string(u);
    csv += u % 2 ? user + ",a\n" + user + ",b\n" : user + ",c\n" + user + ",d\n";
  }
  auto split = BuildEvalSplit(Table(csv), "train", Table("user,item\nt,a\n"), "h", Table("user,item\nt,b\n"), "t");
  REQUIRE(split.ok());
  auto r = EaseRankings(*split, 1.f, 3, 1);
  REQUIRE(r.ok());
  REQUIRE(split->train.items.ids()[(*r)[0][0]] == "b");
  REQUIRE((*r)[0].size() == 3);
}

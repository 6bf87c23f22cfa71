#include <catch2/catch.hpp>

#include "zhixuan/train/interactions.hpp"

using namespace zhixuan;

namespace {

Status ParseError(const std::string& text) {
  CsvReadOptions o;
  o.source_name = "in.csv";
  auto r = ParseInteractionsCsv(text, o);
  REQUIRE_FALSE(r.ok());
  return r.status();
}

}  // namespace

TEST_CASE("the CSV reader takes user,item plus optional weight, rating, ts and type columns", "[interactions]") {
  SECTION("bare pairs get weight 1") {
    auto t = ParseInteractionsCsv("user,item\nu1,a\nu1,b\r\n\nu2,a\n");
    REQUIRE(t.ok());
    REQUIRE(t->users == std::vector<std::string>{"u1", "u1", "u2"});
    REQUIRE(t->items == std::vector<std::string>{"a", "b", "a"});
    REQUIRE(t->weights == std::vector<float>{1, 1, 1});
    REQUIRE(t->lines == std::vector<int64_t>{2, 3, 5});
    REQUIRE_FALSE(t->has_weight);
  }
  SECTION("columns in any order, MovieLens names, quoted ids") {
    auto t = ParseInteractionsCsv("movieId,rating,userId,timestamp\n\"10\",4.5,7,964982703\n");
    REQUIRE(t.ok());
    REQUIRE(t->users[0] == "7");
    REQUIRE(t->items[0] == "10");
    REQUIRE(t->weights[0] == 4.5f);
    REQUIRE(t->timestamps[0] == 964982703.0);
  }
  SECTION("weight wins over rating, type is kept") {
    auto t = ParseInteractionsCsv("user,item,rating,weight,type\nu,i,5,2,purchase\n");
    REQUIRE(t.ok());
    REQUIRE(t->weights[0] == 2.f);
    REQUIRE(t->types[0] == "purchase");
  }
  SECTION("min_weight drops low ratings") {
    CsvReadOptions o;
    o.min_weight = 4.f;
    auto t = ParseInteractionsCsv("user,item,rating\nu,a,3.5\nu,b,4\n", o);
    REQUIRE(t.ok());
    REQUIRE(t->items == std::vector<std::string>{"b"});
  }
}

TEST_CASE("malformed CSV is MALFORMED_DATA naming the file and the line", "[interactions][bad-input]") {
  SECTION("empty file") {
    Status s = ParseError("");
    REQUIRE(s.code() == StatusCode::kMalformedData);
    REQUIRE(s.message() == "in.csv is empty (expected a header line 'user,item')");
  }
  SECTION("header only") {
    REQUIRE(ParseError("user,item\n").message() == "in.csv has a header but no interaction rows");
  }
  SECTION("header without an item column") {
    REQUIRE(ParseError("user,weight\nu,1\n").message().find("in.csv line 1: header must name") == 0);
  }
  SECTION("unknown column") {
    REQUIRE(ParseError("user,item,score\n").message() ==
            "in.csv line 1: unknown column 'score' (known: user, item, weight, rating, ts, type)");
  }
  SECTION("wrong field count") {
    REQUIRE(ParseError("user,item\nu,a\nu,b,c\n").message() == "in.csv line 3: expected 2 fields, got 3");
  }
  SECTION("non-numeric rating") {
    REQUIRE(ParseError("user,item,rating\nu,a,4\n\nu,b,good\n").message() ==
            "in.csv line 4: rating 'good' is not a finite number");
  }
  SECTION("non-finite weight") {
    REQUIRE(ParseError("user,item,weight\nu,a,nan\n").message() == "in.csv line 2: weight 'nan' is not a finite number");
  }
  SECTION("empty id") {
    REQUIRE(ParseError("user,item\n,a\n").message() == "in.csv line 2: empty user id");
  }
  SECTION("unterminated quote") {
    REQUIRE(ParseError("user,item\n\"u,a\n").message() == "in.csv line 2: unterminated quoted field");
  }
  SECTION("non-numeric timestamp") {
    REQUIRE(ParseError("user,item,ts\nu,a,yesterday\n").message().find("in.csv line 2: ts 'yesterday'") == 0);
  }
}

TEST_CASE("the interaction matrix sums duplicates and rejects users or items without positives", "[interactions]") {
  auto t = ParseInteractionsCsv("user,item,weight\nu1,a,1\nu1,b,2\nu1,a,3\nu2,b,1\n");
  REQUIRE(t.ok());
  auto m = BuildInteractionMatrix(*t);
  REQUIRE(m.ok());
  REQUIRE(m->by_user.rows == 2);
  REQUIRE(m->by_user.cols == 2);
  REQUIRE(m->by_user.RowSize(0) == 2);
  REQUIRE(m->by_user.values[0] == 4.f);  // u1,a: 1 + 3
  const SparseMatrix tr = m->by_user.Transposed();
  REQUIRE(tr.RowSize(m->items.Find("b")) == 2);

  auto negative = ParseInteractionsCsv("user,item,weight\nu1,a,1\nu2,a,-1\n");
  auto bad = BuildInteractionMatrix(*negative);
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.status().code() == StatusCode::kMalformedData);
  REQUIRE(bad.status().message() == "user 'u2' has no positive interactions (every weight <= 0)");
}

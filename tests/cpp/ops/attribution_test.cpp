#include <cmath>

#include <catch2/catch.hpp>

#include "ops_fixtures.hpp"
#include "zhixuan/ops/attribution.hpp"
#include "zhixuan/ops/metrics_report.hpp"

using namespace zhixuan;

namespace {

constexpr int64_t kT0 = 1764633600;  // 2025-12-02T00:00:00Z, a day boundary

Render MakeRender(uint64_t id, int64_t t, const std::string& variant, std::vector<std::string> items) {
  Render r;
  r.render_id = id;
  r.slot = "为你推荐";
  r.list = "personal";
  r.channel = "web";
  r.time_s = t;
  r.arms = {{"div", variant}};
  r.items = std::move(items);
  return r;
}

const CellCounts& Cell(const Attributor& a, int64_t day, const std::string& variant) {
  static const CellCounts kEmpty;
  const DayCells* cells = a.cells(day);
  if (!cells) return kEmpty;
  auto it = cells->find({"div", variant, "为你推荐", "web"});
  return it == cells->end() ? kEmpty : it->second;
}

}  // namespace

TEST_CASE("events go to the latest impression of their item within the window", "[ops][attribution]") {
  Attributor a(3600);
  REQUIRE(a.AddRender(MakeRender(1, kT0 + 10, "control", {"c1", "c2", "c3"})).ok());
  REQUIRE(a.AddRender(MakeRender(2, kT0 + 20, "div03", {"c2", "c4"})).ok());
  const int64_t day = UtcDay(kT0);
  CHECK(Cell(a, day, "control").impressions == 3);
  CHECK(Cell(a, day, "div03").impressions == 2);
  CHECK(Cell(a, day, "control").users == 1);

  auto touch = a.Observe(OpsEventType::kClick, "c2", 0, kT0 + 30);
  REQUIRE(touch.ok());
  REQUIRE(touch->has_value());
  CHECK((*touch)->render_id == 2);  // the latest impression of c2
  CHECK((*touch)->position == 0);
  CHECK(Cell(a, day, "div03").clicks == 1);
  CHECK(Cell(a, day, "control").clicks == 0);

  SECTION("a second click on the same impression is not counted again") {
    auto again = a.Observe(OpsEventType::kClick, "c2", 0, kT0 + 40);
    REQUIRE(again.ok());
    CHECK(!again->has_value());
    CHECK(Cell(a, day, "div03").clicks == 1);
  }
  SECTION("purchases carry their amount as revenue") {
    REQUIRE(a.Observe(OpsEventType::kCart, "c1", 0, kT0 + 50).ok());
    REQUIRE(a.Observe(OpsEventType::kPurchase, "c1", 99.5, kT0 + 60).ok());
    CHECK(Cell(a, day, "control").carts == 1);
    CHECK(Cell(a, day, "control").purchases == 1);
    CHECK(Cell(a, day, "control").revenue == 99.5);
  }
  SECTION("outside the window, before the impression, or never shown: unattributed") {
    auto late = a.Observe(OpsEventType::kClick, "c3", 0, kT0 + 10 + 3601);
    REQUIRE(late.ok());
    CHECK(!late->has_value());
    auto early = a.Observe(OpsEventType::kClick, "c4", 0, kT0 + 5);
    REQUIRE(early.ok());
    CHECK(!early->has_value());
    auto unseen = a.Observe(OpsEventType::kClick, "zz", 0, kT0 + 30);
    REQUIRE(unseen.ok());
    CHECK(!unseen->has_value());
  }
  SECTION("bad amounts and renders are named errors and change nothing") {
    CHECK(a.Observe(OpsEventType::kPurchase, "c1", -1, kT0 + 60).status().code() == StatusCode::kInvalidArgument);
    CHECK(a.Observe(OpsEventType::kPurchase, "c1", NAN, kT0 + 60).status().code() == StatusCode::kInvalidArgument);
    Render bad = MakeRender(3, kT0 + 70, "control", {"c1"});
    bad.propensities = {0.5, 0.5};
    CHECK(a.AddRender(bad).code() == StatusCode::kInvalidArgument);
    CHECK(Cell(a, day, "control").impressions == 3);
  }
  SECTION("the state survives a JSON round trip") {
    auto back = Attributor::FromJson(a.ToJson());
    REQUIRE(back.ok());
    CHECK(back->ToJson() == a.ToJson());
    auto again = back->Observe(OpsEventType::kClick, "c2", 0, kT0 + 40);  // the clicked flag came along
    REQUIRE(again.ok());
    CHECK(!again->has_value());
    CHECK(Attributor::FromJson("{\"format\":\"zhixuan-attribution-1\"}").status().code() == StatusCode::kMalformedPayload);
  }
}

TEST_CASE("the metrics report is a dense, clipped vector over the file's layout", "[ops][metrics]") {
  auto set = ParseExperiments(test::DiversityExperiments());
  REQUIRE(set.ok());
  Attributor a;
  std::vector<std::string> many(150, "x");
  for (int i = 0; i < 150; ++i) many[i] = "i" + std::to_string(i);
  REQUIRE(a.AddRender(MakeRender(1, kT0 + 10, "div03", many)).ok());
  REQUIRE(a.AddRender(MakeRender(2, kT0 + 11, "div03", many)).ok());  // 300 impressions: clipped to 200
  REQUIRE(a.Observe(OpsEventType::kClick, "i3", 0, kT0 + 20).ok());
  REQUIRE(a.Observe(OpsEventType::kClick, "i4", 0, kT0 + 21).ok());
  REQUIRE(a.Observe(OpsEventType::kPurchase, "i4", 3000, kT0 + 22).ok());  // clipped to 2000
  auto report = BuildMetricsReport(*set, UtcDay(kT0), *a.cells(UtcDay(kT0)));
  REQUIRE(report.ok());
  // div: 2 variants x (为你推荐, other) x (web, mini-program, other) = 12 cells.
  REQUIRE(report->layout.size() == 12);
  REQUIRE(report->values.size() == 12 * kReportValues);
  size_t cell = 0;
  while (!(report->layout[cell].variant == "div03" && report->layout[cell].slot == "为你推荐" && report->layout[cell].channel == "web")) ++cell;
  const double* v = &report->values[cell * kReportValues];
  CHECK(v[0] == 1);
  CHECK(v[1] == 200);
  CHECK(v[2] == 2);
  CHECK(v[4] == 1);
  CHECK(v[5] == 2000);
  CHECK(v[6] == 40000);
  CHECK(v[7] == 4);
  CHECK(v[10] == 4e6);
  CHECK(v[11] == 400);
  CHECK(v[12] == 2);
  double others = 0;
  for (size_t i = 0; i < report->values.size(); ++i)
    if (i / kReportValues != cell) others += std::abs(report->values[i]);
  CHECK(others == 0);
  CHECK(report->sensitivity == Approx(std::sqrt(13.0 * 4)));
  CHECK(report->sigma[2] == Approx(1.0 * std::sqrt(52.0) * 20));
}

TEST_CASE("a device-day beyond max_cells keeps only its busiest cells", "[ops][metrics]") {
  auto set = ParseExperiments(R"({"version": "x", "channels": ["web"], "slots": ["s1", "s2", "s3"],
    "metrics": {"max_cells": 2}, "experiments": [{"id": "div", "salt": "s", "variants": [{"id": "c"}, {"id": "t"}]}]})");
  REQUIRE(set.ok());
  Attributor a;
  for (int s = 1; s <= 3; ++s) {
    Render r = MakeRender(s, kT0 + s, "c", std::vector<std::string>(s, "x"));
    r.slot = "s" + std::to_string(s);
    REQUIRE(a.AddRender(r).ok());
  }
  auto report = BuildMetricsReport(*set, UtcDay(kT0), *a.cells(UtcDay(kT0)));
  REQUIRE(report.ok());
  CHECK(report->cells_dropped == 1);
  double users = 0;
  for (size_t c = 0; c < report->layout.size(); ++c) {
    users += report->values[c * kReportValues];
    if (report->layout[c].slot == "s1") CHECK(report->values[c * kReportValues] == 0);  // the quietest cell went
  }
  CHECK(users == 2);
}

TEST_CASE("event type names parse to the three kinds; anything else is named", "[ops][attribution]") {
  CHECK(ParseOpsEventType("click").value() == OpsEventType::kClick);
  CHECK(ParseOpsEventType("cart").value() == OpsEventType::kCart);
  CHECK(ParseOpsEventType("purchase").value() == OpsEventType::kPurchase);
  auto bad = ParseOpsEventType("view");
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("'view'") != std::string::npos);
}

#include <catch2/catch.hpp>

#include "ops_fixtures.hpp"
#include "zhixuan/ops/runtime.hpp"

using namespace zhixuan;

TEST_CASE("a restored attribution state keeps the loaded file's window; a bad one changes nothing", "[ops][runtime]") {
  std::string file = test::DiversityExperiments();
  file.insert(1, R"("attribution_window_seconds": 3600, )");
  OpsRuntime runtime;
  REQUIRE(runtime.Load(file).ok());
  REQUIRE(runtime.attributor().window_s() == 3600);
  Render render;
  render.render_id = 7;
  render.slot = "为你推荐";
  render.list = "l";
  render.channel = "web";
  render.time_s = 1000;
  render.items = {"a", "b"};
  REQUIRE(runtime.AddRender(render).ok());
  const std::string saved = runtime.attributor().ToJson();

  OpsRuntime later;
  REQUIRE(later.Load(file).ok());
  const std::string wide = Attributor(7 * 86400).ToJson();  // a state written under another window
  REQUIRE(later.RestoreAttribution(wide).ok());
  CHECK(later.attributor().window_s() == 3600);
  REQUIRE(later.RestoreAttribution(saved).ok());
  CHECK(later.attributor().ToJson() == saved);
  const Status bad = later.RestoreAttribution("{not json");
  CHECK_FALSE(bad.ok());
  CHECK(bad.message().find("attribution state") != std::string::npos);
  CHECK(later.attributor().ToJson() == saved);  // nothing changed

  OpsRuntime without_file;  // no file: the stored window is taken as it is
  REQUIRE(without_file.RestoreAttribution(wide).ok());
  CHECK(without_file.attributor().window_s() == 7 * 86400);
}

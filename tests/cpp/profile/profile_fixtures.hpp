// Fixtures for the profile tests: the checkerboard model with a catalog whose even items are
// tagged "python" and odd items "design", prices 10, 20, ..., and channel aliases for item0/item1.
#pragma once

#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "zhixuan/profile/profile.hpp"

namespace zhixuan::testing {

constexpr double kNow = 472222.0 * 3600e3;  // a fixed "now" in ms, on an hour tick
constexpr double kHour = 3600e3;

inline std::string CheckerboardCatalogJson(int items = 40) {
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < items; ++i) {
    nlohmann::json item = {{"id", "item" + std::to_string(i)},
                           {"tags", {i % 2 == 0 ? "python" : "design"}},
                           {"price", 10.0 * (i + 1)}};
    if (i < 2) item["aliases"] = {{"mini-program", "mp_" + std::to_string(i)}};
    list.push_back(item);
  }
  return nlohmann::json{{"items", list}}.dump();
}

inline std::unique_ptr<Recommender> ProfileRecommender(const std::string& profile_config = "") {
  Model model = CheckerboardModel(40, 16);
  if (!profile_config.empty()) {
    auto manifest = nlohmann::json::parse(model.manifest.json.empty() ? "{}" : model.manifest.json);
    manifest["profile"] = nlohmann::json::parse(profile_config);
    model.manifest.json = manifest.dump();
  }
  auto rec = Recommender::Create(std::move(model), ParseCatalog(CheckerboardCatalogJson()).value());
  REQUIRE(rec.ok());
  return std::move(rec).value();
}

inline std::string Ev(const std::string& type, const std::string& item, double ts, const std::string& id = "",
                      const std::string& channel = "web") {
  nlohmann::json j = {{"type", type}, {"item", item}, {"channel", channel}, {"ts", ts}};
  if (!id.empty()) j["id"] = id;
  return j.dump();
}

inline std::string EvValue(const std::string& type, const std::string& item, double ts, double value,
                           const std::string& id = "", const std::string& channel = "web") {
  auto j = nlohmann::json::parse(Ev(type, item, ts, id, channel));
  j["value"] = value;
  return j.dump();
}

}  // namespace zhixuan::testing

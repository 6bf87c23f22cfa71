// A small experiments file shared by the ops tests.
#pragma once

#include <string>

namespace zhixuan::test {

inline std::string DiversityExperiments(double treatment_weight = 50, double control_weight = 50, double allocation_percent = 100) {
  return R"({"version": "t1", "model_versions": ["v1", "v2"], "slots": ["为你推荐"], "channels": ["web", "mini-program"],
    "layers": [{"id": "ranking", "salt": "L-ranking"}],
    "experiments": [{"id": "div", "salt": "div-salt", "layer": "ranking",
      "allocation": {"start": 0, "percent": )" + std::to_string(allocation_percent) + R"(},
      "slots": ["为你推荐"],
      "variants": [{"id": "control", "control": true, "weight": )" + std::to_string(control_weight) + R"(, "params": {}},
                   {"id": "div03", "weight": )" + std::to_string(treatment_weight) + R"(, "params": {"diversity": 0.3}}]}]})";
}

}  // namespace zhixuan::test

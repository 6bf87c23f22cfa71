// Experiments files with a "bandits" member, shared by the slot tests.
#pragma once

#include <string>

namespace zhixuan::test {

// A click slot of three strategies (Beta, split by channel) and a linear slot of two.
inline std::string SlotsFile(const std::string& banner_extra = "") {
  return R"({"version": "s1", "experiments": [], "bandits": {"channels": ["web", "app"], "segments": ["考研"],
    "slots": [
      {"slot": "banner", "model": "beta", "reward": "click", "delay_window_seconds": 600, "exploration": 0.1,
       "samples": 400, "split_by": ["channel"], "examination": [1, 0.5], "prior": {"alpha": 1, "beta": 1}, )" +
         banner_extra + R"(
       "arms": [{"id": "personal", "strategy": "personal"}, {"id": "popular", "strategy": "popular"},
                {"id": "promo", "strategy": "promoted", "item": "py-101"}]},
      {"slot": "rail", "model": "linear", "reward": "click", "delay_window_seconds": 600, "exploration": 0.1,
       "samples": 400, "prior": {"lambda": 1, "noise": 0.3},
       "arms": [{"id": "new", "strategy": "new"}, {"id": "long", "strategy": "long_tail"}]},
      {"slot": "shelf", "model": "lognormal", "delay_window_seconds": 600,
       "arms": [{"id": "a", "item": "c1"}, {"id": "b", "item": "c2"}]}]}})";
}

}  // namespace zhixuan::test

// The server's half of the bandits' loop: the devices' posterior statistics, summed over devices
// (by the private aggregation path; only sums leave a device), folded into the priors of the next
// experiments file, so tomorrow every device starts from what all of them learned today.
//
// `stats_json` has SlotBandit::StatsJson's shape, summed: {"slots": [{"slot", "arms": [{"id",
// "cells": [{"cell", "n", "sum", "sumSq"}]}]}]}. For each cell the arm's prior for that cell
// (cell_priors, else its prior) becomes the posterior and is written to the arm's cell_priors:
//   beta: alpha + sum, beta + (n - sum);   gaussian, lognormal: normal-inverse-gamma update;
//   funnel: the cells' clicks as beta, and the arm's "value" {"clicks", "purchases", "sum",
//   "sumSq"} into the arm's own prior (conversion: beta; the purchases' amounts: normal-inverse-
//   gamma; what a click is worth is pooled over cells).
// The server adds "bandits.folded" (what was folded); a device that loads the file takes its own
// reported part out of its statistics (js/slots-reported.js), so nothing counts twice.
// Linear slots are left as they are (their statistics are matrices; not folded yet).
#pragma once

#include <string>
#include <string_view>

#include "zhixuan/base/status.hpp"

namespace zhixuan {

// The experiments file with updated cell_priors. Errors: the file's (ParseSlotsConfig);
// MALFORMED_DATA for stats that are not numbers >= 0;
// UNKNOWN_SLOT for a slot the file does not declare. Arms the file no longer has are skipped.
StatusOr<std::string> FoldSlotStats(std::string_view experiments_json, std::string_view stats_json);

}  // namespace zhixuan

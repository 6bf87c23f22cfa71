// `zhixuan train --tune`: the budget option, the search with its progress display on stderr
// (a bar on a terminal, one plain line per run otherwise) and the summary on stdout.
#pragma once

#include <string>

#include "command.hpp"
#include "zhixuan/train/tune.hpp"

namespace zhixuan::cli {

// "60s", "90", "2m", "1.5m", "0": seconds >= 0; anything else is a kInvalidArgument naming the option.
StatusOr<double> ParseBudget(const std::string& text, const std::string& option = "--budget");

// Reads --budget (default 60s), --ease-budget, --trials and --max-dim; the seed, dtype and threads come from the caller.
StatusOr<TuneOptions> ReadTuneOptions(const Args& args);

StatusOr<TuneResult> TuneWithProgress(const InteractionTable& table, const TrainParams& defaults, TuneOptions options);

void PrintTuneSummary(const TuneResult& result, const TuneOptions& options);

}  // namespace zhixuan::cli

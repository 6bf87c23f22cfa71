#!/usr/bin/env bash
# CI's fuzz tier: build the harnesses, then run each for ${ZX_FUZZ_SECONDS:-20} s.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/fuzz/build.sh
bash tests/fuzz/run.sh "${ZX_FUZZ_SECONDS:-20}"

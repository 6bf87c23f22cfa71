#!/usr/bin/env bash
# Runs every fuzz harness for SECONDS (default 20) each, from the committed seeds and
# dictionaries, with the sanitizers aborting on the first report. Usage:
#   tests/fuzz/run.sh [SECONDS] [HARNESS...]
# ZX_FUZZ_RUNS=N stops a harness after N executions (or SECONDS, whichever comes first).
# Inputs are at most 64 KiB, the tokenizer's 4 KiB: it works per byte under comparison tracing
# (a 64 KiB input ran at ~160/s); its 64 KiB cut and token cap are in the committed seeds, which
# the Catch2 suite runs whole.
# New inputs go to build/fuzz/corpus/<harness> (not committed); a crash writes
# build/fuzz/crashes/<harness>/crash-* and fails the script. Turn each into a named file under
# tests/fuzz/regressions/<harness>/ (the Catch2 suite runs them) and fix the bug in core/.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
shift || true
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(safetensors bundle json catalog profile_blob profile_store payload interactions_csv npy tokenizer
             round_config profile_event)
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for h in "${harnesses[@]}"; do
  bin=build/fuzz/fuzz_$h
  [ -x "$bin" ] || { echo "missing $bin: run tests/fuzz/build.sh" >&2; exit 2; }
  work=build/fuzz/corpus/$h
  crashes=build/fuzz/crashes/$h
  mkdir -p "$work" "$crashes"
  dict=()
  [ -f tests/fuzz/dict/$h.dict ] && dict=(-dict=tests/fuzz/dict/$h.dict)
  seeds=()
  [ -d tests/fuzz/corpus/$h ] && seeds+=(tests/fuzz/corpus/$h)
  [ -d tests/fuzz/regressions/$h ] && seeds+=(tests/fuzz/regressions/$h)
  log=build/fuzz/$h.log
  max_len=65536
  [ "$h" = tokenizer ] && max_len=4096
  run_limit=()
  [ -n "${ZX_FUZZ_RUNS:-}" ] && run_limit=(-runs="$ZX_FUZZ_RUNS")
  "$bin" "$work" "${seeds[@]}" "${dict[@]}" "${run_limit[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=$max_len \
    -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  status=$?
  runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | head -1)
  if [ $status -ne 0 ]; then
    failed+=("$h")
    echo "FAIL $h after $runs runs (see $log, $crashes/)"
    grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" || true
  else
    took=$(grep -a -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o '[0-9]* second' | grep -o '[0-9]*')
    echo "ok   $h: $runs runs in ${took:-$seconds}s"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} harness(es) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses, 0 crashes / leaks / UB reports"

#!/usr/bin/env bash
# Every test tier: Catch2 natively, Catch2 as wasm under node, node --test against
# the built module, the npm-pack install smoke test, and the real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

# node --test tiers: the spec reporter on the console, TAP beside it for the skip check
# (scripts/check-skips.mjs: with CI=true a skip README.md does not list fails the run).
tap_dir=$(mktemp -d)
trap 'rm -rf "$tap_dir"' EXIT
node_tier() {
  local name=$1
  shift
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap_dir/$name.tap" "$@"
  node scripts/check-skips.mjs "$name" "$tap_dir/$name.tap"
}

echo "== Catch2 (native)"
ctest --test-dir build/native --output-on-failure
echo "== Catch2 (wasm under node)"
ctest --test-dir build/wasm-release --output-on-failure
echo "== node --test (the built module)"
node_tier node tests/js/
echo "== npm pack -> fresh install"
bash tests/package/smoke.sh
echo "== npm pack -> fresh Vite project (vite build + dev server) in Chromium"
bash tests/package/vite.sh
if compgen -G "tests/browser/*.test.js" >/dev/null; then
  echo "== Chromium (playwright-core)"
  node_tier chromium --test-concurrency=1 tests/browser/
fi

#!/usr/bin/env bash
# Every test tier: Catch2 natively, Catch2 as wasm under node, node --test against
# the built module, the npm-pack install smoke test, and the real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

echo "== Catch2 (native)"
ctest --test-dir build/native --output-on-failure
echo "== Catch2 (wasm under node)"
ctest --test-dir build/wasm-release --output-on-failure
echo "== node --test (the built module)"
node --test tests/js/
echo "== npm pack -> fresh install"
bash tests/package/smoke.sh
echo "== npm pack -> fresh Vite project (vite build + dev server) in Chromium"
bash tests/package/vite.sh
if compgen -G "tests/browser/*.test.js" >/dev/null; then
  echo "== Chromium (playwright-core)"
  node --test --test-concurrency=1 tests/browser/
fi

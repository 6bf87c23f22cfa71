#!/usr/bin/env bash
# The package as web teams consume it: npm pack -> a fresh Vite project (vite from npm) ->
# `vite build` -> the built page in Chromium finds the wasm asset and renders lists
# (main thread and worker mode); then the same page from `vite` (the dev server).
# VITE_VERSION overrides the Vite version (default 8), VITE_CONFIG the vite.config.js used.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
mkdir "$work/app"
cp tests/package/vite-app/index.html tests/package/vite-app/main.js "$work/app/"
cp "${VITE_CONFIG:-tests/package/vite-app/vite.config.js}" "$work/app/vite.config.js"
mkdir "$work/app/public"
node --input-type=module -e "
  import { writeFileSync } from 'node:fs';
  import { checkerboardBundle } from '$repo/tools/bundle-fixtures.mjs';
  writeFileSync('$work/app/public/model.safetensors', checkerboardBundle());"
cd "$work/app"
npm init -y >/dev/null
npm pkg set type=module
npm install --no-audit --no-fund --silent "vite@${VITE_VERSION:-8}" "$work/$tarball"
echo "$(./node_modules/.bin/vite --version)"
./node_modules/.bin/vite build --logLevel warn
ls dist/assets
node "$repo/tests/package/vite-check.mjs" dist "vite build"
# The dev server too, with the same (empty) configuration.
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
./node_modules/.bin/vite --port "$port" --strictPort --logLevel warn </dev/null >/dev/null 2>&1 &  # the node process itself, so kill reaches it
dev_pid=$!
trap 'kill "$dev_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.2; done
node "$repo/tests/package/vite-check.mjs" "http://127.0.0.1:$port" "vite dev server"

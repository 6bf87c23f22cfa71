#!/usr/bin/env bash
# Packs the package, installs the tarball into a fresh Node project and
# recommends from it, exactly as a user would (`import { createRecommender } from 'zhixuan'`),
# then trains, recommends, evaluates and converts with `npx zhixuan` (the wasm CLI it ships).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
mkdir "$work/app"
cp tests/package/app.mjs tests/package/cli.mjs tests/package/serve.mjs "$work/app/"
node --input-type=module -e "
  import { writeFileSync } from 'node:fs';
  import { checkerboardBundle } from '$PWD/tools/bundle-fixtures.mjs';
  writeFileSync('$work/app/model.safetensors', checkerboardBundle());"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "$work/$tarball"
node app.mjs
node cli.mjs
node serve.mjs "$repo/node_modules/better-sqlite3"

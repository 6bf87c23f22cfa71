#!/usr/bin/env bash
# The main job: build, then run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
node demo/preview.mjs

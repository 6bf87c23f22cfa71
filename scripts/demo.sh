#!/usr/bin/env bash
# The main job: build the package, generate the sample course platform (once; see
# demo/README.md), and serve the course page on localhost with no network. When the package
# has its aggregation server (js/server), it runs too and the page's federated rounds reach it
# through the demo server's /fed/ proxy.
#   PORT=8080 (default)   ZX_DEMO_SKIP_BUILD=1 to reuse an existing build
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${ZX_DEMO_SKIP_BUILD:-0}" = 1 ] || bash scripts/build.sh
node demo/generate/main.mjs
port=${PORT:-8080}
serve_args=(--port "$port")
if [ -d js/server ] && [ -f js/bin/zhixuan.js ]; then
  fed_port=$((port + 1))
  mkdir -p demo/generated/federated
  node js/bin/zhixuan.js serve --model demo/generated/model.safetensors --data demo/generated/federated --port "$fed_port" &
  aggregator_pid=$!
  trap 'kill "$aggregator_pid" 2>/dev/null || true' EXIT
  serve_args+=(--aggregator "http://127.0.0.1:$fed_port")
fi
node demo/serve.mjs "${serve_args[@]}"

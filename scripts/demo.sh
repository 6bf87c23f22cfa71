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
aggregator_cli=
[ -f js/server/cli.js ] && aggregator_cli=js/server/cli.js
[ -f js/bin/zhixuan.js ] && aggregator_cli=js/bin/zhixuan.js
if [ -n "$aggregator_cli" ]; then
  # Quorum 1: one phone's round is enough to aggregate, so the page shows the version moving on.
  # One phone cannot be a secure-aggregation cohort, so the demo's model rounds run the plain
  # path, explicitly. The device's ledger charges q = 1 (the phone does not draw its own
  # participation; a rate the server declares buys no amplification): one round at sigma = 1.1
  # costs what it really costs.
  # It also publishes the demo's A/B experiment (demo/experiments.json: diversity 0 vs 0.3 on
  # 为你推荐) and serves the operator dashboard behind a token made for this run. Metrics take the
  # private path, secure aggregation (the default): the seed below runs 100 simulated phones a
  # day through the metrics rounds (one cohort a day: --metrics-cohort 100); a round that gathers
  # fewer closes after 20 s with at least 10. Every phone of the seed, and the page through the
  # /fed/ proxy, comes from 127.0.0.1, hence the raised per-address flood limits.
  fed_port=$((port + 1))
  mkdir -p demo/generated/federated
  operator_token=$(node -e "process.stdout.write(require('node:crypto').randomBytes(16).toString('hex'))")
  node "$aggregator_cli" serve --model demo/generated/model.safetensors --data demo/generated/federated \
    --port "$fed_port" --quorum 1 --min-updates 1 --noise 1.1 --aggregation plain \
    --experiments demo/experiments.json --metrics-cohort 100 --metrics-deadline-ms 20000 \
    --requests-per-ip-per-minute 200000 --registrations-per-ip-per-minute 5000 --operator-token "$operator_token" &
  aggregator_pid=$!
  trap 'kill "$aggregator_pid" 2>/dev/null || true' EXIT
  # In the background: the page is up at once, the dashboard fills day by day (first run only).
  { node demo/seed-metrics.mjs --server "http://127.0.0.1:$fed_port" --file demo/experiments.json \
      --marker demo/generated/federated/metrics-seeded.txt || echo "zhixuan demo: the dashboard starts empty (seeding failed)" >&2; } &
  echo "zhixuan demo: operator dashboard (运营看板) http://127.0.0.1:$fed_port/ops?token=$operator_token"
  serve_args+=(--aggregator "http://127.0.0.1:$fed_port")
fi
node demo/serve.mjs "${serve_args[@]}"

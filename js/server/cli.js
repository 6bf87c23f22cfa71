#!/usr/bin/env node
// `zhixuan serve`: the aggregation server from the command line (also `node js/server/cli.js serve`).
import { pathToFileURL } from 'node:url';
import { startAggregationServer } from './server.js';

const OPTIONS = {
  '--model': ['modelPath', String],
  '--data': ['dataDir', String],
  '--host': ['host', String],
  '--port': ['port', Number],
  '--quorum': ['quorum', Number],
  '--min-updates': ['minUpdates', Number],
  '--deadline-ms': ['deadlineMs', Number],
  '--clip': ['clip', Number],
  '--noise': ['noiseMultiplier', Number],
  '--noise-mode': ['noiseMode', String],
  '--encoding': ['encoding', String],
  '--server-lr': ['serverLearningRate', Number],
  '--max-row-step': ['maxRowStep', Number],
  '--sampling-rate': ['samplingRate', Number],
  '--delta': ['delta', Number],
  '--window-rows': ['windowRows', Number],
  '--max-payload-bytes': ['maxPayloadBytes', Number],
  '--updates-per-client-per-minute': ['updatesPerClientPerMinute', Number],
  '--requests-per-ip-per-minute': ['requestsPerIpPerMinute', Number],
  '--registrations-per-ip-per-minute': ['registrationsPerIpPerMinute', Number],
  '--cors-origin': ['corsOrigins', (v) => v.split(',')],
  '--aggregation': ['aggregation', String],
  '--secure-min-cohort': ['secure.minCohort', Number],
  '--secure-cohort': ['secure.cohortTarget', Number],
  '--secure-stage-ms': ['secure.stageMs', Number],
  '--secure-curve': ['secure.curve', String],
  '--secure-scale-bits': ['secure.scaleBits', Number],
  '--secure-dropout': ['secure.dropout', Number],
  '--secure-corruption': ['secure.corruption', Number],
  '--secure-neighbours': ['secure.neighbours', Number],
  '--secure-threshold': ['secure.threshold', Number],
  '--experiments': ['experimentsPath', String],
  '--metrics-min-cohort': ['metricsSecure.minCohort', Number],
  '--metrics-cohort': ['metricsSecure.cohortTarget', Number],
  '--metrics-deadline-ms': ['metricsSecure.deadlineMs', Number],
  '--metrics-secure': ['metricsSecure', String],
  '--assist-topics': ['assistTopics', (v) => v.split(',').filter(Boolean)],
  '--fold-slots': ['foldSlots', (v) => {
    if (!['off', 'after-day'].includes(v)) throw new Error(`--fold-slots must be off or after-day, got ${v}`);
    return v;
  }],
  '--operator-token': ['operatorToken', String],
  '--tls-cert': ['tlsCert', String],
  '--tls-key': ['tlsKey', String],
  '--max-connections': ['maxConnections', Number],
  '--body-timeout-ms': ['bodyTimeoutMs', Number],
  '--headers-timeout-ms': ['headersTimeoutMs', Number],
  '--max-model-bytes': ['maxModelBytes', Number],
};

export const SERVE_USAGE = `usage: zhixuan serve --model model.safetensors --data DIR [options]
  --model M        the first model (ignored when DIR already holds state: the server resumes)
  --data DIR       SQLite state (WAL): models, rounds, clients, stored updates
  --host H         (default 127.0.0.1)      --port P   (default 8787, 0 = any free port)
  --quorum K       aggregate once K updates are stored (default 10)
  --deadline-ms T  aggregate at the deadline if --min-updates arrived (default 600000), else extend
  --clip C         L2 bound of one update (default 1)
  --noise SIGMA    noise multiplier (default 0)     --noise-mode central|local|none (default central)
  --encoding E     f16 | int8 (default f16)         --server-lr L  FedAvg server learning rate (default 1)
  --max-row-step S cap on one row's L2 change per round (default 0 = none)
  --sampling-rate Q  q of the accountant (default quorum / registered clients)
  --delta D        (default 1e-5)                   --window-rows W  public rotating row window (0 = all)
  --max-payload-bytes B  (default: the exact size of a valid payload)
  --updates-per-client-per-minute N, --requests-per-ip-per-minute N, --registrations-per-ip-per-minute N  flood limits
  --cors-origin O[,O]  page origins allowed to call the server ('*' for any; default none)
  --aggregation A  secure (default: the server sees only the sum of a cohort) | plain (each update alone)
  --secure-min-cohort N  fewest devices a secure round starts with (default 10)
  --secure-cohort N      members at which the advertise stage closes early (default: --quorum)
  --secure-stage-ms T    deadline of each stage after advertise (default 60000)
  --secure-curve C       X25519 (default) | P-256      --secure-scale-bits B  grid 2^B per clip (default 12)
  --secure-dropout R     fraction of a cohort that may drop (default 0.1) } the neighbours k of each
  --secure-corruption R  fraction that may collude (default 0.1)         } device (SecAgg+) follow
  --secure-neighbours K  k set directly (default: the rule's k for the cohort: 56 at 100, 60 at 1000)
  --secure-threshold F   t = ceil(F n) survivors, F in (0.5, 1] (default: floor(n/2) + 1): less noise
                         in the sum at the same epsilon; the round aborts if more than n - t drop
  --experiments F  publish this experiments file (GET /v1/experiments; metrics through secure
                   aggregation at /v1/secagg-metrics/, local-noise fallback at POST /v1/metrics)
  --metrics-min-cohort N  fewest devices a metrics round sums (default 10)
  --metrics-cohort N      members at which a metrics round closes advertise (default 200)
  --metrics-deadline-ms T advertise window of a metrics round (default 600000)
  --metrics-secure on|off off: no secure metrics rounds (every device noises locally); default on
  --assist-topics A,B,..  FAQ topics whose handed-over/unanswered counts the metrics carry
  --fold-slots off|after-day  after-day: once a metrics day's cohort is summed for the file in
                   force, fold its bandits' statistics into the next file (as POST
                   /ops/api/fold-slots does; docs/slots.md); default off
  --operator-token T  the operator's token (>= 16 characters): GET /v1/status and the dashboard /ops
                   need it (Authorization: Bearer T); default: a random one, printed at start
  --tls-cert F --tls-key F  serve HTTPS with this certificate chain and key (PEM)
  --max-connections N   sockets served at once (default 4096; the next get 503 TOO_MANY_CONNECTIONS)
  --body-timeout-ms T   a request body must arrive within T (default 30000; else 408 REQUEST_TIMEOUT)
  --headers-timeout-ms T  request headers within T (default 10000)
  --max-model-bytes B   largest bundle the operator may publish at POST /v1/models (default 256 MiB)`;

export function parseServeArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const spec = OPTIONS[argv[i]];
    if (!spec) throw new Error(`unknown option ${argv[i]}\n${SERVE_USAGE}`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${argv[i - 1]} needs a value`);
    const parsed = spec[1](value);
    if (spec[1] === Number && !Number.isFinite(parsed)) throw new Error(`${argv[i - 1]} needs a number, got '${value}'`);
    if (spec[0].startsWith('secure.')) options.secure = { ...options.secure, [spec[0].slice(7)]: parsed };
    else if (spec[0].startsWith('metricsSecure.')) options.metricsSecure = options.metricsSecure === false ? false : { ...options.metricsSecure, [spec[0].slice(14)]: parsed };
    else if (spec[0] === 'metricsSecure') {
      if (!['on', 'off'].includes(parsed)) throw new Error(`--metrics-secure is on or off, got '${value}'`);
      if (parsed === 'off') options.metricsSecure = false;
    }
    else options[spec[0]] = parsed;
  }
  if (!options.dataDir) throw new Error(`--data is required\n${SERVE_USAGE}`);
  return options;
}

/** Runs `serve` until SIGINT/SIGTERM; prints "listening on URL" once the round is open. */
export async function runServe(argv) {
  if (argv.includes('--help')) {
    console.log(SERVE_USAGE);
    return;
  }
  const options = parseServeArgs(argv);
  const server = await startAggregationServer({ ...options, log: (m) => console.error(`zhixuan serve: ${m}`) });
  console.log(`zhixuan serve: listening on ${server.url} (model ${server.model.version}, round ${server.roundRow.id})`);
  if (!options.operatorToken) console.log(`zhixuan serve: operator token ${server.operatorToken} (dashboard ${server.url}/ops?token=${server.operatorToken})`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'serve') {
    console.error(SERVE_USAGE);
    process.exit(2);
  }
  runServe(rest).catch((error) => {
    console.error(`zhixuan serve: ${error.message}`);
    process.exit(1);
  });
}

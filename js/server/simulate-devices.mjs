// The devices of one secure round for `zhixuan simulate --secure-aggregation`: the CLI computes
// each sampled client's clipped delta natively and writes them to a file (float32, back to
// back); this script runs one simulated device per delta through the real protocol against the
// server (WebCrypto ECDH and AES-GCM, the wasm core's quantization, noise and masks), each a
// dropout after sharing its keys with probability --dropout (drawn from crypto.getRandomValues).
// Usage: node js/server/simulate-devices.mjs --server URL --updates FILE --count K --length D [--dropout R] [--report FILE]
// Prints (and writes to --report) one JSON line: {completed, dropped, declined, aborted, bytes}.
import fs from 'node:fs';
import { loadCore } from './core.js';
import { runSecureRound } from '../federated/secagg-client.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (v.startsWith('--') ? [...acc, [v.slice(2), all[i + 1]]] : acc), []));
const count = Number(args.count);
const length = Number(args.length);
const dropout = Number(args.dropout ?? 0);
if (!args.server || !args.updates || !(count >= 1) || !(length >= 1) || !(dropout >= 0 && dropout < 1)) {
  console.error('usage: simulate-devices.mjs --server URL --updates FILE --count K --length D [--dropout R in [0, 1)]');
  process.exit(2);
}
const bytes = fs.readFileSync(args.updates);
if (bytes.byteLength !== count * length * 4) {
  console.error(`${args.updates}: ${bytes.byteLength} bytes, expected ${count} x ${length} float32`);
  process.exit(2);
}
const updates = new Float32Array(bytes.buffer, bytes.byteOffset, count * length);
const core = await loadCore();
const round = await (await fetch(`${args.server}/v1/round`)).json();
const drop = () => globalThis.crypto.getRandomValues(new Uint32Array(1))[0] < dropout * 2 ** 32;
const runs = [];
for (let i = 0; i < count; i++) {
  const { token } = await (await fetch(`${args.server}/v1/clients`, { method: 'POST' })).json();
  const values = updates.subarray(i * length, (i + 1) * length);
  const maskedInput = (params, index, peers, secrets, selfSeed) => {
    const out = core.secaggMaskValues(values, JSON.stringify(params), index, globalThis.crypto.getRandomValues(new Uint8Array(32)), selfSeed, peers, secrets);
    return out.masked;
  };
  runs.push(runSecureRound({
    core, server: args.server, token, round, maskedInput, chargeable: () => ({ affordable: true }), charge: () => {},
    // The operator's graph is taken as declared: the simulation measures quality, not policy.
    policy: { minCohort: 2, pollMs: 20, dropout: 0, corruption: 0 }, dropAfter: drop() ? 'share' : null,
  }));
}
const results = await Promise.all(runs);
const tally = { completed: 0, dropped: 0, declined: 0, aborted: 0, bytes: 0 };
for (const r of results) {
  tally[r.status] = (tally[r.status] ?? 0) + 1;
  tally.bytes = Math.max(tally.bytes, r.bytes ?? 0);
  if (r.reason) tally.reasons = { ...tally.reasons, [r.reason]: (tally.reasons?.[r.reason] ?? 0) + 1 };
}
console.log(JSON.stringify(tally));
if (args.report) fs.writeFileSync(args.report, JSON.stringify(tally));
process.exit(tally.completed > 0 ? 0 : 1);

// Time of one device update in wasm (Node 20, the package's module): fold-in, dense gradient over
// every row, clip, noise, f16/int8 encoding, for N items at d = 64 (issue 6: <= 20 ms at 5k).
//   node bench/federated-update.bench.mjs [items=5000] [repeats=50]
import { performance } from 'node:perf_hooks';
import { createRecommender } from '../js/index.js';
import { f32Bundle, gaussianRows, itemIds } from '../tools/bundle-fixtures.mjs';

const items = Number(process.argv[2] ?? 5000);
const repeats = Number(process.argv[3] ?? 50);
const dim = 64;
const rows = gaussianRows(items, dim, 11).map((v) => v * 0.1);
const rec = await createRecommender({ model: f32Bundle(rows, itemIds(items), dim) });
rec.federated.setConsent(true, { epsilonBudget: Infinity });
const history = Array.from({ length: 40 }, (_, i) => `item${(i * 97) % items}`);
for (const [label, config] of [
  ['f16, central noise', { encoding: 'f16', noise_mode: 'central', noise_multiplier: 1 }],
  ['int8, central noise', { encoding: 'int8', noise_mode: 'central', noise_multiplier: 1 }],
  ['f16, local noise', { encoding: 'f16', noise_mode: 'local', noise_multiplier: 1 }],
]) {
  const round = { round_id: 1, base_version: 'test-1', clip: 1, sampling_rate: 0.01, delta: 1e-5, ...config };
  let bytes = 0;
  for (let i = 0; i < 5; i++) bytes = rec.federated.computeUpdate(round, { history }).length;  // warm-up
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    rec.federated.computeUpdate(round, { history });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${items} items, d=${dim}, ${label}: median ${times[times.length >> 1].toFixed(2)} ms, p90 ${times[Math.floor(times.length * 0.9)].toFixed(2)} ms, payload ${bytes} bytes`);
}

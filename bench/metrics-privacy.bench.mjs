// What a day of experiment metrics costs a device in epsilon, and what the noise costs the
// operator: epsilon of one day's report (one Gaussian release, q = 1, the RDP accountant of the
// federated rounds, run by the built core) for several noise multipliers z, beside the device-days
// per arm a 5% relative CTR lift then needs (80% power, alpha 0.05; base CTR 5%, 10 impressions a
// device-day; local noise on every device, and one draw per sum as secure aggregation would give).
// Usage: node bench/metrics-privacy.bench.mjs [--delta 1e-6] [--max-cells 4]
import { loadCore } from '../js/server/core.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const delta = Number(args.delta ?? 1e-6);
const maxCells = Number(args['max-cells'] ?? 4);
const core = await loadCore();
const sensitivity = Math.sqrt(13 * maxCells);
const p = 0.05;
const impressions = 10;
const dataVar = (p * (1 - p)) / impressions;
const k = (1.959963984540054 + 0.8416212335729143) ** 2 * 2 / (0.05 * p) ** 2;

console.log(`one day of metrics: ${maxCells} cells x 13 values, L2 sensitivity ${sensitivity.toFixed(2)}, delta ${delta}`);
console.log('  z       eps/day   eps/30 days   device-days per arm: no noise   local noise      one draw per sum');
for (const z of [0.5, 1, 2, 4, 8]) {
  const eps = (steps) => core.federatedEpsilon(1, z, steps, delta).epsilon;
  const noiseVar = ((z * sensitivity * 20) ** 2 + p * p * (z * sensitivity * 200) ** 2) / impressions ** 2;
  let central = k * dataVar;
  for (let i = 0; i < 60; i++) central = k * (dataVar + noiseVar / central);
  console.log(`  ${String(z).padEnd(7)} ${eps(1).toFixed(2).padStart(7)}   ${eps(30).toFixed(2).padStart(11)}   ${Math.ceil(k * dataVar).toLocaleString('en-US').padStart(27)}   ${Math.ceil(k * (dataVar + noiseVar)).toExponential(2).padStart(14)}   ${Math.ceil(central).toLocaleString('en-US').padStart(16)}`);
}

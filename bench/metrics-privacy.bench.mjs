// What a day of experiment metrics costs a device in epsilon, and what the noise costs the
// operator: epsilon of one day's report (one Gaussian release, q = 1, the RDP accountant of the
// federated rounds, run by the built core) for several noise multipliers z, beside the device-days
// per arm a 5% relative CTR lift then needs (80% power, alpha 0.05; base CTR 5%, 10 impressions a
// device-day; local noise on every device, and one draw per sum as secure aggregation would give).
// Second table: the secure metrics rounds as built (js/server/metrics-rounds.js): the epsilon a
// device's ledger is charged (the effective noise multiplier sqrt(t sigma_dev^2) / Delta of the
// round's params, secaggLayout) beside the local-noise epsilon, and the device-days per arm with
// the distributed noise of cohorts of n devices (threshold t = floor(n/2) + 1, all surviving:
// each cohort's sum carries n sigma_dev^2 >= (n/t) (z C s)^2, plus the rounding).
// Usage: node bench/metrics-privacy.bench.mjs [--delta 1e-6] [--max-cells 4] [--cells 12] [--scale-bits 16]
import { loadCore } from '../js/server/core.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const delta = Number(args.delta ?? 1e-6);
const maxCells = Number(args['max-cells'] ?? 4);
const cells = Number(args.cells ?? 12);          // the layout's cells (the simulated file: 12)
const scaleBits = Number(args['scale-bits'] ?? 16);
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

// The secure metrics rounds: what the ledger is charged and what the sums carry.
const zs = [0.5, 1, 2, 4, 8];
const cohorts = [10, 200, 1000, 10000];
const secure = (z, n) => {
  const t = Math.floor(n / 2) + 1;
  const noiseVariance = core.secaggNoiseVariance(z, scaleBits, t);
  const params = { round_id: 1, length: cells * 13, block_log2: 14, clip: sensitivity, scale_bits: scaleBits, noise_variance: noiseVariance, cohort: n, threshold: t, rotation_seed: '00'.repeat(32) };
  const layout = core.secaggLayout(JSON.stringify(params));
  const s2 = (2 ** scaleBits / sensitivity) ** 2;
  // per device, in units of the normalized vector: its noise share and its rounding
  const perDevice = (noiseVariance + 0.25) / s2;
  const noiseVar = perDevice * (20 ** 2 + p * p * 200 ** 2) / impressions ** 2;
  return { t, zEff: layout.effectiveNoiseMultiplier, eps: core.federatedEpsilon(1, layout.effectiveNoiseMultiplier, 1, delta).epsilon, days: Math.ceil(k * (dataVar + noiseVar)) };
};
console.log('');
console.log(`secure metrics rounds (scale 2^${scaleBits}, ${cells} cells): eps/day a device is charged, and device-days per arm, by cohort size n`);
console.log(`  z       eps/day local   ${cohorts.map((n) => `eps/day n=${n}`.padStart(14)).join(' ')}   ${cohorts.map((n) => `days n=${n}`.padStart(12)).join(' ')}`);
for (const z of zs) {
  const rows = cohorts.map((n) => secure(z, n));
  console.log(`  ${String(z).padEnd(7)} ${core.federatedEpsilon(1, z, 1, delta).epsilon.toFixed(2).padStart(13)}   ${rows.map((r) => r.eps.toFixed(2).padStart(14)).join(' ')}   ${rows.map((r) => r.days.toLocaleString('en-US').padStart(12)).join(' ')}`);
}

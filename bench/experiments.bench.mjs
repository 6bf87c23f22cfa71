// Simulations behind the experiment statistics of the operator dashboard (js/server/experiments-stats.js,
// the same functions the server runs):
//   1. A/A: 1,000 simulated A/A experiments, a look after every round: the false-positive rate of
//      the mSPRT (always-valid) against a fixed-horizon z-test peeked at the same looks; without
//      and with the devices' local privacy noise.
//   2. Power: device-days per arm to detect a 5% relative CTR lift at 80% power (alpha = 0.05,
//      two-sided, fixed horizon) without noise, with the local Gaussian noise of today's reports,
//      and with one noise draw per sum (what secure aggregation with distributed noise gives);
//      the no-noise figure checked by simulation.
//   3. SRM: a 50/50 experiment whose assignment drops 2% of one arm, flagged (p < 0.001) how often.
// Usage: node bench/experiments.bench.mjs [--experiments 1000] [--looks 20] [--users-per-look 200] [--seed 1]
// Simulated users are drawn from a seeded PRNG (reproducible figures); they protect nobody, so
// they are not the device's privacy noise (that comes from crypto.getRandomValues in js/ops.js).
import { addInto, difference, emptyAggregate, metricsOf, msprtLook, srmCheck, V, VALUES } from '../js/server/experiments-stats.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const EXPERIMENTS = Number(args.experiments ?? 1000);
const LOOKS = Number(args.looks ?? 20);
const USERS_PER_LOOK = Number(args['users-per-look'] ?? 200);
let seed = Number(args.seed ?? 1) >>> 0;

// The defaults of the experiments file (metrics_report.hpp): z = 1, 4 cells a device-day,
// 13 values a cell -> L2 sensitivity sqrt(52); bounds impressions 200, clicks 20.
const Z = 1;
const SENSITIVITY = Math.sqrt(13 * 4);
const BOUNDS = [1, 200, 20, 10, 5, 2000, 200 ** 2, 20 ** 2, 10 ** 2, 5 ** 2, 2000 ** 2, 20 * 200, 5 * 20];
const SIGMA = BOUNDS.map((b) => Z * SENSITIVITY * b);

// The simulated platform: a user-day sees 1 + Poisson(9) impressions, each clicked with p = 5%.
const BASE_CTR = 0.05;
const MEAN_IMPRESSIONS = 10;

function random() {  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function gaussian() {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
function poisson(lambda) {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do { k++; p *= random(); } while (p > l);
  return k - 1;
}

// n device-days of one arm: the summed 13-vector (carts, purchases, revenue left at 0), plus the
// summed local noise when `noisy` (n draws of N(0, sigma^2) per coordinate = one N(0, n sigma^2)).
function armLook(n, ctr, noisy) {
  const agg = emptyAggregate();
  const s = agg.sums;
  for (let u = 0; u < n; u++) {
    const imp = 1 + poisson(MEAN_IMPRESSIONS - 1);
    let clk = 0;
    for (let i = 0; i < imp; i++) if (random() < ctr) clk++;
    s[V.users] += 1;
    s[V.impressions] += imp;
    s[V.clicks] += clk;
    s[V.impressions2] += imp * imp;
    s[V.clicks2] += clk * clk;
    s[V.clicksImpressions] += clk * imp;
  }
  agg.reports = n;
  if (noisy) {
    for (let j = 0; j < VALUES; j++) {
      s[j] += Math.sqrt(n) * SIGMA[j] * gaussian();
      agg.noiseVar[j] = n * SIGMA[j] ** 2;
    }
  }
  return agg;
}

// n device-days by the central limit theorem (for the noisy runs, whose n must be large enough
// for the noised impressions to stay positive): clicks given impressions are binomial; the squared
// sums at their expectations (their sampling error is nothing beside the privacy noise on them).
function armLookClt(n, ctr) {
  const agg = emptyAggregate();
  const s = agg.sums;
  const imp = n * MEAN_IMPRESSIONS + Math.sqrt(n * (MEAN_IMPRESSIONS - 1)) * gaussian();
  const clk = ctr * imp + Math.sqrt(imp * ctr * (1 - ctr)) * gaussian();
  const ei2 = (MEAN_IMPRESSIONS - 1) + MEAN_IMPRESSIONS ** 2;
  s[V.users] = n;
  s[V.impressions] = imp;
  s[V.clicks] = clk;
  s[V.impressions2] = n * ei2;
  s[V.clicks2] = n * (MEAN_IMPRESSIONS * ctr * (1 - ctr) + ctr * ctr * ei2);
  s[V.clicksImpressions] = n * ctr * ei2;
  agg.reports = n;
  for (let j = 0; j < VALUES; j++) {
    s[j] += Math.sqrt(n) * SIGMA[j] * gaussian();
    agg.noiseVar[j] = n * SIGMA[j] ** 2;
  }
  return agg;
}

function aaRun(noisy, usersPerLook = USERS_PER_LOOK) {
  let msprtRejections = 0;
  let peekedRejections = 0;
  let finalRejections = 0;
  for (let e = 0; e < EXPERIMENTS; e++) {
    const a = emptyAggregate();
    const b = emptyAggregate();
    let p = 1;
    let msprtRejected = false;
    let peekedRejected = false;
    let last = null;
    for (let look = 0; look < LOOKS; look++) {
      addInto(a, noisy ? armLookClt(usersPerLook, BASE_CTR) : armLook(usersPerLook, BASE_CTR, false));
      addInto(b, noisy ? armLookClt(usersPerLook, BASE_CTR) : armLook(usersPerLook, BASE_CTR, false));
      const ma = metricsOf(a).ctr;
      const diff = difference(ma, metricsOf(b).ctr);
      if (!diff) continue;  // no impressions yet (noise can make the sum <= 0): no decision at this look
      p = msprtLook(diff, BASE_CTR, p).p;  // tau from the known base rate: the A/A truth
      if (p <= 0.05) msprtRejected = true;
      if (diff.fixedHorizonP < 0.05) peekedRejected = true;
      last = diff;
    }
    msprtRejections += msprtRejected;
    peekedRejections += peekedRejected;
    finalRejections += (last?.fixedHorizonP ?? 1) < 0.05;
  }
  return { msprt: msprtRejections / EXPERIMENTS, peeked: peekedRejections / EXPERIMENTS, once: finalRejections / EXPERIMENTS };
}

function ci95(rate, n) {
  const half = 1.96 * Math.sqrt((rate * (1 - rate)) / n);
  return `${(rate * 100).toFixed(1)}% (±${(half * 100).toFixed(1)})`;
}

function powerFigures() {
  const zA = 1.959963984540054;
  const zB = 0.8416212335729143;
  const p = BASE_CTR;
  const delta = 0.05 * p;
  // Per device-day linearized variance of CTR: Var(c - p i) / E[i]^2 = E[i] p (1 - p) / E[i]^2.
  const dataVar = (MEAN_IMPRESSIONS * p * (1 - p)) / MEAN_IMPRESSIONS ** 2;
  const noiseVar = (SIGMA[V.clicks] ** 2 + p * p * SIGMA[V.impressions] ** 2) / MEAN_IMPRESSIONS ** 2;
  const perArm = (variance) => Math.ceil(((zA + zB) ** 2 * 2 * variance) / delta ** 2);
  const noNoise = perArm(dataVar);
  const local = perArm(dataVar + noiseVar);
  // One noise draw per sum (secure aggregation, distributed noise): variance of the ratio gains
  // (sigma_c^2 + p^2 sigma_i^2) / (n E[i])^2, i.e. noiseVar / n per device-day: solve n.
  let central = noNoise;
  for (let i = 0; i < 50; i++) central = perArm(dataVar + noiseVar / central);
  // Check the no-noise figure: 400 experiments of that size with a true 5% lift.
  let detected = 0;
  const reps = 400;
  for (let r = 0; r < reps; r++) {
    const diff = difference(metricsOf(armLook(noNoise, p, false)).ctr, metricsOf(armLook(noNoise, p * 1.05, false)).ctr);
    detected += diff.fixedHorizonP < 0.05;
  }
  return { dataVar, noiseVar, noNoise, local, central, simulatedPower: detected / reps, reps };
}

function srmFigures() {
  const rows = [];
  for (const perArm of [20000, 50000, 100000, 200000]) {
    let flaggedBroken = 0;
    let flaggedHealthy = 0;
    let flaggedNoisy = 0;
    const reps = 1000;
    for (let r = 0; r < reps; r++) {
      // Assignment by a fair coin for 2 * perArm users; the broken one loses 2% of arm B.
      const n = 2 * perArm;
      const a = Math.round(n / 2 + Math.sqrt(n / 4) * gaussian());
      const b = n - a;
      let lostB = 0;
      for (let k = 0; k < 1; k++) lostB = Math.round(b * 0.02 + Math.sqrt(b * 0.02 * 0.98) * gaussian());
      flaggedHealthy += srmCheck([a, b], [50, 50]).flagged;
      flaggedBroken += srmCheck([a, b - lostB], [50, 50]).flagged;
      // With today's local noise on every device's users count (sigma_users per report, every device reports).
      const nv = n * SIGMA[V.users] ** 2 / 2;
      flaggedNoisy += srmCheck([a + Math.sqrt(nv) * gaussian(), b - lostB + Math.sqrt(nv) * gaussian()], [50, 50], [nv, nv]).flagged;
    }
    rows.push({ perArm, broken: flaggedBroken / reps, healthy: flaggedHealthy / reps, noisy: flaggedNoisy / reps });
  }
  return rows;
}

const started = performance.now();
console.log(`A/A: ${EXPERIMENTS} experiments x ${LOOKS} looks, ${USERS_PER_LOOK} device-days per arm per look, CTR ${BASE_CTR}, ${MEAN_IMPRESSIONS} impressions per device-day`);
console.log('                       mSPRT (any look)   z-test peeked every look   z-test once at the end');
const clean = aaRun(false);
console.log(`  no privacy noise     ${ci95(clean.msprt, EXPERIMENTS).padEnd(18)} ${ci95(clean.peeked, EXPERIMENTS).padEnd(26)} ${ci95(clean.once, EXPERIMENTS)}`);
const NOISY_USERS_PER_LOOK = 1_000_000;
const noisy = aaRun(true, NOISY_USERS_PER_LOOK);
console.log(`  local noise (z=1)    ${ci95(noisy.msprt, EXPERIMENTS).padEnd(18)} ${ci95(noisy.peeked, EXPERIMENTS).padEnd(26)} ${ci95(noisy.once, EXPERIMENTS)}   (${NOISY_USERS_PER_LOOK.toLocaleString('en-US')} device-days per arm per look, sums by the CLT)`);

const power = powerFigures();
console.log(`\nPower: 5% relative CTR lift (${BASE_CTR} -> ${(BASE_CTR * 1.05).toFixed(4)}), 80% power, alpha 0.05 two-sided, fixed horizon`);
console.log(`  per device-day variance of CTR: data ${power.dataVar.toExponential(3)}, local noise ${power.noiseVar.toExponential(3)} (x${(power.noiseVar / power.dataVar).toFixed(0)})`);
console.log(`  device-days per arm, no privacy noise:                       ${power.noNoise.toLocaleString('en-US')} (simulated power at that size: ${(power.simulatedPower * 100).toFixed(1)}% over ${power.reps} runs)`);
console.log(`  device-days per arm, local Gaussian noise (today, z=1):      ${power.local.toLocaleString('en-US')}`);
console.log(`  device-days per arm, one noise draw per sum (secure agg.):   ${power.central.toLocaleString('en-US')}`);

console.log('\nSRM: 50/50, flagged at p < 0.001 (1,000 runs each)');
console.log('  users per arm   healthy flagged   2% of arm B dropped: flagged   same, with local noise on the counts');
for (const r of srmFigures()) {
  console.log(`  ${String(r.perArm).padEnd(15)} ${(r.healthy * 100).toFixed(1).padStart(6)}%           ${(r.broken * 100).toFixed(1).padStart(6)}%                        ${(r.noisy * 100).toFixed(1).padStart(6)}%`);
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);

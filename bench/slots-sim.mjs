// Slot bandits in a simulated platform with known truth, through the real SDK: every device runs
// rec.slots (js/slots.js over the wasm core) for its own visits; at the end of each day the
// devices' posterior statistics are summed (what the private aggregation would deliver, here
// without its noise) and the server folds them into the next day's priors (core FoldSlotStats).
//
// World: 3 channels, 4 strategies (personal, popular, new, long_tail), two slots on the page:
// "banner" (Beta on clicks, a course at 99) and "rail" (normal on revenue; strategies' courses
// cost 99/69/49/199). Each visit puts the banner on top or below the rail (50/50), and the lower
// slot is examined with probability 0.6 (position-based click model; the banner's config knows
// it). The best arm differs by channel. Policies on the same users and the same random numbers:
// the bandit, the best fixed layout (one arm per slot, the best in hindsight), uniform random,
// and the oracle (the best arm per channel and slot).
// Then 100 repetitions: a shorter run's bandit logs -> `zhixuan ope` for a candidate policy ->
// is the true value inside each estimator's 95% interval?
//
//   node bench/slots-sim.mjs [--users 1000] [--days 30] [--seed 1] [--rail-conversion 0.1,0.1,0.1,0.1] [--exploration 0.02] [--reps 100] [--ope-users 500] [--ope-days 4] [--svg bench/slots-sim.svg]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecommender } from '../js/index.js';
import { Slots } from '../js/slots.js';
import { checkerboardBundle } from '../tools/bundle-fixtures.mjs';
import { rng } from '../tools/random.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const USERS = Number(opt('users', 1000)), DAYS = Number(opt('days', 30)), REPS = Number(opt('reps', 100));
const SEED = Number(opt('seed', 1));  // the main run's world and devices
// The uniform share mixed into every render's policy: it floors the propensities (bounded
// off-policy weights) and costs about exploration x 3/4 of the renders at steady state.
const EXPLORATION = Number(opt('exploration', 0.02));
const SVG = opt('svg', fileURLToPath(new URL('./slots-sim.svg', import.meta.url)));

const CHANNELS = ['web', 'mini-program', 'app'];
const ARMS = ['personal', 'popular', 'new', 'long_tail'];
const EXAMINED_BELOW = 0.6;
// P(click | examined) by channel and arm; conversion and price per click.
const CLICK = {
  banner: { web: [0.12, 0.08, 0.05, 0.04], 'mini-program': [0.06, 0.11, 0.05, 0.04], app: [0.05, 0.06, 0.12, 0.05] },
  rail: { web: [0.10, 0.10, 0.10, 0.04], 'mini-program': [0.06, 0.12, 0.08, 0.03], app: [0.05, 0.06, 0.15, 0.07] },
};
// P(purchase | click) per arm. --rail-conversion a,b,c,d: a world where the rail's arms convert
// differently (a check of the funnel's conversion pooling, which assumes nothing of the kind).
const CONVERSION = { banner: [0.08, 0.08, 0.08, 0.08], rail: opt('rail-conversion', '0.10,0.10,0.10,0.10').split(',').map(Number) };
const PRICE = { banner: [99, 99, 99, 99], rail: [99, 69, 49, 199] };
const SLOTS = ['banner', 'rail'];
const T0 = 1764633600;

// Expected revenue of one render (position 0: examined; 1: EXAMINED_BELOW).
const expected = (slot, channel, arm, position) => (position ? EXAMINED_BELOW : 1) * CLICK[slot][channel][arm] * CONVERSION[slot][arm] * PRICE[slot][arm];
const bestArm = (slot, channel) => [0, 1, 2, 3].reduce((b, a) => (expected(slot, channel, a, 0) > expected(slot, channel, b, 0) ? a : b), 0);
const bestFixed = (slot) => [0, 1, 2, 3].reduce((b, a) => {
  const value = (x) => CHANNELS.reduce((s, ch) => s + expected(slot, ch, x, 0), 0);
  return value(a) > value(b) ? a : b;
}, 0);

function slotsFile() {
  const arms = ARMS.map((id) => ({ id, strategy: id }));
  return JSON.stringify({
    version: 'sim-slots-0',
    bandits: {
      channels: CHANNELS,
      slots: [
        { slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, exploration: EXPLORATION, samples: 200,
          split_by: ['channel'], examination: [1, EXAMINED_BELOW], arms },
        // The funnel model: revenue per render = P(click) x P(purchase | click) x amount. Purchases
        // come in 1 of 80-400 renders, clicks 10x as often: the click rate (per channel,
        // position-weighted) carries the ranking early, the conversion and the amount (per arm,
        // pooled over channels) its value; the amount's prior mean is the catalog's typical price,
        // and each arm's conversion borrows 50 clicks' worth of the slot's pooled conversion.
        // (Earlier runs: a normal model on the raw amount reached 86.8% of the oracle, a
        // log-normal 79.1%; RESULTS.md.)
        { slot: 'rail', model: 'funnel', reward: 'revenue', delay_window_seconds: 600, exploration: EXPLORATION, samples: 200,
          split_by: ['channel'], examination: [1, EXAMINED_BELOW], conversion_pooling: 50, prior: { mean: 99, kappa: 1, shape: 1, scale: 100 }, arms },
      ],
    },
  });
}

// Sums the devices' statistics cell by cell (the aggregate the server receives).
function addStats(total, stats) {
  for (const slot of stats.slots) {
    const s = (total[slot.slot] ??= {});
    for (const arm of slot.arms) {
      for (const cell of arm.cells ?? []) {
        if (cell.n === 0) continue;
        const c = (((s[arm.id] ??= { cells: {} }).cells)[cell.cell] ??= { n: 0, sum: 0, sumSq: 0 });
        c.n += cell.n, c.sum += cell.sum, c.sumSq += cell.sumSq;
      }
      if (arm.value && arm.value.clicks > 0) {  // what the funnel's clicks were worth, per arm
        const v = ((s[arm.id] ??= { cells: {} }).value ??= { clicks: 0, purchases: 0, sum: 0, sumSq: 0 });
        for (const f of Object.keys(v)) v[f] += arm.value[f];
      }
    }
  }
}
const statsJson = (total) => JSON.stringify({
  slots: Object.entries(total).map(([slot, arms]) => ({
    slot, arms: Object.entries(arms).map(([id, { cells, value }]) => ({ id, cells: Object.entries(cells).map(([cell, c]) => ({ cell, ...c })), ...(value && { value }) })),
  })),
});

/**
 * One run of `days` days for `users` users under a policy: 'bandit' | 'fixed' | 'uniform' | 'oracle'.
 * Returns per day the realized and expected revenue and the expected regret; with `log`, the
 * bandit's renders for off-policy evaluation.
 */
function run(rec, policy, { users, days, seed, log = null }) {
  const channelOf = (u) => CHANNELS[u % CHANNELS.length];
  let file = slotsFile();
  const perDay = [];
  for (let day = 0; day < days; day++) {
    const aggregate = {};
    let realized = 0, expectedRevenue = 0, regret = 0;
    const bySlot = Object.fromEntries(SLOTS.map((slot) => [slot, 0]));
    const shares = {};  // slot -> channel -> arm -> renders
    for (let u = 0; u < users; u++) {
      const world = rng(seed * 7919 + day * 100003 + u);  // the same visit under every policy
      const pick = rng(seed * 104729 + day * 1009 + u);  // the non-bandit policies' own draws
      const channel = channelOf(u);
      const bannerOnTop = world() < 0.5;
      let now = T0 + day * 86400 + 3600 + u;
      let slots = null;
      if (policy === 'bandit') {
        slots = new Slots(rec);
        slots._setClock(() => now);
        slots._reseed(seed * 1000003 + day * 10007 + u + 1, file);
      }
      for (const slot of SLOTS) {
        const position = (slot === 'banner') === bannerOnTop ? 0 : 1;
        let arm, choice;
        if (policy === 'bandit') {
          choice = slots.choose(slot, { channel, position });
          arm = ARMS.indexOf(choice.arm);
        } else if (policy === 'fixed') arm = bestFixed(slot);
        else if (policy === 'oracle') arm = bestArm(slot, channel);
        else arm = Math.floor(pick() * ARMS.length);
        const examined = world() < (position ? EXAMINED_BELOW : 1);
        const clicked = examined && world() < CLICK[slot][channel][arm];
        const bought = clicked && world() < CONVERSION[slot][arm];
        const revenue = bought ? PRICE[slot][arm] : 0;
        realized += revenue;
        const byChannel = ((shares[slot] ??= {})[channel] ??= [0, 0, 0, 0]);
        byChannel[arm] += 1;
        expectedRevenue += expected(slot, channel, arm, position);
        bySlot[slot] += expected(slot, channel, arm, position) / users;
        regret += expected(slot, channel, bestArm(slot, channel), position) - expected(slot, channel, arm, position);
        if (choice) {
          if (clicked) slots.reward(choice.renderId, { type: 'click' });
          if (bought) slots.reward(choice.renderId, { type: 'purchase', value: revenue });
          log?.push({ slot, channel, position, arm: choice.arm, click: clicked ? 1 : 0, revenue, propensity: choice.propensity });
        }
        now += 1;
      }
      if (slots) {
        now += 86400;  // the day ends: every window closes
        slots.advance();
        addStats(aggregate, slots.stats());
        slots._dispose();
      }
    }
    if (policy === 'bandit') file = rec._core.slotsFoldStats(file, statsJson(aggregate)).file;
    perDay.push({ realized: realized / users, expected: expectedRevenue / users, regret: regret / users, shares, bySlot });
  }
  return perDay;
}

function cliCommand() {
  const native = fileURLToPath(new URL('../build/native/zhixuan', import.meta.url));
  return existsSync(native) ? [native] : ['node', fileURLToPath(new URL('../dist/zhixuan-cli.cjs', import.meta.url))];
}

// The candidate policy: a different arm per channel (not the bandit's own choice everywhere).
const CANDIDATE = { web: 'personal', 'mini-program': 'popular', app: 'new' };
function candidatePolicy() {
  const contexts = {};
  for (const ch of CHANNELS) contexts[ch] = Object.fromEntries(ARMS.map((a) => [a, a === CANDIDATE[ch] ? 0.7 : 0.1]));
  return { slots: { '*': { contexts } } };
}

// Expected reward of one render for an estimand: clicks (the click model's P) or revenue.
const expectedReward = {
  click: (slot, channel, arm, position) => (position ? EXAMINED_BELOW : 1) * CLICK[slot][channel][arm],
  revenue: expected,
};

function opeCoverage(rec, work, { users, days }) {
  const cli = cliCommand();
  const policy = candidatePolicy();
  const policyPath = join(work, 'candidate.json');
  writeFileSync(policyPath, JSON.stringify(policy));
  const estimators = ['ipw', 'snipw', 'dr'];
  const tally = {};
  for (const estimand of ['click', 'revenue']) tally[estimand] = Object.fromEntries(estimators.map((k) => [k, { hits: 0, widths: [], errors: [] }]));
  for (let rep = 0; rep < REPS; rep++) {
    const log = [];
    run(rec, 'bandit', { users, days, seed: 1000 + rep, log });
    for (const estimand of ['click', 'revenue']) {
      // The truth, given the logged renders' slot, channel and position: the candidate's expected
      // reward per render (the position is not a context of the policy, but it is of the world).
      let truth = 0;
      for (const r of log) {
        const dist = policy.slots['*'].contexts[r.channel];
        for (const [a, p] of Object.entries(dist)) truth += p * expectedReward[estimand](r.slot, r.channel, ARMS.indexOf(a), r.position);
      }
      truth /= log.length;
      const logsPath = join(work, `logs-${rep}-${estimand}.csv`);
      writeFileSync(logsPath, 'slot,context,action,reward,propensity\n' + log.map((r) => `${r.slot},${r.channel},${r.arm},${r[estimand]},${r.propensity}`).join('\n') + '\n');
      const out = spawnSync(cli[0], [...cli.slice(1), 'ope', '--logs', logsPath, '--policy', policyPath, '--json', '--bootstrap', '200', '--seed', String(rep + 1)], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`zhixuan ope: ${out.stderr}`);
      const overall = JSON.parse(out.stdout).results.at(-1);
      for (const k of estimators) {
        const t = tally[estimand][k];
        if (overall[k].lo <= truth && truth <= overall[k].hi) t.hits += 1;
        t.widths.push((overall[k].hi - overall[k].lo) / truth);
        t.errors.push(Math.abs(overall[k].value - truth) / truth);
      }
      rmSync(logsPath);
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  for (const e of Object.values(tally)) {
    for (const k of estimators) e[k] = { coverage: e[k].hits / REPS, medianWidth: median(e[k].widths), medianError: median(e[k].errors) };
  }
  return tally;
}

function chart(results) {
  const W = 640, H = 260, pad = 40, panel = (W - 3 * pad) / 2;
  const colors = { bandit: '#d9480f', fixed: '#1c7ed6', uniform: '#868e96', oracle: '#2b8a3e' };
  const line = (values, x0, max) => values.map((v, i) => `${(x0 + (i / (values.length - 1)) * panel).toFixed(1)},${(H - pad - (v / max) * (H - 2 * pad)).toFixed(1)}`).join(' ');
  const cumulative = (days) => days.reduce((acc, d) => [...acc, (acc.at(-1) ?? 0) + d.regret], []);
  const regretMax = Math.max(...Object.values(results).map((d) => cumulative(d).at(-1))) || 1;
  const revenueMax = Math.max(...Object.values(results).flatMap((d) => d.map((x) => x.expected)));
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">\n`;
  svg += `<text x="${pad}" y="16">cumulative regret (expected revenue per user)</text><text x="${2 * pad + panel}" y="16">expected revenue per user per day</text>\n`;
  for (const x0 of [pad, 2 * pad + panel]) svg += `<rect x="${x0}" y="${pad}" width="${panel}" height="${H - 2 * pad}" fill="none" stroke="#ccc"/>\n`;
  svg += `<text x="${pad}" y="${H - pad + 14}">day 1</text><text x="${pad + panel - 30}" y="${H - pad + 14}">day ${DAYS}</text>`;
  svg += `<text x="4" y="${pad + 4}">${regretMax.toFixed(0)}</text><text x="${pad + panel + 4}" y="${pad + 4}">${revenueMax.toFixed(2)}</text>\n`;
  let ly = pad + 12;
  for (const [name, days] of Object.entries(results)) {
    svg += `<polyline fill="none" stroke="${colors[name]}" stroke-width="2" points="${line(cumulative(days), pad, regretMax)}"/>\n`;
    svg += `<polyline fill="none" stroke="${colors[name]}" stroke-width="2" points="${line(days.map((d) => d.expected), 2 * pad + panel, revenueMax)}"/>\n`;
    svg += `<text x="${2 * pad + panel + 6}" y="${H - pad - 60 + (ly - pad)}" fill="${colors[name]}">${name}</text>\n`;
    ly += 12;
  }
  return svg + '</svg>\n';
}

const rec = await createRecommender({ model: checkerboardBundle(), profile: false });
const work = mkdtempSync(join(tmpdir(), 'zx-slots-sim-'));
try {
  const t0 = performance.now();
  const results = {};
  for (const policy of ['bandit', 'fixed', 'uniform', 'oracle']) results[policy] = run(rec, policy, { users: USERS, days: DAYS, seed: SEED });
  const simMs = performance.now() - t0;
  const total = (days, key) => days.reduce((s, d) => s + d[key], 0) / days.length;
  console.log(`slots simulator: ${USERS} users x ${DAYS} days, 2 slots, 4 arms, 3 channels (${(simMs / 1000).toFixed(1)} s for the 4 policies)`);
  console.log(`best fixed layout: banner=${ARMS[bestFixed('banner')]}, rail=${ARMS[bestFixed('rail')]}; oracle per channel: ${CHANNELS.map((ch) => `${ch}: ${ARMS[bestArm('banner', ch)]}/${ARMS[bestArm('rail', ch)]}`).join(', ')}`);
  console.log(`  ${'policy'.padEnd(8)} ${'revenue/user/day (realized)'.padEnd(28)} ${'(expected)'.padEnd(11)} ${'vs oracle'.padEnd(10)} ${'cum. regret/user'.padEnd(17)} last-week expected`);
  const oracle = total(results.oracle, 'expected');
  for (const [name, days] of Object.entries(results)) {
    const lastWeek = days.slice(-7).reduce((s, d) => s + d.expected, 0) / Math.min(7, days.length);
    console.log(`  ${name.padEnd(8)} ${total(days, 'realized').toFixed(3).padEnd(28)} ${total(days, 'expected').toFixed(3).padEnd(11)} ${(100 * total(days, 'expected') / oracle).toFixed(1).padStart(5)}%    ${days.reduce((s, d) => s + d.regret, 0).toFixed(2).padEnd(17)} ${lastWeek.toFixed(3)}`);
  }
  const slotShare = (name, slot) => results[name].reduce((a, d) => a + d.bySlot[slot], 0) / results.oracle.reduce((a, d) => a + d.bySlot[slot], 0);
  console.log(`per slot over the month, share of the oracle's expected revenue: ` + SLOTS.map((slot) => `${slot}: bandit ${(100 * slotShare('bandit', slot)).toFixed(1)}%, fixed ${(100 * slotShare('fixed', slot)).toFixed(1)}%`).join('; '));
  const daily = (value) => results.bandit.map((d, i) => Math.round(100 * value(d) / value(results.oracle[i]))).join(' ');
  console.log(`bandit's expected revenue per day, % of the oracle's: ${daily((d) => d.expected)}`);
  for (const slot of SLOTS) console.log(`  ${slot.padEnd(7)} ${daily((d) => d.bySlot[slot])}`);
  const last = results.bandit.at(-1).shares;
  console.log(`bandit's arm shares on the last day (${ARMS.join('/')}), * = the best arm: ` + SLOTS.map((slot) => `${slot}: ` + CHANNELS.map((ch) => {
    const n = last[slot][ch].reduce((a, b) => a + b, 0);
    return `${ch} ` + last[slot][ch].map((c, a) => `${Math.round(100 * c / n)}%${a === bestArm(slot, ch) ? '*' : ''}`).join('/');
  }).join(', ')).join('; '));
  const bandit = total(results.bandit, 'expected'), fixed = total(results.fixed, 'expected');
  console.log(`bars (expected revenue over the month): bandit/oracle ${(100 * bandit / oracle).toFixed(1)}% (bar >= 90%): ${bandit >= 0.9 * oracle ? 'PASS' : 'MISS'}; ` +
    `bandit vs best fixed +${(100 * (bandit / fixed - 1)).toFixed(1)}% (bar >= 15%): ${bandit >= 1.15 * fixed ? 'PASS' : 'MISS'}`);
  writeFileSync(SVG, chart(results));
  console.log(`chart: ${SVG}`);
  if (REPS > 0) {
    const t1 = performance.now();
    const [users, days] = [Number(opt('ope-users', 500)), Number(opt('ope-days', 4))];
    const coverage = opeCoverage(rec, work, { users, days });
    console.log(`\noff-policy: candidate (70% ${JSON.stringify(CANDIDATE)}, 10% each other arm) from the bandit's own logs (${users} users x ${days} days, ${2 * users * days} renders), ${REPS} repetitions, 95% bootstrap intervals (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    for (const [estimand, byEstimator] of Object.entries(coverage)) {
      for (const [k, c] of Object.entries(byEstimator)) {
        console.log(`  ${estimand.padEnd(8)} ${k.padEnd(6)} truth inside the interval ${(100 * c.coverage).toFixed(0)}% (bar >= 90%: ${c.coverage >= 0.9 ? 'PASS' : 'MISS'}); median width ${(100 * c.medianWidth).toFixed(0)}% of the truth; median |error| ${(100 * c.medianError).toFixed(1)}%`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  rec.dispose();
}

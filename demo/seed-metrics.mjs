#!/usr/bin/env node
// Gives the operator dashboard (/ops of the demo's aggregation server) a past to show: simulated
// phones run the SDK's own ops code (assignment, render, attribution, the day's clipped report,
// noised on the "device" with the file's noise) for the demo's experiment over the last days,
// and post their reports like real devices. The page's own reports join them from the next day.
// Once per data directory (a marker file), so restarts do not count the same days twice.
//   node demo/seed-metrics.mjs --server URL --file demo/experiments.json --marker FILE [--days 7] [--users 300]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadCore } from '../js/server/core.js';
import { postSimulatedDay } from '../tools/ops-sim.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
if (!args.server || !args.file || !args.marker) {
  console.error('usage: node demo/seed-metrics.mjs --server URL --file experiments.json --marker FILE [--days 7] [--users 300]');
  process.exit(2);
}
if (existsSync(args.marker)) process.exit(0);
const file = JSON.parse(readFileSync(args.file, 'utf8'));
const [experiment] = file.experiments;
const days = Number(args.days ?? 7);
const users = Number(args.users ?? 300);
const today = Math.floor(Date.now() / 86400000);
const core = await loadCore();
// The server starts beside this script: wait (10 s at most) until it answers.
for (let tries = 0; ; tries++) {
  const ok = await fetch(new URL('v1/experiments', `${args.server}/`)).then((r) => r.ok, () => false);
  if (ok) break;
  if (tries === 50) throw new Error(`the aggregation server at ${args.server} did not answer`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}
let posted = 0;
for (let d = days; d >= 1; d--) {
  posted += await postSimulatedDay(core, args.server, file, {
    day: today - d, users, seed: d, userOffset: d * 100000, experiment: experiment.id, slot: experiment.slots[0],
    channels: ['h5', 'mini-program'], k: 12, ctr: { control: 0.05, div03: 0.065 }, buy: 0.15, price: 199,
  });
}
writeFileSync(args.marker, `${new Date().toISOString()} ${posted} simulated device-days of ${file.version}\n`);
console.log(`zhixuan demo: the dashboard has ${posted} simulated device-days (${days} days × ${users} phones) of "${experiment.description ?? experiment.id}"`);

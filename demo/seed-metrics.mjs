#!/usr/bin/env node
// Gives the operator dashboard (/ops of the demo's aggregation server) a past to show, through
// the private path: simulated phones run the SDK's own ops code (assignment, render, attribution,
// the day's clipped report) for the demo's experiment over the last days, and each day they take
// part in the server's secure-aggregation metrics round with the SDK's own device code
// (sendSecureMetrics: its own client token, key agreement, Shamir shares, the report masked with
// its share of the distributed noise in wasm). The server learns each day's cohort sum, nothing
// of one phone. The page's own reports join them from the next day.
// Once per data directory (a marker file), so restarts do not count the same days twice.
//   node demo/seed-metrics.mjs --server URL --file demo/experiments.json --marker FILE [--days 7] [--users 100]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../js/server/core.js';
import { postSecureDay } from '../tools/ops-sim.mjs';

/**
 * Runs `days` days (yesterday and before) of `users` phones through the server's secure metrics
 * rounds, oldest first, so the dashboard fills day by day: one cohort a day when `users` is the
 * server's --metrics-cohort (scripts/demo.sh: 100). Resolves {secure, local, cohorts}.
 */
export async function seedMetrics({ server, file, days = 7, users = 100, core, onDay = () => {} }) {
  const [experiment] = file.experiments;
  const today = Math.floor(Date.now() / 86400000);
  const total = { secure: 0, local: 0, cohorts: 0 };
  for (let d = days; d >= 1; d--) {
    // The same phones every day (phone i keeps its client token); what they do differs by day.
    const day = await postSecureDay(core, server, file, {
      day: today - d, users, seed: d, experiment: experiment.id, slot: experiment.slots[0],
      channels: ['h5', 'mini-program'], k: 12, ctr: { control: 0.05, div03: 0.065 }, buy: 0.15, price: 199,
      pollMs: 500,  // a cohort of phones asking for the stage twice a second, not ten times
    });
    for (const key of Object.keys(total)) total[key] += day[key];
    onDay(today - d, day);
  }
  return total;
}

// The server starts beside this script: wait (10 s at most) until it answers.
async function waitFor(server) {
  for (let tries = 0; ; tries++) {
    const ok = await fetch(new URL('v1/experiments', `${server}/`)).then((r) => r.ok, () => false);
    if (ok) return;
    if (tries === 50) throw new Error(`the aggregation server at ${server} did not answer`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
  if (!args.server || !args.file || !args.marker) {
    console.error('usage: node demo/seed-metrics.mjs --server URL --file experiments.json --marker FILE [--days 7] [--users 100]');
    process.exit(2);
  }
  if (existsSync(args.marker)) process.exit(0);
  const file = JSON.parse(readFileSync(args.file, 'utf8'));
  const days = Number(args.days ?? 7);
  const users = Number(args.users ?? 100);
  const core = await loadCore();
  await waitFor(args.server);
  const started = Date.now();
  const total = await seedMetrics({ server: args.server, file, days, users, core });
  writeFileSync(args.marker, `${new Date().toISOString()} ${total.secure} simulated device-days of ${file.version} in ${total.cohorts} secure cohorts, ${total.local} local\n`);
  console.log(`zhixuan demo: the dashboard has ${total.secure} simulated device-days (${days} days × ${users} phones) of "${file.experiments[0].description ?? file.experiments[0].id}", summed in ${total.cohorts} secure-aggregation rounds (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

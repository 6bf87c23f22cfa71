// µs per profile update in wasm (Node 20, the package's module), d = 64, 5000 items: one event on
// an item of a history of H items, then the re-solved user vector (issue 4: <= 60 µs at H = 50).
//   (a) core path: ProfileRoom.prepare + commit + vector (validation, log record, rank-1
//       Cholesky update, solve, the embind crossings), as track() calls them
//   (b) await rec.track(event) with memory storage (adds the promise queue and storage put)
// Events stay inside one decay tick (the realistic case; crossing a tick re-folds everything once,
// see bench/native/profile_foldin_bench.cpp for that cost).
//   node bench/profile-update.bench.mjs [items=5000] [updates=4000]
import { performance } from 'node:perf_hooks';
import { createRecommender, memoryStorage } from '../js/index.js';
import { f32Bundle, gaussianRows, itemIds } from '../tools/bundle-fixtures.mjs';

const items = Number(process.argv[2] ?? 5000);
const updates = Number(process.argv[3] ?? 4000);
const dim = 64;
const day = 86400e3;
const start = Math.floor(Date.now() / day) * day;  // today, UTC: one 24 h decay tick
const rows = gaussianRows(items, dim, 11).map((v) => v * 0.1);
const bundle = f32Bundle(rows, itemIds(items), dim, { profile: { decay_tick_hours: 24, max_events: 100000, snapshot_every: 1e6 } });

// The machine is shared: besides percentiles, the mean of the fastest block of 50 updates.
function stats(times) {
  let best = Infinity;
  for (let b = 0; b + 50 <= times.length; b += 50) best = Math.min(best, times.slice(b, b + 50).reduce((x, y) => x + y) / 50);
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(times.length * q))].toFixed(1);
  return `median ${at(0.5)} µs, p10 ${at(0.1)} µs, p90 ${at(0.9)} µs, best block ${best.toFixed(1)} µs`;
}

for (const historySize of [50, 500]) {
  const rec = await createRecommender({ model: bundle, storage: memoryStorage() });
  const handle = rec._profile._handle;
  let ts = start;
  const event = (i) => ({ type: 'view', item: `item${(i % historySize) * Math.floor(items / historySize)}`, channel: 'web', ts: ts++ });
  for (let i = 0; i < historySize; i++) await rec.track(event(i));
  const now = Date.now() + 60e3;

  const core = [];
  for (let i = 0; i < updates; i++) {
    const e = event(i);
    const t0 = performance.now();
    const prepared = handle.prepare(e.type, e.item, e.channel, e.ts, undefined, undefined, now);
    handle.commit(prepared.seq);
    handle.vector();
    core.push((performance.now() - t0) * 1000);
  }
  const tracked = [];
  for (let i = 0; i < updates; i++) {
    const e = event(i);
    const t0 = performance.now();
    await rec.track(e);
    tracked.push((performance.now() - t0) * 1000);
  }
  console.log(`d=${dim}, ${items} items, history ${historySize}: prepare+commit+vector ${stats(core)} | await track() ${stats(tracked)}`);
  rec.dispose();
}

// µs per profile update in wasm (Node 20, the package's module), d = 64, 5000 items: one event on
// an item of a history of H items, then the re-solved user vector (issue 4: <= 60 µs at H = 50).
//   (a) core path: ProfileRoom.prepare + commit + vector (validation, log record, rank-1
//       Cholesky update, solve, the embind crossings), as track() calls them
//   (b) await rec.track(event) with memory storage (adds the promise queue and storage put)
//   (c) the same with the records sealed (AES-GCM, js/storage/sealed.js) over memory storage:
//       the cost of encryption at rest alone, without a disk's fsync
//   (d) await rec.track(event) into directoryStorage, in the clear and sealed (fsync-bound;
//       fewer updates)
// Events stay inside one decay tick (the realistic case; crossing a tick re-folds everything once,
// see bench/native/profile_foldin_bench.cpp for that cost).
//   node bench/profile-update.bench.mjs [items=5000] [updates=4000]
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecommender, directoryStorage, memoryStorage } from '../js/index.js';
import { SealedStorage, generateDeviceKey } from '../js/storage/sealed.js';
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

  // (c) sealed over memory: the same events, the same queue, plus AES-GCM per record.
  const key = await generateDeviceKey(false);
  const sealedMemory = new SealedStorage(memoryStorage(), 'bench', { load: async () => key, create: async () => key, destroy: async () => {} });
  const sealedRec = await createRecommender({ model: bundle, storage: sealedMemory });
  ts = start;
  for (let i = 0; i < historySize; i++) await sealedRec.track(event(i));
  const sealed = [];
  for (let i = 0; i < updates; i++) {
    const e = event(i);
    const t0 = performance.now();
    await sealedRec.track(e);
    sealed.push((performance.now() - t0) * 1000);
  }
  console.log(`  await track() sealed (AES-GCM over memory): ${stats(sealed)}`);
  sealedRec.dispose();
}

// (d) on disk: fsync dominates; the clear and sealed stores side by side, interleaved in blocks.
const diskUpdates = Math.min(updates, 400);
const recs = {};
for (const [name, encrypt] of [['clear', false], ['sealed', true]]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-bench-'));
  recs[name] = await createRecommender({ model: bundle, storage: directoryStorage(dir, { encrypt }), userId: 'bench' });
}
const disk = { clear: [], sealed: [] };
let diskTs = start;
for (let block = 0; block < diskUpdates / 50; block++) {
  for (const name of ['clear', 'sealed']) {
    for (let i = 0; i < 50; i++) {
      const e = { type: 'view', item: `item${(block * 50 + i) % items}`, channel: 'web', ts: diskTs++ };
      const t0 = performance.now();
      await recs[name].track(e);
      disk[name].push((performance.now() - t0) * 1000);
    }
  }
}
console.log(`directoryStorage, ${diskUpdates} updates each: clear ${stats(disk.clear)} | sealed ${stats(disk.sealed)}`);
for (const rec of Object.values(recs)) rec.dispose();

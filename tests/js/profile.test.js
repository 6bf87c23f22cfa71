// The local user profile through the public API: track, profile, recommend from the profile,
// export/import (merge), forget, storage adapters (memory, directory) and crash-safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecommender, directoryStorage, memoryStorage, ZhixuanError } from '../../js/index.js';
import { checkerboardRows, f32Bundle, itemIds } from '../../tools/bundle-fixtures.mjs';

const N = 40;
const DIM = 16;
const NOW = Date.now();
const catalog = {
  items: Array.from({ length: N }, (_, i) => ({
    id: `item${i}`,
    tags: [i % 2 ? 'design' : 'python'],
    price: 10 * (i + 1),
    ...(i === 0 ? { aliases: { 'mini-program': 'mp_0' } } : {}),
  })),
};
const bundle = (profile = {}, rows = checkerboardRows(N, DIM)) => f32Bundle(rows, itemIds(N), DIM, { profile });
const isEven = (id) => Number(id.replace('item', '')) % 2 === 0;
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zx-profile-'));

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => e instanceof ZhixuanError && e.code === code);
}
function throwsWith(fn, code) {
  assert.throws(fn, (e) => e instanceof ZhixuanError && e.code === code);
}

test('track builds the profile; recommend() uses it, excludes seen items and gives a reason', async () => {
  const rec = await createRecommender({ model: bundle(), catalog, storage: memoryStorage() });
  for (const [i, item] of ['item0', 'item2', 'item4', 'item6'].entries()) {
    assert.equal(await rec.track({ id: `e${i}`, type: 'purchase', item, channel: 'web', ts: NOW - 1000 + i }), true);
  }
  await rec.track({ type: 'view', item: 'mp_0', channel: 'mini-program', ts: NOW });
  await rec.track({ type: 'dismiss', item: 'item8', channel: 'app', ts: NOW });
  const { ids, scores, reasons } = rec.recommend({ k: 8 });
  assert.equal(ids.length, 8);
  assert.ok(ids.every(isEven), `even items expected, got ${ids}`);
  assert.ok(ids.every((id) => !['item0', 'item2', 'item4', 'item6', 'item8'].includes(id)), 'seen items are excluded');
  assert.ok(scores instanceof Float32Array);
  assert.equal(reasons.length, 8);
  for (const r of reasons) {
    assert.equal(r.kind, 'item');
    assert.ok(['item0', 'item2', 'item4', 'item6'].includes(r.item));
    assert.ok(r.share > 0 && r.share <= 1);
  }
  const p = rec.profile();
  assert.equal(p.tags[0].tag, 'python');
  assert.equal(p.spending.purchases, 4);
  assert.equal(p.spending.tier, 'budget');
  assert.deepEqual(p.channels.map((c) => c.channel).sort(), ['app', 'mini-program', 'web']);
  assert.equal(p.counts.purchase, 4);
  assert.equal(p.recency.total_events, 6);
  // The alias was aligned to its canonical id.
  const exported = rec.exportProfile();
  assert.ok(new TextDecoder().decode(exported).includes('"item0","mini-program"'));
  rec.dispose();
});

test('duplicates are ignored; bad events throw clear codes and leave the profile intact', async () => {
  const rec = await createRecommender({ model: bundle(), catalog, storage: memoryStorage() });
  assert.equal(await rec.track({ id: 'a', type: 'click', item: 'item2', channel: 'web', ts: NOW }), true);
  assert.equal(await rec.track({ id: 'a', type: 'purchase', item: 'item4', channel: 'web', ts: NOW }), false);
  const before = rec.exportProfile();
  await rejectsWith(rec.track({ type: 'teleport', item: 'item2', channel: 'web', ts: NOW }), 'UNKNOWN_EVENT');
  await rejectsWith(rec.track({ type: 'click', item: 'nope', channel: 'web', ts: NOW }), 'UNKNOWN_ITEM');
  await rejectsWith(rec.track({ type: 'click', item: 'item2', channel: 'web', ts: NOW + 86400e3 }), 'INVALID_ARGUMENT');
  await rejectsWith(rec.track({ type: 'click', item: 'item2', channel: 'web', ts: 'yesterday' }), 'INVALID_ARGUMENT');
  await rejectsWith(rec.track({ type: 'purchase', item: 'item2', channel: 'web', ts: NOW, value: 1e300 }), 'INVALID_ARGUMENT');
  await rejectsWith(rec.track({ type: 'click', item: 'item2', ts: NOW, colour: 'red' }), 'INVALID_ARGUMENT');
  await assert.rejects(rec.track(null), TypeError);
  assert.deepEqual(rec.exportProfile(), before);
  rec.dispose();
});

test('exportProfile/importProfile merge two devices; re-import is idempotent; broken blobs are rejected', async () => {
  const phone = await createRecommender({ model: bundle(), catalog, storage: memoryStorage() });
  const laptop = await createRecommender({ model: bundle(), catalog, storage: memoryStorage() });
  await phone.track({ id: 'p1', type: 'purchase', item: 'item2', channel: 'app', ts: NOW - 5 });
  await phone.track({ id: 'shared', type: 'view', item: 'item4', channel: 'web', ts: NOW - 4 });
  await laptop.track({ id: 'shared', type: 'view', item: 'item4', channel: 'web', ts: NOW - 4 });
  await laptop.track({ id: 'l1', type: 'favorite', item: 'item6', channel: 'web', ts: NOW - 3 });
  const fromPhone = phone.exportProfile();
  const fromLaptop = laptop.exportProfile();
  await phone.importProfile(fromLaptop);
  await laptop.importProfile(fromPhone);
  assert.deepEqual(phone.exportProfile(), laptop.exportProfile());
  assert.deepEqual(phone.recommend({ k: 5 }).ids, laptop.recommend({ k: 5 }).ids);
  assert.equal(phone.profile().recency.total_events, 3);
  const merged = phone.exportProfile();
  await phone.importProfile(fromLaptop);
  assert.deepEqual(phone.exportProfile(), merged, 'importing the same blob again changes nothing');

  const flipped = fromLaptop.slice();
  flipped[30] ^= 0x20;
  await rejectsWith(phone.importProfile(flipped), 'INTEGRITY');
  await rejectsWith(phone.importProfile(fromLaptop.slice(0, 40)), 'INTEGRITY');
  await rejectsWith(phone.importProfile(new TextEncoder().encode('{"events":[]}')), 'MALFORMED_PAYLOAD');
  assert.throws(() => phone.importProfile('not bytes'), TypeError);
  assert.deepEqual(phone.exportProfile(), merged);
  phone.dispose();
  laptop.dispose();
});

test('directory storage: the profile survives a restart, snapshots trim the log', async () => {
  const dir = tmpDir();
  const options = { model: bundle({ snapshot_every: 4 }), catalog, storage: directoryStorage(dir), userId: 'u1' };
  const rec = await createRecommender(options);
  for (let i = 0; i < 10; i++) await rec.track({ id: `e${i}`, type: i % 3 ? 'view' : 'purchase', item: `item${(i * 2) % 20}`, channel: 'web', ts: NOW - 100 + i });
  const profile = rec.profile();
  const list = rec.recommend({ k: 5 });
  rec.dispose();
  const files = fs.readdirSync(path.join(dir, 'u1')).sort();
  assert.ok(files.includes('snap-0') && files.includes('snap-1'), `two snapshot slots, got ${files}`);
  assert.ok(files.filter((f) => f.startsWith('log-')).length < 10, 'covered log records were trimmed');

  const again = await createRecommender(options);
  assert.deepEqual(again.profile().tags, profile.tags);
  assert.deepEqual(again.profile().counts, profile.counts);
  assert.deepEqual(again.recommend({ k: 5 }).ids, list.ids);
  assert.equal(await again.track({ id: 'e3', type: 'view', item: 'item6', channel: 'web', ts: NOW }), false, 'ids survive the restart');
  await again.forget();
  assert.equal(fs.existsSync(path.join(dir, 'u1')), false, 'forget removes every file');
  assert.equal(again.profile().recency.total_events, 0);
  again.dispose();
});

test('directory storage: a torn snapshot is rebuilt from the log; a corrupt log record is skipped with a warning', async () => {
  const dir = tmpDir();
  // In the clear: this is the core's own recovery (the sealed layer's is storage-sealed.test.js).
  const options = { model: bundle({ snapshot_every: 1000 }), catalog, storage: directoryStorage(dir, { encrypt: false }), userId: 'u2' };
  const rec = await createRecommender(options);
  for (let i = 0; i < 6; i++) await rec.track({ id: `e${i}`, type: 'click', item: `item${i}`, channel: 'web', ts: NOW - 10 + i });
  rec.dispose();
  const userDir = path.join(dir, 'u2');
  // A torn snapshot (half written) in slot 0, and one corrupt log record.
  fs.writeFileSync(path.join(userDir, 'snap-0'), Buffer.from('ZXPF\x01\x00\x01\x00garbage'));
  const logs = fs.readdirSync(userDir).filter((f) => f.startsWith('log-')).sort();
  const victim = path.join(userDir, logs[2]);
  const bytes = fs.readFileSync(victim);
  bytes[bytes.length - 10] ^= 0xff;
  fs.writeFileSync(victim, bytes);
  const warnings = [];
  const warn = console.warn;
  console.warn = (m) => warnings.push(String(m));
  let again;
  try {
    again = await createRecommender(options);
  } finally {
    console.warn = warn;
  }
  assert.ok(warnings.some((w) => w.includes('snapshot 0 skipped')), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.includes('log record 2 skipped')), warnings.join('\n'));
  assert.equal(again.profile().recency.total_events, 5, 'the five good events are kept');
  again.dispose();
  // The rebuilt snapshot was written: the next start is clean (the bad record stays skipped).
  const third = await createRecommender(options);
  assert.equal(third.profile().recency.total_events, 5);
  third.dispose();
});

test('a storage quota error is a clear ZhixuanError and keeps the stored profile intact', async () => {
  const inner = memoryStorage();
  let full = false;
  const adapter = {
    get: (k) => inner.get(k),
    keys: () => inner.keys(),
    delete: (k) => inner.delete(k),
    clear: () => inner.clear(),
    put: async (k, b) => {
      if (full) throw new ZhixuanError('QUOTA_EXCEEDED', 'storage quota exceeded while saving the profile');
      return inner.put(k, b);
    },
  };
  const rec = await createRecommender({ model: bundle(), catalog, storage: adapter });
  await rec.track({ id: 'a', type: 'purchase', item: 'item2', channel: 'web', ts: NOW });
  const before = rec.exportProfile();
  full = true;
  await rejectsWith(rec.track({ id: 'b', type: 'purchase', item: 'item4', channel: 'web', ts: NOW }), 'QUOTA_EXCEEDED');
  await rejectsWith(rec.importProfile(before), 'QUOTA_EXCEEDED');
  assert.deepEqual(rec.exportProfile(), before, 'memory state unchanged');
  full = false;
  rec.dispose();
  const reopened = await createRecommender({ model: bundle(), catalog, storage: adapter });
  assert.deepEqual(reopened.exportProfile(), before, 'stored state unchanged');
  assert.equal(await reopened.track({ id: 'b', type: 'purchase', item: 'item4', channel: 'web', ts: NOW }), true);
  reopened.dispose();
});

test('a new model version re-folds the user from the stored events', async () => {
  const storage = memoryStorage();
  const v1 = await createRecommender({ model: bundle(), catalog, storage });
  for (const item of ['item1', 'item3', 'item5']) await v1.track({ type: 'purchase', item, channel: 'web', ts: NOW });
  assert.ok(v1.recommend({ k: 5 }).ids.every((id) => !isEven(id)));
  v1.dispose();
  // v2: the clusters moved to other axes; same ids.
  const rows = checkerboardRows(N, DIM).map((v) => v * 0.05);
  for (let i = 0; i < N; i++) rows[i * DIM + 5 + (i % 2)] += 1;
  const v2 = await createRecommender({ model: bundle({}, rows), catalog, storage });
  assert.equal(v2.profile().counts.purchase, 3);
  assert.ok(v2.recommend({ k: 5 }).ids.every((id) => !isEven(id)), 'odd items still lead under the new embeddings');
  v2.dispose();
});

test('profile: false gives a recommender without a profile', async () => {
  const rec = await createRecommender({ model: bundle(), catalog, profile: false });
  throwsWith(() => rec.profile(), 'UNSUPPORTED');
  throwsWith(() => rec.recommend({ k: 3 }), 'INVALID_ARGUMENT');
  rec.dispose();
});

// Encryption at rest in Node (js/storage/sealed.js over the directory adapter): the raw files
// hold no event type, item id, tag, channel or vector; a record edited, truncated, moved to
// another user or renamed fails with INTEGRITY and the profile skips it; the key file is 0600
// (and refused when others may read it); forget() shreds the key before the records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecommender, directoryStorage, ZhixuanError } from '../../js/index.js';
import { checkerboardRows, f32Bundle, itemIds } from '../../tools/bundle-fixtures.mjs';

const N = 40;
const DIM = 16;
const NOW = Date.now();
const catalog = { items: Array.from({ length: N }, (_, i) => ({ id: `item${i}`, tags: [i % 2 ? 'design-tag' : 'python-tag'], price: 10 * (i + 1) })) };
const bundle = (profile = {}) => f32Bundle(checkerboardRows(N, DIM), itemIds(N), DIM, { profile });
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zx-sealed-'));

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => e instanceof ZhixuanError && e.code === code, `expected ${code}`);
}

async function trackSome(storage, userId, count = 8, snapshotEvery = 5) {
  const rec = await createRecommender({ model: bundle({ snapshot_every: snapshotEvery }), catalog, storage, userId });
  for (let i = 0; i < count; i++) {
    await rec.track({ id: `evt-${i}`, type: i % 2 ? 'purchase' : 'favorite', item: `item${(i * 3) % N}`, channel: 'mini-program', ts: NOW - 1000 + i, value: i % 2 ? 42.5 : undefined });
  }
  const vector = rec._profile.vector();
  const total = rec.profile().recency.total_events;
  rec.dispose();
  return { vector, total };
}

// Every file under dir, raw.
function rawFiles(dir) {
  return fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => fs.statSync(f).isFile())
    .map((f) => ({ file: f, bytes: fs.readFileSync(f) }));
}

function secretsIn(files, vector) {
  const needles = ['purchase', 'favorite', 'item3', 'item21', 'python-tag', 'mini-program', 'evt-1', 'ZXLG', 'ZXPF']
    .map((s) => ({ what: s, bytes: Buffer.from(s) }));
  needles.push({ what: 'the user vector', bytes: Buffer.from(vector.buffer, vector.byteOffset, 16) });
  const found = [];
  for (const { file, bytes } of files) {
    for (const n of needles) if (bytes.includes(n.bytes)) found.push(`${n.what} in ${path.basename(file)}`);
  }
  return found;
}

test('sealed directory storage: the raw files hold no event type, item id, tag, channel or vector', async () => {
  const dir = tmpDir();
  const { vector, total } = await trackSome(directoryStorage(dir), 'alice');
  assert.equal(total, 8);
  const files = rawFiles(dir);
  assert.ok(files.some((f) => path.basename(f.file).startsWith('log-')) && files.some((f) => path.basename(f.file).startsWith('snap-')));
  assert.deepEqual(secretsIn(files, vector), []);
  for (const { file, bytes } of files) {
    if (!file.endsWith('.key')) assert.equal(bytes.subarray(0, 4).toString('latin1'), 'ZXSE', file);
  }
  // The same events in the clear: the search above would have found them.
  const plain = tmpDir();
  await trackSome(directoryStorage(plain, { encrypt: false }), 'alice');
  const leaks = secretsIn(rawFiles(plain), vector);
  assert.ok(leaks.some((l) => l.startsWith('item3')) && leaks.some((l) => l.startsWith('purchase')), leaks.join());

  // And the sealed profile reads back whole.
  const again = await createRecommender({ model: bundle({ snapshot_every: 5 }), catalog, storage: directoryStorage(dir), userId: 'alice' });
  assert.equal(again.profile().recency.total_events, 8);
  assert.deepEqual(again._profile.warnings, []);
  again.dispose();
});

test('the key file is 32 bytes with mode 0600; one others may read is refused', async () => {
  const dir = tmpDir();
  await trackSome(directoryStorage(dir), 'bob', 2);
  const keyFile = path.join(dir, 'bob.key');
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(fs.statSync(keyFile).size, 32);
  fs.chmodSync(keyFile, 0o644);
  await rejectsWith(createRecommender({ model: bundle(), catalog, storage: directoryStorage(dir), userId: 'bob' }), 'IO');
});

test('a record edited, truncated, moved to another user or renamed fails with INTEGRITY', async () => {
  const dir = tmpDir();
  await trackSome(directoryStorage(dir), 'alice', 4, 1000);
  await trackSome(directoryStorage(dir), 'mallory', 4, 1000);
  const alice = directoryStorage(dir).create('alice');
  const keys = (await alice.keys()).filter((k) => k.startsWith('log-'));
  assert.equal(keys.length, 4);
  const file = (user, key) => path.join(dir, user, key);
  const original = fs.readFileSync(file('alice', keys[0]));
  assert.ok((await alice.get(keys[0])).length > 0, 'an intact record opens');

  const edited = Buffer.from(original);
  edited[edited.length - 20] ^= 0x01;
  fs.writeFileSync(file('alice', keys[0]), edited);
  await rejectsWith(alice.get(keys[0]), 'INTEGRITY');
  fs.writeFileSync(file('alice', keys[0]), original.subarray(0, original.length - 1));
  await rejectsWith(alice.get(keys[0]), 'INTEGRITY');
  fs.writeFileSync(file('alice', keys[0]), original.subarray(0, 10));
  await rejectsWith(alice.get(keys[0]), 'INTEGRITY');
  fs.writeFileSync(file('alice', keys[0]), original);
  fs.writeFileSync(file('alice', keys[1]), original);  // renamed onto another key of the same user
  await rejectsWith(alice.get(keys[1]), 'INTEGRITY');

  // Moved into another user's store (same key name): mallory's key does not open it, and even
  // under mallory's own key the associated data names alice.
  fs.copyFileSync(file('alice', keys[2]), file('mallory', keys[2]));
  const mallory = directoryStorage(dir).create('mallory');
  await rejectsWith(mallory.get(keys[2]), 'INTEGRITY');

  // The profile restore skips the bad record with a warning and keeps the three others.
  const warn = console.warn;
  const warnings = [];
  console.warn = (m) => warnings.push(String(m));
  try {
    const rec = await createRecommender({ model: bundle({ snapshot_every: 1000 }), catalog, storage: directoryStorage(dir), userId: 'mallory' });
    assert.equal(rec.profile().recency.total_events, 3);
    assert.ok(rec._profile.warnings.some((w) => w.startsWith(`record ${keys[2]} skipped`)), rec._profile.warnings.join('\n'));
    rec.dispose();
  } finally {
    console.warn = warn;
  }
});

test('forget() destroys the key file first, then the records', async () => {
  const dir = tmpDir();
  await trackSome(directoryStorage(dir), 'carol', 3);
  const storage = directoryStorage(dir).create('carol');
  const keyFile = path.join(dir, 'carol.key');
  const recordsClear = storage.inner.clear.bind(storage.inner);
  let keyPresentWhenRecordsCleared;
  storage.inner.clear = async () => {
    keyPresentWhenRecordsCleared = fs.existsSync(keyFile);
    return recordsClear();
  };
  const rec = await createRecommender({ model: bundle(), catalog, storage, userId: 'carol' });
  assert.equal(rec.profile().recency.total_events, 3);
  const before = fs.readFileSync(path.join(dir, 'carol', (await storage.keys())[0]));
  await rec.forget();
  assert.equal(keyPresentWhenRecordsCleared, false, 'the key was gone before the records were deleted');
  assert.equal(fs.existsSync(keyFile), false);
  assert.equal(fs.existsSync(path.join(dir, 'carol')), false);
  rec.dispose();
  // A copy of a record taken before forget() is unreadable under the next key.
  await trackSome(directoryStorage(dir), 'carol', 1);
  fs.writeFileSync(path.join(dir, 'carol', 'log-0000000000000001'), before);
  await rejectsWith(directoryStorage(dir).create('carol').get('log-0000000000000001'), 'INTEGRITY');
});

test('a profile stored in the clear before encryption is sealed in place on first use', async () => {
  const dir = tmpDir();
  const { vector } = await trackSome(directoryStorage(dir, { encrypt: false }), 'dave', 6);
  assert.ok(secretsIn(rawFiles(dir), vector).length > 0);
  const rec = await createRecommender({ model: bundle(), catalog, storage: directoryStorage(dir), userId: 'dave' });
  assert.equal(rec.profile().recency.total_events, 6);
  rec.dispose();
  assert.deepEqual(secretsIn(rawFiles(dir), vector), []);
});

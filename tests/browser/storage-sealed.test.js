// The profile's storage in real Chromium: IndexedDB holds only sealed records (no item id in
// the raw values) under a non-extractable key; a record copied from user A to user B fails with
// INTEGRITY and B's profile skips it; two tabs tracking into one profile at once lose no event
// (Web Locks, js/profile.js); a quota made small through the DevTools protocol gives
// QUOTA_EXCEEDED and loses nothing already committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

const catalog = {
  items: Array.from({ length: 40 }, (_, i) => ({ id: `item${i}`, tags: [i % 2 ? 'design-tag' : 'python-tag'], price: 10 * (i + 1) })),
};

async function setup(t) {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'sealed-cb.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'sealed-catalog.json'), JSON.stringify(catalog));
  await writeFile(join(dir, 'sealed-page.html'), '<!doctype html><meta charset="utf-8"><title>zx sealed</title>');
  const server = await startStaticServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.close(); });
  return { browser, server, url: `${server.base}/build/browser-fixtures/sealed-page.html` };
}

// Helpers installed in each page: open a recommender (default storage: sealed IndexedDB), read
// a records database raw, write one raw value.
const HELPERS = `
  window.openRec = async (userId) => {
    const { createRecommender } = await import('/esm/index.js');
    return createRecommender({ model: '/build/browser-fixtures/sealed-cb.safetensors',
      catalog: '/build/browser-fixtures/sealed-catalog.json', userId });
  };
  window.openDb = (name) => new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const done = (req) => new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
  window.rawRecords = async (name) => {
    const db = await openDb(name);
    const store = db.transaction('records', 'readonly').objectStore('records');
    const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
    db.close();
    return keys.map((k, i) => ({ key: String(k), bytes: Array.from(values[i]) }));
  };
  window.putRaw = async (name, key, bytes) => {
    const db = await openDb(name);
    const tx = db.transaction('records', 'readwrite');
    tx.objectStore('records').put(Uint8Array.from(bytes), key);
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    db.close();
  };`;

async function openPage(browser, url) {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.addScriptTag({ content: HELPERS });
  return page;
}

test('IndexedDB holds sealed records only, under a non-extractable key; a record copied from A to B fails with INTEGRITY', async (t) => {
  const { browser, url } = await setup(t);
  const page = await openPage(browser, url);
  const stored = await page.evaluate(async () => {
    for (const user of ['user-a', 'user-b']) {
      const rec = await window.openRec(user);
      for (let i = 0; i < 6; i++) await rec.track({ id: `${user}-e${i}`, type: i % 2 ? 'purchase' : 'favorite', item: `item${3 + i * 4}`, channel: 'mini-program', ts: Date.now() - 100 + i });
      rec.dispose();
    }
    const db = await window.openDb('zhixuan-profile:user-a:key');
    const key = await new Promise((resolve) => { const r = db.transaction('keys').objectStore('keys').get('device'); r.onsuccess = () => resolve(r.result); });
    db.close();
    const exported = await crypto.subtle.exportKey('raw', key).then(() => 'exported', (e) => e.name);
    return { a: await window.rawRecords('zhixuan-profile:user-a'), keyType: key.constructor.name, extractable: key.extractable, exported };
  });
  assert.equal(stored.keyType, 'CryptoKey');
  assert.equal(stored.extractable, false);
  assert.equal(stored.exported, 'InvalidAccessError');
  assert.ok(stored.a.length >= 6, `records: ${stored.a.map((r) => r.key)}`);
  for (const { key, bytes } of stored.a) {
    const text = Buffer.from(bytes).toString('latin1');
    assert.equal(text.slice(0, 4), 'ZXSE', key);
    for (const secret of ['item3', 'item7', 'item23', 'purchase', 'favorite', 'python-tag', 'mini-program', 'user-a-e1', 'ZXLG', 'ZXPF']) {
      assert.ok(!text.includes(secret), `${secret} readable in ${key}`);
    }
  }

  const moved = await page.evaluate(async () => {
    const a = await window.rawRecords('zhixuan-profile:user-a');
    const victim = a.find((r) => r.key.startsWith('log-'));
    await window.putRaw('zhixuan-profile:user-b', victim.key, victim.bytes);
    const { indexedDBStorage } = await import('/esm/index.js');
    const code = await indexedDBStorage().create('user-b').get(victim.key).then(() => 'opened', (e) => e.code);
    const rec = await window.openRec('user-b');
    const out = { key: victim.key, code, total: rec.profile().recency.total_events, warnings: rec._profile.warnings };
    rec.dispose();
    return out;
  });
  assert.equal(moved.code, 'INTEGRITY');
  assert.equal(moved.total, 5, 'B keeps its five other events');
  assert.ok(moved.warnings.some((w) => w.startsWith(`record ${moved.key} skipped`)), moved.warnings.join('\n'));
});

test('two tabs tracking 50 events each into one profile at once lose none (Web Locks)', async (t) => {
  const { browser, url } = await setup(t);
  const [first, second] = [await openPage(browser, url), await openPage(browser, url)];
  await Promise.all([first, second].map((p) => p.evaluate(async () => { window.rec = await window.openRec('shared-user'); })));
  const results = await Promise.all([first, second].map((p, tab) => p.evaluate(async (tab) => {
    const tracked = [];
    for (let i = 0; i < 50; i++) tracked.push(window.rec.track({ id: `tab${tab}-${i}`, type: 'view', item: `item${(i + tab) % 40}`, channel: 'web', ts: Date.now() }));
    return (await Promise.all(tracked)).filter(Boolean).length;
  }, tab)));
  assert.deepEqual(results, [50, 50]);
  await first.reload();
  await first.addScriptTag({ content: HELPERS });
  const after = await first.evaluate(async () => {
    const rec = await window.openRec('shared-user');
    const text = new TextDecoder().decode(rec.exportProfile());
    const ids = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)).events.map((e) => e[0]);
    return { total: rec.profile().recency.total_events, ids, warnings: rec._profile.warnings };
  });
  assert.deepEqual(after.warnings, []);
  assert.equal(after.total, 100);
  for (const tab of [0, 1]) for (let i = 0; i < 50; i++) assert.ok(after.ids.includes(`tab${tab}-${i}`), `tab${tab}-${i} lost`);
});

test('a quota made small through the DevTools protocol gives QUOTA_EXCEEDED and loses nothing committed', async (t) => {
  const { browser, server, url } = await setup(t);
  const page = await openPage(browser, url);
  await page.evaluate(async () => {
    window.rec = await window.openRec('quota-user');
    for (let i = 0; i < 5; i++) await window.rec.track({ id: `before-${i}`, type: 'view', item: `item${i}`, channel: 'web', ts: Date.now() });
  });
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.base, quotaSize: usage + 16 * 1024 });
  const outcome = await page.evaluate(async () => {
    const committed = [];
    for (let i = 0; i < 20000; i++) {
      const id = `q${i}-${'x'.repeat(100)}`;
      try {
        await window.rec.track({ id, type: 'view', item: `item${i % 40}`, channel: 'web', ts: Date.now() });
        committed.push(id);
      } catch (error) {
        return { committed, code: error.code, name: error.name, message: error.message };
      }
    }
    return { committed, code: 'none' };
  });
  assert.equal(outcome.code, 'QUOTA_EXCEEDED', outcome.message);
  assert.equal(outcome.name, 'ZhixuanError');
  assert.ok(outcome.committed.length > 0, 'some events fit before the quota');
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.base });
  await page.reload();
  await page.addScriptTag({ content: HELPERS });
  const after = await page.evaluate(async () => {
    const rec = await window.openRec('quota-user');
    const text = new TextDecoder().decode(rec.exportProfile());
    const blob = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
    // Beyond max_events the oldest events are folded into per-item counts: count those too.
    const folded = Object.values(blob.aggregates ?? {}).reduce((n, a) => n + Object.values(a.counts).reduce((x, y) => x + y, 0), 0);
    return { ids: blob.events.map((e) => e[0]), folded, warnings: rec._profile.warnings };
  });
  assert.deepEqual(after.warnings, []);
  assert.equal(after.ids.length + after.folded, 5 + outcome.committed.length, 'every committed event is kept (raw or folded)');
  const ids = new Set(after.ids);
  const recent = outcome.committed.slice(-after.ids.length + 5).filter((id) => !ids.has(id));
  assert.deepEqual(recent, [], 'the latest committed events are kept raw');
});

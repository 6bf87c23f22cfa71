// The local profile in a real page (Chromium): IndexedDB persistence across reloads, a renderer
// killed mid-write loses nothing that was committed, and forget() leaves nothing in IndexedDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

const catalog = {
  items: Array.from({ length: 40 }, (_, i) => ({ id: `item${i}`, tags: [i % 2 ? 'design' : 'python'], price: 10 * (i + 1) })),
};

async function setup(t) {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'profile-cb.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'profile-catalog.json'), JSON.stringify(catalog));
  await writeFile(join(dir, 'profile-page.html'), '<!doctype html><meta charset="utf-8"><title>zx profile</title>');
  const server = await startStaticServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.close(); });
  const url = `${server.base}/build/browser-fixtures/profile-page.html`;
  return { browser, url };
}

// In the page: load the recommender with the default (IndexedDB) storage.
const OPEN = `
  window.openRec = async (userId) => {
    const { createRecommender } = await import('/esm/index.js');
    return createRecommender({ model: '/build/browser-fixtures/profile-cb.safetensors',
      catalog: '/build/browser-fixtures/profile-catalog.json', userId });
  };`;

test('tracked events survive a reload: same profile and list from IndexedDB; forget() leaves nothing', async (t) => {
  const { browser, url } = await setup(t);
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.addScriptTag({ content: OPEN });
  const first = await page.evaluate(async () => {
    const rec = await window.openRec('reload-user');
    for (let i = 0; i < 12; i++) {
      await rec.track({ id: `e${i}`, type: i % 4 ? 'view' : 'purchase', item: `item${(i * 2) % 16}`, channel: i % 3 ? 'web' : 'h5', ts: Date.now() - 1000 + i });
    }
    return { profile: rec.profile(), list: rec.recommend({ k: 6 }), storage: rec._profile._storage.kind };
  });
  assert.equal(first.storage, 'indexeddb');
  assert.equal(first.profile.recency.total_events, 12);
  assert.ok(first.list.ids.every((id) => Number(id.slice(4)) % 2 === 0), first.list.ids.join());

  await page.reload();
  await page.addScriptTag({ content: OPEN });
  const second = await page.evaluate(async () => {
    const rec = await window.openRec('reload-user');
    const out = { profile: rec.profile(), list: rec.recommend({ k: 6 }) };
    const before = (await indexedDB.databases()).map((d) => d.name);
    await rec.forget();
    const after = (await indexedDB.databases()).map((d) => d.name);
    return { ...out, before, after, emptied: rec.profile().recency.total_events };
  });
  const stable = (p) => ({ ...p, recency: { ...p.recency, days_since_last: null } });
  assert.deepEqual(stable(second.profile), stable(first.profile));
  assert.deepEqual(second.list.ids, first.list.ids);
  // Reasons name the same items; shares agree to rounding (incremental vs. re-folded solve).
  assert.deepEqual(second.list.reasons.map((r) => r.item), first.list.reasons.map((r) => r.item));
  second.list.reasons.forEach((r, i) => assert.ok(Math.abs(r.share - first.list.reasons[i].share) < 1e-9));
  assert.ok(second.before.includes('zhixuan-profile:reload-user'), second.before.join());
  assert.ok(!second.after.some((n) => n.startsWith('zhixuan-profile:reload-user')), `left behind: ${second.after}`);
  assert.equal(second.emptied, 0);
});

test('a page killed mid-write loses nothing that was committed', async (t) => {
  const { browser, url } = await setup(t);
  const page = await browser.context.newPage();
  const committed = [];
  page.on('console', (msg) => {
    const m = /^committed (\S+)$/.exec(msg.text());
    if (m) committed.push(m[1]);
  });
  await page.goto(url);
  await page.addScriptTag({ content: OPEN });
  await page.evaluate(async () => {
    const rec = await window.openRec('crash-user');
    // Writes as fast as the page can; each id is reported only after track() resolved.
    (async () => {
      for (let i = 0; i < 100000; i++) {
        const id = `c${i}`;
        await rec.track({ id, type: 'view', item: `item${i % 40}`, channel: 'web', ts: Date.now() });
        console.log(`committed ${id}`);
      }
    })();
  });
  const deadline = Date.now() + 30000;
  while (committed.length < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(committed.length >= 25, 'the page committed events');
  const cdp = await browser.context.newCDPSession(page);
  const crashed = new Promise((resolve) => page.once('crash', resolve));
  cdp.send('Page.crash').catch(() => {});  // the renderer dies mid-write (this call never answers)
  await crashed;
  const seenBeforeCrash = [...committed];

  const fresh = await browser.context.newPage();
  await fresh.goto(url);
  await fresh.addScriptTag({ content: OPEN });
  const stored = await fresh.evaluate(async () => {
    const rec = await window.openRec('crash-user');
    const text = new TextDecoder().decode(rec.exportProfile());
    const ids = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)).events.map((e) => e[0]);
    return { ids, warnings: rec._profile.warnings };
  });
  const storedIds = new Set(stored.ids);
  const lost = seenBeforeCrash.filter((id) => !storedIds.has(id));
  assert.deepEqual(lost, [], `committed but lost: ${lost}`);
  // At most the one write in flight may be missing beyond what was reported.
  assert.ok(stored.ids.length >= seenBeforeCrash.length);
});

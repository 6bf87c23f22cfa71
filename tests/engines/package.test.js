// The package in a page of the engine under test ($ZX_ENGINE): the ESM build loads a bundle by
// URL and recommends, in the page and in worker mode; what the engine lacks degrades to a working
// path (relaxed SIMD, X25519 in WebCrypto, Web Locks); a secure-aggregation round completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentBrowser, engine, newPage, skip, startRecordingProxy } from './engine-harness.js';
import { repoRoot, startStaticServer } from '../browser/harness.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { startAggregationServer } from '../../js/server/server.js';

// The smallest module using a relaxed-SIMD instruction (i8x16.relaxed_swizzle): valid only where
// the engine has relaxed SIMD.
const RELAXED_SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 11, 1, 9, 0, 32, 0, 32, 1, 253, 128, 2, 11];

const CATALOG = {
  items: Array.from({ length: 40 }, (_, i) => ({ id: `item${i}`, tags: [i % 2 ? 'design' : 'python'], price: 10 * (i + 1) })),
};

/** A blank page beside the checkerboard bundle (/build/browser-fixtures/engine-cb.safetensors). */
async function openFixturePage(t) {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'engine-cb.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'engine-catalog.json'), JSON.stringify(CATALOG));
  await writeFile(join(dir, 'engine.html'), '<!doctype html><meta charset="utf-8"><title>zx engines</title>');
  const server = await startStaticServer();
  t.after(() => server.close());
  const page = await newPage(t);
  await page.goto(`${server.base}/build/browser-fixtures/engine.html`);
  return { server, page };
}

test(`${engine}: the package in a page loads a bundle by URL, recommends and names bad input, whatever the engine lacks`, { skip }, async (t) => {
  const { server, page } = await openFixturePage(t);
  const result = await page.evaluate(async (probe) => {
    const has = { relaxedSimd: WebAssembly.validate(new Uint8Array(probe)), webLocks: Boolean(navigator.locks), serviceWorker: 'serviceWorker' in navigator };
    try { await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']); has.x25519 = true; } catch { has.x25519 = false; }
    const { createRecommender } = await import('/esm/index.js');
    const progress = [];
    const rec = await createRecommender({ model: '/build/browser-fixtures/engine-cb.safetensors', onProgress: (p) => progress.push(p.loaded) });
    const list = rec.recommend({ history: ['item0', 'item2'], k: 5 });
    let bad;
    try { rec.recommend({ history: ['ghost'] }); } catch (e) { bad = { name: e.name, code: e.code }; }
    let corrupt;
    try { await createRecommender({ model: new Uint8Array(12) }); } catch (e) { corrupt = e.code; }
    return { has, ids: list.ids, scores: Array.from(list.scores), isF32: list.scores instanceof Float32Array, progress: progress.length, bad, corrupt };
  }, RELAXED_SIMD_PROBE);
  t.diagnostic(`${engine} ${currentBrowser().version}: relaxed SIMD ${result.has.relaxedSimd}, X25519 ${result.has.x25519}, Web Locks ${result.has.webLocks}, service worker ${result.has.serviceWorker}`);
  assert.equal(result.ids.length, 5);
  assert.ok(result.ids.every((id) => Number(id.slice(4)) % 2 === 0), result.ids.join());
  assert.ok(result.isF32);
  // The same ranking and scores as the package gives in Node, whichever kernel the engine allows.
  const { createRecommender } = await import('../../esm/index.js');
  const inNode = (await createRecommender({ model: checkerboardBundle() })).recommend({ history: ['item0', 'item2'], k: 5 });
  assert.deepEqual(result.ids, inNode.ids);
  result.scores.forEach((score, i) => assert.ok(Math.abs(score - inNode.scores[i]) <= 1e-6 * Math.max(1, Math.abs(score)), `${score} vs ${inNode.scores[i]}`));
  assert.ok(result.progress > 0);
  assert.deepEqual(result.bad, { name: 'ZhixuanError', code: 'UNKNOWN_ITEM' });
  assert.equal(result.corrupt, 'MALFORMED_MODEL');
  assert.ok(server.requests.some((r) => r.path.endsWith('.wasm')), 'the page fetched a wasm module');
});

test(`${engine}: tracked events survive a reload in IndexedDB (under a Web Lock where the engine has them); forget() leaves nothing`, { skip }, async (t) => {
  const { server, page } = await openFixturePage(t);
  const url = `${server.base}/build/browser-fixtures/engine.html`;
  const open = async (userId) => {
    const { createRecommender } = await import('/esm/index.js');
    return createRecommender({ model: '/build/browser-fixtures/engine-cb.safetensors', catalog: '/build/browser-fixtures/engine-catalog.json', userId });
  };
  const first = await page.evaluate(async (openSource) => {
    const rec = await (0, eval)(`(${openSource})`)('reload-user');
    for (let i = 0; i < 12; i++) {
      await rec.track({ id: `e${i}`, type: i % 4 ? 'view' : 'purchase', item: `item${(i * 2) % 16}`, channel: i % 3 ? 'web' : 'h5', ts: Date.now() - 1000 + i });
    }
    return { events: rec.profile().recency.total_events, ids: rec.recommend({ k: 6 }).ids, storage: rec._profile._storage.kind, locked: Boolean(rec._profile._lockName), webLocks: Boolean(navigator.locks) };
  }, String(open));
  assert.equal(first.storage, 'indexeddb');
  assert.equal(first.locked, first.webLocks, 'writes take a Web Lock exactly where the engine has them');
  assert.equal(first.events, 12);
  assert.ok(first.ids.every((id) => Number(id.slice(4)) % 2 === 0), first.ids.join());

  await page.goto(url);
  const second = await page.evaluate(async (openSource) => {
    const rec = await (0, eval)(`(${openSource})`)('reload-user');
    const out = { events: rec.profile().recency.total_events, ids: rec.recommend({ k: 6 }).ids };
    const databases = async () => (await indexedDB.databases()).map((d) => d.name);
    const before = await databases();
    await rec.forget();
    const after = await databases();
    const again = await (0, eval)(`(${openSource})`)('reload-user');
    return { ...out, before, after, emptied: rec.profile().recency.total_events, reopened: again.profile().recency.total_events };
  }, String(open));
  assert.equal(second.events, 12);
  assert.deepEqual(second.ids, first.ids);
  assert.equal(second.emptied, 0);
  assert.equal(second.reopened, 0, 'a profile opened after forget() starts empty');
  assert.ok(second.before.includes('zhixuan-profile:reload-user'), second.before.join());
  assert.ok(!second.after.some((n) => n.startsWith('zhixuan-profile:reload-user')), `left behind: ${second.after}`);
});

const HISTORIES = [['item0', 'item2', 'item4'], ['item1', 'item3', 'item5'], ['item6', 'item8']];

/**
 * Three devices (recommenders) in one page run a secure round declared on `curve`. `withoutX25519`
 * makes the page's WebCrypto refuse X25519 the way an engine without it does (older
 * Safari and web views), for engines that have it.
 */
async function secureRound(t, page, pagesBase, curve, { withoutX25519 = false } = {}) {
  const aggregation = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir: mkdtempSync(join(tmpdir(), `zx-${engine}-secagg-`)), port: 0, quorum: HISTORIES.length,
    clip: 0.5, noiseMultiplier: 1.0, corsOrigins: [pagesBase], secure: { curve, minCohort: 3, stageMs: 8000 }, log: () => {},
  });
  t.after(() => aggregation.close());
  const proxy = await startRecordingProxy(t, aggregation.url);
  const outcomes = await page.evaluate(async ({ server, histories, withoutX25519 }) => {
    if (withoutX25519) {
      const subtle = crypto.subtle;
      const refuse = (method) => {
        const real = subtle[method].bind(subtle);
        subtle[method] = (...args) => (args.some((a) => a?.name === 'X25519')
          ? Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError')) : real(...args));
      };
      for (const method of ['generateKey', 'importKey', 'deriveBits']) refuse(method);
    }
    const { createRecommender } = await import('/esm/index.js');
    // Memory storage: three independent devices in one page (by default they would share the origin's profile).
    const devices = await Promise.all(histories.map(() => createRecommender({ model: '/build/browser-fixtures/engine-cb.safetensors', storage: 'memory' })));
    for (const rec of devices) rec.federated.setConsent(true, { epsilonBudget: 50 });
    return Promise.all(devices.map((rec, d) => rec.federated.participate({ server, history: histories[d], secure: { minCohort: 3, pollMs: 50 } })));
  }, { server: proxy.url, histories: HISTORIES, withoutX25519 });
  return { outcomes, sent: proxy.requests };
}

/** Only keys, sealed shares and masked bytes reached the server: no item id, event word or vector. */
function assertNothingPersonal(sent) {
  for (const request of sent) {
    const texts = [request.path, JSON.stringify(request.headers), request.body.toString('latin1')];
    for (const id of [...HISTORIES.flat(), 'item']) {
      for (const text of texts) assert.ok(!text.includes(id), `'${id}' appears in ${request.method} ${request.path}`);
      assert.equal(request.body.indexOf(Buffer.from(id, 'utf16le')), -1, `'${id}' (UTF-16) in ${request.path}`);
    }
    for (const word of ['event', 'history', 'vector', 'view', 'purchase']) {
      for (const text of texts) assert.ok(!text.toLowerCase().includes(word), `'${word}' appears in ${request.method} ${request.path}`);
    }
  }
}

const posts = (sent) => sent.filter((r) => r.method === 'POST').map((r) => r.path.split('/').pop()).sort();

test(`${engine}: secure aggregation runs on X25519 where WebCrypto has it, declines naming P-256 without it, and completes on P-256`, { skip }, async (t) => {
  const { server, page } = await openFixturePage(t);
  const hasX25519 = await page.evaluate(async () => {
    try { await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']); return true; } catch { return false; }
  });
  const onX25519 = await secureRound(t, page, server.base, 'X25519');
  for (const outcome of onX25519.outcomes) {
    if (hasX25519) assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
    else assert.deepEqual([outcome.status, outcome.reason, outcome.host], ['declined', 'unsupported-curve', 'P-256'], JSON.stringify(outcome));
  }
  // Where an engine lacks X25519, the devices decline naming the curve they have, having posted
  // no key, share or input (only their registration, which comes before the round is read).
  const lacking = hasX25519 ? await secureRound(t, page, server.base, 'X25519', { withoutX25519: true }) : onX25519;
  for (const outcome of lacking.outcomes) {
    assert.deepEqual([outcome.status, outcome.reason, outcome.host], ['declined', 'unsupported-curve', 'P-256'], JSON.stringify(outcome));
  }
  assert.deepEqual(posts(lacking.sent).filter((kind) => kind !== 'clients'), []);
  // A fresh page: its WebCrypto as the engine made it.
  await page.goto(`${server.base}/build/browser-fixtures/engine.html`);
  const onP256 = await secureRound(t, page, server.base, 'P-256');
  for (const outcome of onP256.outcomes) {
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
    assert.equal(outcome.cohort, HISTORIES.length);
  }
  // Each device: a registration, its keys, its sealed shares, one masked input, one unmask answer.
  const perDevice = ['advertise', 'clients', 'masked', 'shares', 'unmask'];
  assert.deepEqual(posts(onP256.sent), perDevice.flatMap((kind) => HISTORIES.map(() => kind)));
  for (const round of [onX25519, lacking, onP256]) assertNothingPersonal(round.sent);
  t.diagnostic(`${engine}: X25519 ${hasX25519 ? 'round completed; with it refused' : 'missing:'} devices declined naming P-256; P-256 round completed`);
});

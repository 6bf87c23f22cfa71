// Secure aggregation in Chromium: several pages (devices) run a whole round against the real
// server; one page is closed mid-round (after sharing its keys); the round completes with the
// others, and every byte each page sends is inspected: keys, sealed shares, one masked input, one
// unmask answer, and no item id, event word or user vector anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { startAggregationServer } from '../../js/server/server.js';

const HISTORIES = [['item0', 'item2', 'item4'], ['item1', 'item3', 'item5'], ['item6', 'item8'], ['item7', 'item9', 'item11'], ['item10', 'item12']];

function contains(haystack, needle) {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1;
}

test('pages run a secure round; one closes mid-round; the round completes; only keys, shares and masked bytes leave', async (t) => {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'fed.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'fed.html'), '<!doctype html><meta charset="utf-8"><title>zx secure aggregation</title>');
  const pages = await startStaticServer();
  const logs = [];
  const aggregation = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir: mkdtempSync(join(tmpdir(), 'zx-browser-secagg-')), port: 0, quorum: HISTORIES.length,
    clip: 0.5, noiseMultiplier: 1.0, corsOrigins: [pages.base], secure: { minCohort: 3, stageMs: 4000 }, log: (m) => logs.push(m),
  });
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await pages.close(); await aggregation.close(); });

  const devices = [];
  for (let d = 0; d < HISTORIES.length; d++) {
    const page = await browser.context.newPage();
    await page.goto(`${pages.base}/build/browser-fixtures/fed.html`);
    await page.evaluate(async () => {
      const { createRecommender } = await import('/esm/index.js');
      window.rec = await createRecommender({ model: '/build/browser-fixtures/fed.safetensors' });
      window.rec.federated.setConsent(true, { epsilonBudget: 50 });
    });
    const sent = [];
    // The leaving page never gets its masked input to the server: it is held here (never
    // continued) until the page closes, so the page is a dropout after sharing however fast it runs.
    if (d === HISTORIES.length - 1) await page.route('**/masked', () => {});
    page.on('request', (request) => sent.push({ url: request.url(), method: request.method(), headers: request.headers(), body: request.postDataBuffer() }));
    devices.push({ page, sent, vector: await page.evaluate((h) => Array.from(window.rec.foldIn(h)), HISTORIES[d]) });
  }
  const leaver = devices[HISTORIES.length - 1];
  const runs = devices.map((device, d) => device.page.evaluate(({ server, history }) => window.rec.federated.participate({ server, history, secure: { minCohort: 3, pollMs: 50 } }),
    { server: aggregation.url, history: HISTORIES[d] }).catch((error) => ({ status: 'page-gone', error: String(error) })));
  // The last page leaves once it has sent its shares (before its masked input).
  for (let i = 0; i < 400 && !leaver.sent.some((r) => r.url.endsWith('/shares')); i++) await new Promise((r) => setTimeout(r, 25));
  if (!leaver.sent.some((r) => r.url.endsWith('/shares'))) {
    const early = await Promise.race([Promise.all(runs), new Promise((r) => setTimeout(() => r('still running'), 2000))]);
    assert.fail(`the leaving page sent no shares: ${JSON.stringify(early)} ${leaver.sent.map((r) => `${r.method} ${r.url}`).join(' ')}`);
  }
  await leaver.page.close();
  const outcomes = await Promise.all(runs);
  for (const outcome of outcomes.slice(0, -1)) {
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
    assert.equal(outcome.cohort, HISTORIES.length);
    assert.equal(outcome.survivors, HISTORIES.length - 1);
    assert.equal(outcome.modelVersion, 'test-1.fed1');
  }
  assert.equal(outcomes.at(-1).status, 'page-gone');
  assert.ok(logs.some((l) => /closed: 4 survivors, 1 dropped after sharing/.test(l)), logs.join('\n'));

  for (const [d, device] of devices.entries()) {
    const posts = device.sent.filter((r) => r.method === 'POST');
    // The leaver's held masked request (if it got that far) never reached the server.
    const kinds = posts.map((r) => r.url.split('/').pop()).filter((kind) => !(d === HISTORIES.length - 1 && kind === 'masked'));
    assert.deepEqual(kinds, d === HISTORIES.length - 1 ? ['clients', 'advertise', 'shares'] : ['clients', 'advertise', 'shares', 'masked', 'unmask']);
    // Besides the aggregation server, only the package's own code (esm/secagg.js, on first use, no body).
    const code = (r) => r.method === 'GET' && !r.body && r.url === `${pages.base}/esm/secagg.js`;
    assert.deepEqual(device.sent.filter((r) => !r.url.startsWith(aggregation.url) && !code(r)), [], 'a round talks to the aggregation server only');
    const vectorBytes = new Uint8Array(new Float32Array(device.vector).buffer);
    for (const request of device.sent) {
      const texts = [request.url, JSON.stringify(request.headers), request.body ? request.body.toString('latin1') : ''];
      for (const id of [...HISTORIES[d], 'item']) {
        for (const text of texts) assert.ok(!text.includes(id), `'${id}' appears in ${request.method} ${request.url}`);
        if (request.body) assert.ok(!contains(request.body, Buffer.from(id, 'utf16le')), `'${id}' (UTF-16) in the body`);
      }
      for (const word of ['event', 'history', 'vector', 'view', 'purchase']) {
        for (const text of texts) assert.ok(!text.toLowerCase().includes(word), `'${word}' appears in ${request.method} ${request.url}`);
      }
      if (!request.body) continue;
      for (let i = 0; i + 8 <= vectorBytes.length; i += 4) assert.ok(!contains(request.body, vectorBytes.subarray(i, i + 8)), 'user vector bytes in a body');
      const kind = request.url.split('/').pop();
      if (kind === 'masked') {
        assert.equal(request.headers['content-type'], 'application/octet-stream');
        assert.equal(request.body.subarray(0, 4).toString(), 'ZXSM');
      } else if (kind !== 'clients') {
        // JSON with exactly the protocol's keys.
        const json = JSON.parse(request.body.toString('utf8'));
        const keys = Object.keys(json).sort().join(',');
        assert.ok(['curve,enc_pk,mask_pk', 'shares', 'key_shares,self_shares'].includes(keys), `${kind}: ${keys}`);
      }
    }
  }
});

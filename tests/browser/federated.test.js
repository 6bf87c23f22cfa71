// Nothing but the payload leaves the device: a page takes part in a federated round against
// the real aggregation server, and every request it sends is inspected for events, item ids
// and the user vector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { startAggregationServer } from '../../js/server/server.js';

const HISTORY = ['item0', 'item2', 'item4', 'item6', 'item10'];

function contains(haystack, needle) {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1;
}

test('a round from a page sends only the opaque payload: no event, item id or user vector', async (t) => {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'fed.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'fed.html'), '<!doctype html><meta charset="utf-8"><title>zx federated</title>');
  const pages = await startStaticServer();
  const aggregation = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir: mkdtempSync(join(tmpdir(), 'zx-browser-fed-')), port: 0, quorum: 1,
    clip: 0.5, noiseMultiplier: 1.0, corsOrigins: [pages.base], aggregation: 'plain',
  });
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await pages.close(); await aggregation.close(); });
  const page = await browser.context.newPage();
  await page.goto(`${pages.base}/build/browser-fixtures/fed.html`);
  await page.evaluate(async () => {
    const { createRecommender } = await import('/esm/index.js');
    window.rec = await createRecommender({ model: '/build/browser-fixtures/fed.safetensors' });
  });

  const sent = [];
  page.on('request', (request) => sent.push({ url: request.url(), method: request.method(), headers: request.headers(), body: request.postDataBuffer() }));
  const result = await page.evaluate(async ({ server, history }) => {
    window.rec.federated.setConsent(true, { epsilonBudget: 50 });
    const outcome = await window.rec.federated.participate({ server, history, aggregation: 'plain' });
    return { outcome, vector: Array.from(window.rec.foldIn(history)) };
  }, { server: aggregation.url, history: HISTORY });
  page.removeAllListeners('request');

  assert.equal(result.outcome.status, 'submitted', JSON.stringify(result.outcome));
  const toAggregation = sent.filter((r) => r.url.startsWith(aggregation.url));
  assert.ok(toAggregation.length >= 3, `round, registration, update: ${toAggregation.map((r) => r.url)}`);
  // Besides the aggregation server, only the package's own code: the participation chunk,
  // fetched from the page's origin on first use, with no body.
  const code = (r) => r.method === 'GET' && !r.body && r.url === `${pages.base}/esm/secagg.js`;
  assert.deepEqual(sent.filter((r) => !r.url.startsWith(aggregation.url) && !code(r)), [], 'the round talks to the aggregation server only');

  const vector = new Float32Array(result.vector);
  const vectorBytes = new Uint8Array(vector.buffer);
  const withBody = toAggregation.filter((r) => r.body && r.body.length > 0);
  assert.equal(withBody.length, 1, 'one request carries a body: the update');
  const update = withBody[0];
  assert.equal(update.headers['content-type'], 'application/octet-stream');
  assert.equal(update.body.length, 43 + 'test-1'.length + 40 * 16 * 2 + 4, 'exactly the dense payload, nothing appended');
  assert.equal(update.body.subarray(0, 4).toString(), 'ZXFU');
  for (const request of toAggregation) {
    const texts = [request.url, JSON.stringify(request.headers), request.body ? request.body.toString('latin1') : ''];
    for (const id of [...HISTORY, 'item']) {
      for (const text of texts) assert.ok(!text.includes(id), `'${id}' appears in ${request.method} ${request.url}`);
      if (request.body) assert.ok(!contains(request.body, Buffer.from(id, 'utf16le')), `'${id}' (UTF-16) in the body`);
    }
    for (const word of ['event', 'history', 'vector', 'view', 'purchase']) {
      for (const text of texts) assert.ok(!text.toLowerCase().includes(word), `'${word}' appears in ${request.method} ${request.url}`);
    }
    if (request.body) {
      // No 8-byte run of the user vector (as f32) anywhere in the body, nor its first values as text.
      for (let i = 0; i + 8 <= vectorBytes.length; i += 4) assert.ok(!contains(request.body, vectorBytes.subarray(i, i + 8)), 'user vector bytes in the body');
      assert.ok(!request.body.toString('latin1').includes(vector[0].toFixed(4)), 'user vector as text in the body');
    }
  }
});

// The experiment metrics in Chromium: three pages (devices) with a day of renders and clicks send
// it with rec.experiments.send() through a secure metrics round against the real server; every
// request each page makes is inspected: registration, keys, sealed shares, one masked input
// (ZXSM bytes), one unmask answer, and nothing of the day itself (no report, no cell names, no
// counts, no local-noise POST /v1/metrics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { startAggregationServer } from '../../js/server/server.js';
import { metricsFile, SLOT } from '../js/metrics-secure-helpers.js';

const DEVICES = 3;

test('pages send their day of metrics through a secure round: only keys, shares and masked bytes leave', async (t) => {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'metrics.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'metrics.html'), '<!doctype html><meta charset="utf-8"><title>zx secure metrics</title>');
  const pages = await startStaticServer();
  const file = metricsFile({ noise: 1 });
  const aggregation = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir: mkdtempSync(join(tmpdir(), 'zx-browser-metrics-')), port: 0, corsOrigins: [pages.base],
    experimentsText: JSON.stringify(file), operatorToken: 'b'.repeat(32),
    metricsSecure: { minCohort: 3, cohortTarget: DEVICES, stageMs: 8000, deadlineMs: 20_000 },
  });
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await pages.close(); await aggregation.close(); });

  const today = Math.floor(Date.now() / 86400000);
  const devices = [];
  for (let d = 0; d < DEVICES; d++) {
    const page = await browser.context.newPage();
    await page.goto(`${pages.base}/build/browser-fixtures/metrics.html`);
    const report = await page.evaluate(async ({ file, slot, d, day }) => {
      const { createRecommender } = await import('/esm/index.js');
      const rec = await createRecommender({ model: '/build/browser-fixtures/metrics.safetensors', profile: false });
      window.rec = rec;
      rec.experiments.load(file);
      rec.experiments.setUser({ stableId: `page-${d}`, channel: d % 2 ? 'web' : 'app' });
      rec.experiments._setClock(() => day * 86400 + 3600);
      const list = rec.experiments.recommend(slot, { k: 5, history: ['item0'] });
      for (let c = 0; c <= d; c++) rec.experiments.track({ type: 'click', item: list.ids[c], ts: (day * 86400 + 3700) * 1000 });
      rec.experiments._setClock(() => Date.now() / 1000);
      rec.federated.setConsent(true, { epsilonBudget: 100 });
      return rec.experiments.report(day);
    }, { file, slot: SLOT, d, day: today - 1 });
    const sent = [];
    page.on('request', (request) => sent.push({ url: request.url(), method: request.method(), headers: request.headers(), body: request.postDataBuffer() }));
    devices.push({ page, sent, report });
  }
  const outcomes = await Promise.all(devices.map((device) => device.page.evaluate((server) => window.rec.experiments.send({ server, policy: { minCohort: 3, pollMs: 50 } }), aggregation.url)));
  for (const outcome of outcomes) {
    assert.equal(outcome.status, 'sent', JSON.stringify(outcome));
    assert.deepEqual(outcome.secure, [today - 1]);
    assert.deepEqual(outcome.local, []);
  }
  assert.deepEqual(aggregation.ops.store.transportCounts(file.version), { local: 0, secure: DEVICES, cohorts: 1 });

  for (const device of devices) {
    const posts = device.sent.filter((r) => r.method === 'POST');
    assert.deepEqual(posts.map((r) => new URL(r.url).pathname.split('/').pop()), ['clients', 'advertise', 'shares', 'masked', 'unmask']);
    assert.ok(posts.slice(1).every((r) => new URL(r.url).pathname.startsWith('/v1/secagg-metrics/')), 'the stages go to the metrics rounds');
    // Besides the aggregation server, only the package's own code (esm/secagg.js, on first use, no body).
    const code = (r) => r.method === 'GET' && !r.body && r.url === `${pages.base}/esm/secagg.js`;
    assert.deepEqual(device.sent.filter((r) => !r.url.startsWith(aggregation.url) && !code(r)), [], 'only the aggregation server is asked');
    // What the day is made of, in every form it could leave in.
    // (Words long enough not to occur by chance in base64 keys and shares; the short channel
    // names would, and 'app' is in every content-type.)
    const secrets = [SLOT, 'control', 'div03', 'layout', 'values', 'sigma', 'impressions', 'experiments_version', 'noised', 'clicks'];
    const valueBytes = new Uint8Array(new Float64Array(device.report.values.filter((v) => v !== 0)).buffer);
    for (const request of device.sent) {
      const texts = [request.url, JSON.stringify(request.headers), request.body ? request.body.toString('utf8') : ''];
      for (const word of secrets) for (const text of texts) assert.ok(!text.includes(word), `'${word}' appears in ${request.method} ${request.url}`);
      if (!request.body) continue;
      for (let i = 0; i + 8 <= valueBytes.length; i += 8) assert.equal(request.body.indexOf(Buffer.from(valueBytes.subarray(i, i + 8))), -1, 'a count in a body');
      const kind = new URL(request.url).pathname.split('/').pop();
      if (kind === 'masked') {
        assert.equal(request.headers['content-type'], 'application/octet-stream');
        assert.equal(request.body.subarray(0, 4).toString(), 'ZXSM');
      } else if (kind !== 'clients') {
        const keys = Object.keys(JSON.parse(request.body.toString('utf8'))).sort().join(',');
        assert.ok(['curve,enc_pk,mask_pk', 'shares', 'key_shares,self_shares'].includes(keys), `${kind}: ${keys}`);
      }
    }
  }
});

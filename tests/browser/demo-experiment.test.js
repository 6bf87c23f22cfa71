// The course page's live A/B experiment (demo/experiments.json: diversity 0 vs 0.3 on 为你推荐)
// against the real aggregation server that publishes it: the variant comes from the documented
// hash of the page's stable id, the list is exactly recommend() with the variant's params, a click
// is attributed to the variant on the device and survives a reload, no request carries an event,
// and the operator dashboard shows the experiment behind its token, with the demo's seeded past
// (demo/seed-metrics.mjs: simulated phones through the secure metrics rounds, as `npm run demo`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAggregationServer } from '../../js/server/server.js';
import { seedMetrics } from '../../demo/seed-metrics.mjs';
import { bucketOf, idInBuckets } from '../js/bucket-hash.js';
import { launchBrowser, repoRoot } from './harness.js';
import { artifacts, ensureDemoData, listIds, screenshot, waitForReady } from './demo-helpers.js';
import { startDemoServer } from '../../demo/serve.mjs';

const SLOT = '为你推荐';
const file = JSON.parse(readFileSync(join(repoRoot, 'demo', 'experiments.json'), 'utf8'));
const [experiment] = file.experiments;
const TOKEN = 'demo-experiment-token'.padEnd(32, '0');

async function startAll(t, { browser: withBrowser = true } = {}) {
  ensureDemoData();
  const dataDir = process.env.ZX_DEMO_DATA ?? join(repoRoot, 'demo', 'generated');
  const aggregation = await startAggregationServer({
    modelBytes: readFileSync(join(dataDir, 'model.safetensors')), dataDir: mkdtempSync(join(tmpdir(), 'zx-demo-ab-')), port: 0,
    quorum: 1, minUpdates: 1, aggregation: 'plain', experimentsText: JSON.stringify(file), operatorToken: TOKEN, opsPushMs: 200,
    // As scripts/demo.sh, with a cohort of 20 phones where the demo has 200 (one cohort a day).
    metricsSecure: { cohortTarget: 20, deadlineMs: 20_000 },
  });
  const server = await startDemoServer({ aggregator: aggregation.url, dataDir: process.env.ZX_DEMO_DATA });
  const browser = withBrowser ? await launchBrowser() : null;
  t.after(async () => { await browser?.close(); await server.close(); await aggregation.close(); });
  return { aggregation, server, browser };
}

async function openAs(browser, server, stableId) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.addInitScript((id) => localStorage.setItem('zx-demo-stable-id', id), stableId);
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  return page;
}

// What the SDK itself answers for this user, next to what the page shows.
const sdkView = (page) => page.evaluate(async (slot) => {
  const rec = window.__zx.recommender();
  const params = await rec.experiments.params(slot);
  // 为你推荐 leaves out what the banner slot above it shows (demo/app.js bannerSlot).
  const exclude = window.__zx.slot?.ids ?? [];
  return { params, variant: await rec.experiments.variant('diversity-home'), ids: (await rec.recommend({ k: 12, exclude, ...params })).ids };
}, SLOT);

test('the course page runs the live experiment: documented assignment, one ranking path, attribution kept over a reload, nothing sent', async (t) => {
  const { server } = await startAll(t, { browser: false });
  const cut = experiment.variants[0].weight * 100;  // control below, div03 from here (cumulative weights over 10,000 buckets)
  for (const [variant, id] of [['control', idInBuckets(experiment.salt, 0, cut, 'ctl-')], ['div03', idInBuckets(experiment.salt, cut, 10000, 'div-')]]) {
    const browser = await launchBrowser();  // a fresh profile per user: its own storage and stable id
    t.after(() => browser.close());
    const page = await openAs(browser, server, id);
    await page.click('#onboarding button:text-is("跳过")');
    await page.waitForSelector('#ab-variant');
    assert.equal(await page.textContent('#ab-variant'), `实验 ${variant}`);
    const sdk = await sdkView(page);
    assert.equal(sdk.variant, variant, `bucket ${bucketOf(experiment.salt, id)}`);
    assert.deepEqual(sdk.params, experiment.variants.find((v) => v.id === variant).params);
    assert.deepEqual(await listIds(page), sdk.ids, 'the list is recommend() with the variant params');

    // A click on the list is attributed to its render, on the device.
    const [first] = await listIds(page);
    await page.click(`#rec-list li[data-id="${first}"] h3`);
    const cell = async () => page.evaluate(async ({ slot, expId, v }) => {
      const ops = window.__zx.recommender().experiments;
      const day = Math.floor(Date.now() / 86400000);
      const report = await ops.report(day);
      const at = report.layout.findIndex(([e, vv, s, c]) => e === expId && vv === v && s === slot && c === 'h5');
      return report.values.slice(at * 13, at * 13 + 3);  // users, impressions, clicks
    }, { slot: SLOT, expId: experiment.id, v: variant });
    await page.waitForFunction(() => location.hash.startsWith('#/course/'));
    const [users, impressions, clicks] = await cell();
    assert.equal(users, 1);
    assert.ok(impressions >= 12, `impressions ${impressions}`);
    assert.equal(clicks, 1);

    // A reload keeps the variant and the day's attribution (kept with the profile, sealed).
    await page.goto(`${server.base}/?nosw`);
    await waitForReady(page);
    assert.equal((await sdkView(page)).variant, variant);
    assert.equal((await cell())[2], 1, 'the click is still counted after the reload');
    if (variant === 'div03') await screenshot(page, 'demo-experiment');

    const sent = server.requests.filter((r) => r.path.startsWith('/fed/'));
    assert.ok(sent.some((r) => r.path === '/fed/v1/experiments'), 'the page fetched the experiments file');
    for (const r of sent) {
      assert.equal(r.method, 'GET', `${r.method} ${r.path}: nothing is posted before a day has ended`);
      assert.ok(!`${r.path}${r.search}`.includes(first), 'no request names the clicked course');
    }
    await page.close();
  }
});

test('the operator dashboard shows the demo experiment behind its token', async (t) => {
  const { aggregation, browser } = await startAll(t);
  // The demo's seed: every day's metrics summed in a secure round, nothing noised locally.
  assert.deepEqual(await seedMetrics({ server: aggregation.url, file, days: 3, users: 20, core: aggregation.core }), { secure: 60, local: 0, cohorts: 3 });
  const page = await browser.context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.equal((await page.goto(`${aggregation.url}/ops`)).status(), 401);
  assert.equal((await page.goto(`${aggregation.url}/ops?token=${TOKEN}`)).status(), 200);
  await page.waitForSelector(`[data-testid="experiment-${experiment.id}"]`, { timeout: 10000 }).catch((error) => { throw new Error(`${error.message}; page errors: ${pageErrors.join(' | ')}`); });
  assert.equal(await page.textContent('[data-testid="experiments-version"] .value'), file.version);
  assert.match(await page.textContent(`[data-testid="experiment-${experiment.id}"]`), /多样性 0 对 0\.3/);
  assert.equal(await page.textContent('[data-testid="transport"] .value'), '安全聚合 60 台·日 / 3 组', 'the numbers came the private way');
  assert.equal(await page.textContent('[data-testid="reports"] .value'), '60');
  await page.screenshot({ path: join(artifacts, 'demo-experiment-dashboard.png'), fullPage: true });
});

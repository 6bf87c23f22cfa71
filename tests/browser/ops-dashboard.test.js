// The operator dashboard in Chromium, served by a real `zhixuan serve` (AggregationServer on
// 127.0.0.1, SQLite): an unauthenticated request gets 401; with the token the page loads, a
// simulated experiment's numbers appear, and they move live (server-sent events) as more
// device-days arrive, the last day through secure-aggregation metrics rounds (the server sees only
// cohort sums; the page says where its numbers came from). Screenshots in tests/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { postSecureDay, postSimulatedDay, simExperimentsFile } from '../../tools/ops-sim.mjs';
import { launchBrowser, repoRoot } from './harness.js';

const artifacts = join(repoRoot, 'tests', 'artifacts');
const TOKEN = 'dashboard-token-'.padEnd(32, '0');

test('the operator dashboard: 401 without the token, live numbers with it', async () => {
  mkdirSync(artifacts, { recursive: true });
  const file = simExperimentsFile({ noise: 0.002 });  // small enough for 2,000 simulated devices to show the data
  const server = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir: mkdtempSync(join(tmpdir(), 'zx-ops-dash-')), port: 0,
    experimentsText: JSON.stringify(file), operatorToken: TOKEN, opsPushMs: 200,
    metricsSecure: { minCohort: 3, cohortTarget: 10, deadlineMs: 3000, stageMs: 8000 }, requestsPerIpPerMinute: 1e6, registrationsPerIpPerMinute: 1e6,
  });
  const browser = await launchBrowser();
  try {
    const today = Math.floor(Date.now() / 86400000);
    for (let d = 5; d >= 3; d--) await postSimulatedDay(server.core, server.url, file, { day: today - d, users: 400, seed: d, userOffset: d * 1000 });

    const page = await browser.context.newPage();
    const denied = await page.goto(`${server.url}/ops`);
    assert.equal(denied.status(), 401);
    await page.screenshot({ path: join(artifacts, 'ops-dashboard-401.png') });

    const ok = await page.goto(`${server.url}/ops?token=${TOKEN}`);
    assert.equal(ok.status(), 200);
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    await page.waitForSelector('[data-testid="experiment-diversity"]');
    await page.waitForSelector('.live.on');
    assert.equal(await page.textContent('[data-testid="experiments-version"] .value'), 'sim-1');
    const reportsBefore = Number(await page.getAttribute('body', 'data-reports'));
    assert.equal(reportsBefore, 1200);
    const bands = await page.locator('[data-testid="chart-diversity-ctr"] polygon').count();
    assert.equal(bands, 2, 'one interval band per variant');
    const points = await page.locator('[data-testid="chart-diversity-ctr"] circle').count();
    assert.equal(points, 6, '3 days x 2 variants');
    const verdictText = await page.textContent('[data-testid="verdicts-diversity"]');
    assert.match(verdictText, /点击率 CTR/);
    assert.match(await page.textContent('[data-testid="srm-diversity"]'), /样本比例/);
    assert.match(await page.textContent('[data-testid="channels-diversity"]'), /mini-program/);
    assert.match(await page.textContent('[data-testid="noise-diversity"]'), /%/);
    const ctrBefore = await page.textContent('[data-testid="verdicts-diversity"] tr:nth-child(2) td:nth-child(4)');
    await page.screenshot({ path: join(artifacts, 'ops-dashboard.png'), fullPage: true });

    assert.match(await page.textContent('[data-testid="transport"] .value'), /本地加噪 1,200/);
    // Two more days arrive: the page moves without a reload. The last one through secure
    // aggregation: cohorts of 10 simulated phones running the SDK's own round.
    await postSimulatedDay(server.core, server.url, file, { day: today - 2, users: 400, seed: 12, ctr: { control: 0.05, div03: 0.12 }, userOffset: 2000 });
    const secure = await postSecureDay(server.core, server.url, file, { day: today - 1, users: 100, seed: 11, ctr: { control: 0.05, div03: 0.12 }, userOffset: 1000 });
    assert.deepEqual(secure, { secure: 100, local: 0, cohorts: 10 });
    await page.waitForFunction(() => document.body.dataset.reports === '1700', null, { timeout: 20000 });
    assert.match(await page.textContent('[data-testid="transport"] .value'), /安全聚合 100 台·日 \/ 10 组/);
    assert.equal(await page.locator('[data-testid="metrics-rounds"] tr').count() >= 11, true, 'the metrics rounds are listed');
    assert.equal(await page.locator('[data-testid="chart-diversity-ctr"] circle').count(), 10);
    const ctrAfter = await page.textContent('[data-testid="verdicts-diversity"] tr:nth-child(2) td:nth-child(4)');
    assert.notEqual(ctrAfter, ctrBefore, 'the treatment CTR moved');
    await page.screenshot({ path: join(artifacts, 'ops-dashboard-live.png'), fullPage: true });
  } finally {
    await browser.close();
    await server.close();
  }
});

// The course page's banner slot (demo/experiments.json "bandits": 精选横幅) against the real
// aggregation server that ships the file: the device's bandit chooses the arm, the banner shows
// that arm's list and 为你推荐 below it repeats none of it, a click on the banner reaches the
// bandit through rec.track (its posterior moves), the learned state survives a reload
// (IndexedDB, with the profile), and no request carries the render or the click.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAggregationServer } from '../../js/server/server.js';
import { launchBrowser, repoRoot } from './harness.js';
import { artifacts, ensureDemoData, listIds, screenshot, waitForReady } from './demo-helpers.js';
import { startDemoServer } from '../../demo/serve.mjs';

const file = JSON.parse(readFileSync(join(repoRoot, 'demo', 'experiments.json'), 'utf8'));
const [bannerConfig] = file.bandits.slots;
const ARMS = bannerConfig.arms.map((arm) => arm.id);

// The chosen arm's clicks in the page's channel: the sum of its h5 cell (a 0/1 slot: one per click).
const armClicks = (page, arm) => page.evaluate(async ({ slot, arm }) => {
  const stats = await window.__zx.recommender().slots.stats();
  const armStats = stats.slots.find((s) => s.slot === slot).arms.find((a) => a.id === arm);
  return armStats.cells.filter((c) => c.cell.includes('h5')).reduce((sum, c) => sum + c.sum, 0);
}, { slot: bannerConfig.slot, arm });

test('the banner slot is chosen by the device bandit, learns from a click through rec.track, and keeps what it learned over a reload', async (t) => {
  ensureDemoData();
  const dataDir = process.env.ZX_DEMO_DATA ?? join(repoRoot, 'demo', 'generated');
  const aggregation = await startAggregationServer({
    modelBytes: readFileSync(join(dataDir, 'model.safetensors')), dataDir: mkdtempSync(join(tmpdir(), 'zx-demo-slot-')), port: 0,
    quorum: 1, minUpdates: 1, aggregation: 'plain', experimentsText: JSON.stringify(file), operatorToken: 'demo-slot-token'.padEnd(32, '0'),
  });
  const server = await startDemoServer({ aggregator: aggregation.url, dataDir: process.env.ZX_DEMO_DATA });
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.close(); await aggregation.close(); });
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  const sent = [];
  page.on('request', (request) => sent.push(`${request.url()} ${request.postData() ?? ''}`));
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  await page.click('#onboarding button:text-is("跳过")');
  await page.waitForSelector('#slot-banner li.course');

  const slot = await page.evaluate(() => window.__zx.slot);
  const shownArm = await page.getAttribute('#slot-banner', 'data-arm');
  assert.ok(ARMS.includes(slot.arm), `an arm of the file: ${slot.arm}`);
  assert.equal(shownArm, slot.arm, 'the banner shows the arm the bandit chose');
  assert.ok(slot.propensity >= bannerConfig.exploration / ARMS.length && slot.propensity <= 1, `a logged propensity: ${slot.propensity}`);
  const bannerIds = await listIds(page, '#slot-banner');
  assert.deepEqual(bannerIds, slot.ids, 'the banner holds the chosen arm\'s list');
  assert.equal(bannerIds.length, 3);
  const listed = await listIds(page);
  assert.ok(listed.length > 0 && listed.every((id) => !bannerIds.includes(id)), '为你推荐 repeats nothing of the banner');
  await screenshot(page, 'demo-slot-banner');

  // A click on the banner: rec.track -> the render's attribution -> the bandit's posterior.
  const before = await armClicks(page, slot.arm);
  await page.click(`#slot-banner li[data-id="${bannerIds[0]}"] h3`);
  await page.waitForFunction(() => location.hash.startsWith('#/course/'));
  await page.waitForFunction(async ({ slotName, arm, before }) => {
    const stats = await window.__zx.recommender().slots.stats();
    const armStats = stats.slots.find((s) => s.slot === slotName).arms.find((a) => a.id === arm);
    return armStats.cells.filter((c) => c.cell.includes('h5')).reduce((sum, c) => sum + c.sum, 0) === before + 1;
  }, { slotName: bannerConfig.slot, arm: slot.arm, before });
  await page.evaluate(() => window.__zx.recommender().slots.flush());

  // What it learned is kept with the profile and comes back on the next load.
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  assert.equal(await armClicks(page, slot.arm), before + 1, 'the click survives a reload');

  const leaks = sent.filter((line) => line.includes(slot.renderId) || /"(click|impression)"/.test(line));
  assert.deepEqual(leaks, [], 'no request carries the render or the click');
});

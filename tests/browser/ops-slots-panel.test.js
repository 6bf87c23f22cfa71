// The dashboard's slot bandits panel in Chromium, served by a real `zhixuan serve`: three real
// devices (rec.slots) send a day of slot statistics through a secure metrics round; the panel
// shows each arm's share of that day's renders and its posterior per cell (the file's prior with
// the stored cohort sums folded in by the core). Screenshot: tests/artifacts/ops-slots-panel.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deviceWithDay, metricsFile, metricsServer, TOKEN } from '../js/metrics-secure-helpers.js';
import { launchBrowser, repoRoot } from './harness.js';

const artifacts = join(repoRoot, 'tests', 'artifacts');
const BANDITS = {
  channels: ['web', 'app'],
  slots: [{ slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, split_by: ['channel'], samples: 200,
    arms: [{ id: 'personal', strategy: 'personal' }, { id: 'popular', strategy: 'popular' }, { id: 'new', strategy: 'new' }] }],
};

test("the dashboard's slots panel: arms' shares by day and their posteriors", async () => {
  mkdirSync(artifacts, { recursive: true });
  const file = metricsFile({ noise: 1e-8, bandits: BANDITS, version: 'slots-panel-1' });
  const { server, url } = await metricsServer({ file, cohort: 3 });
  const browser = await launchBrowser();
  const devices = [];
  try {
    for (let i = 0; i < 3; i++) {
      const rec = await deviceWithDay(i, { file, budget: 1e12 });
      devices.push(rec);
      let now = 1764633600;
      rec.slots._setClock(() => now);
      rec.slots.load(file);
      for (let r = 0; r < 10; r++) {
        const c = rec.slots.choose('banner', { channel: 'web' });
        if (c.arm === 'personal') rec.slots.reward(c.renderId, { type: 'click' });
        now += 1;
      }
      now += 700;
      rec.slots.advance();
    }
    const shown = { personal: 0, all: 0, clicks: 0 };
    for (const rec of devices) {
      for (const arm of rec.slots.stats().slots[0].arms) {
        const n = arm.cells.reduce((x, c) => x + c.n, 0);
        shown.all += n;
        if (arm.id === 'personal') shown.personal += n, shown.clicks += arm.cells.reduce((x, c) => x + c.sum, 0);
      }
    }
    await Promise.all(devices.map((rec) => rec.experiments.send({ server: url, slots: rec.slots, policy: { pollMs: 30, minCohort: 3 } })));

    const page = await browser.context.newPage();
    assert.equal((await page.goto(`${url}/ops?token=${TOKEN}`)).status(), 200);
    await page.waitForSelector('[data-testid="slots-shares-banner"]');
    const share = await page.textContent('[data-testid="slots-shares-banner"] tr:nth-child(2) td:nth-child(2)');
    // The panel's share is the stored cohort sums' ratio: the secure round quantizes each device's
    // counts, so it can sit a rounding step away from the devices' exact ratio (20/30 shown as 66%).
    const stored = server.ops.store.extras(file.version, 'slots:banner');
    const storedRenders = (prefix) => stored.filter((r) => prefix === null || r.key.startsWith(prefix)).reduce((x, r) => x + Math.max(0, r.sums[0]), 0);
    const storedShare = storedRenders('personal|') / storedRenders(null);
    assert.ok(Math.abs(storedShare - shown.personal / shown.all) < 0.02, `stored share ${storedShare} against the devices' ${shown.personal}/${shown.all}`);
    assert.equal(share.trim(), `${(100 * storedShare).toFixed(0)}%`, 'personal\'s share of the day');
    const headers = await page.locator('[data-testid="slots-posteriors-banner"] tr:nth-child(1) th').allTextContents();
    const posterior = await page.textContent(`[data-testid="slots-posteriors-banner"] tr:nth-child(2) td:nth-child(${headers.indexOf('web') + 1})`);
    // Beta(1, 1) + the cohort's stored sums (the secure round quantizes and noises them a little).
    const [n, clicks] = server.ops.store.extras(file.version, 'slots:banner').find((r) => r.key === 'personal|web').sums;
    assert.ok(Math.abs(n - shown.personal) < 0.5 && Math.abs(clicks - shown.clicks) < 0.5, 'the stored sums are the devices\' sums');
    const mean = (1 + clicks) / (1 + clicks + 1 + Math.max(0, n - clicks));  // the core's fold (slot_priors.hpp)
    assert.ok(Math.abs(parseFloat(posterior) - 100 * mean) < 0.006, `${posterior} against ${(100 * mean).toFixed(2)}%`);
    await page.screenshot({ path: join(artifacts, 'ops-slots-panel.png'), fullPage: true });
  } finally {
    for (const d of devices) d.dispose();
    await browser.close();
    await server.close();
  }
});

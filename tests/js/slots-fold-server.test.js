// The bandits' loop through `zhixuan serve` (real server, real secure metrics round, real
// rec.slots): the devices' slot statistics arrive as cohort sums, POST /ops/api/fold-slots folds
// them into the priors of the next file, and GET /v1/experiments ships it; a device that loads
// it chooses from what the cohort learned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceWithDay, metricsFile, metricsServer, TOKEN, today } from './metrics-secure-helpers.js';

const BANDITS = {
  channels: ['web', 'app'],
  slots: [
    { slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, split_by: ['channel'], samples: 300,
      arms: [{ id: 'personal', strategy: 'personal' }, { id: 'popular', strategy: 'popular' }] },
    { slot: 'rail', model: 'funnel', delay_window_seconds: 600, samples: 300, prior: { alpha: 1, beta: 1, mean: 0, kappa: 1, shape: 1, scale: 100 },
      arms: [{ id: 'cheap', strategy: 'new' }, { id: 'dear', strategy: 'long_tail' }] },
  ],
};

test('the server folds the cohort sums of the slot statistics into the next file it serves', async () => {
  const file = metricsFile({ noise: 1e-5, bandits: BANDITS, version: 'fold-1' });
  const { server, url } = await metricsServer({ file, cohort: 3 });
  const devices = [];
  try {
    const fold = () => fetch(new URL('ops/api/fold-slots', url), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal((await fold()).status, 409, 'nothing reported yet: nothing to fold');
    assert.equal((await fetch(new URL('ops/api/fold-slots', url), { method: 'POST' })).status, 401, 'the operator token is required');
    for (let i = 0; i < 3; i++) {
      const rec = await deviceWithDay(i, { file, renders: 1, clicks: 1, budget: 1e12 });
      devices.push(rec);
      let now = 1764633600;
      rec.slots._setClock(() => now);
      rec.slots.load(file);
      // On the web every device's banner clicks go to "personal"; on the rail "dear" sells at 199.
      for (let r = 0; r < 6; r++) {  // within the value block's bound (2,000 a day)
        const banner = rec.slots.choose('banner', { channel: 'web' });
        if (banner.arm === 'personal') rec.slots.reward(banner.renderId, { type: 'click' });
        const rail = rec.slots.choose('rail', { channel: 'app' });
        rec.slots.reward(rail.renderId, { type: 'click' });
        if (rail.arm === 'dear') rec.slots.reward(rail.renderId, { type: 'purchase', value: 199 });
        now += 1;
      }
      now += 700;
      rec.slots.advance();
    }
    const sent = await Promise.all(devices.map((rec) => rec.experiments.send({ server: url, slots: rec.slots, policy: { pollMs: 30, minCohort: 3 } })));
    for (const r of sent) assert.deepEqual(r.secure, [today() - 1]);
    const expected = { personalClicks: 0, dearValue: 0, dearPurchases: 0 };
    for (const rec of devices) {
      const [banner, rail] = rec.slots.stats().slots;
      expected.personalClicks += banner.arms[0].cells.find((c) => c.cell === 'web')?.sum ?? 0;
      expected.dearValue += rail.arms[1].value.sum;
      expected.dearPurchases += rail.arms[1].value.purchases;
    }
    assert.ok(expected.personalClicks > 0 && expected.dearValue > 0, 'the fixture exercises both slots');

    const response = await fold();
    assert.equal(response.status, 200);
    const folded = await response.json();
    assert.deepEqual([folded.from, folded.version], ['fold-1', 'fold-1+slots1']);
    const served = await (await fetch(new URL('v1/experiments', url))).json();
    assert.equal(served.version, 'fold-1+slots1', 'GET /v1/experiments ships the folded file');
    const [banner, rail] = served.bandits.slots;
    assert.ok(Math.abs(banner.arms[0].cell_priors.web.alpha - (1 + expected.personalClicks)) < 0.2, JSON.stringify(banner.arms[0].cell_priors));
    // The sums carry the round's quantization and noise (about 0.02 on counts, 0.5 a device on
    // amounts). The amount's prior (mean 0, kappa 1) took the purchases: mean * kappa = their sum.
    assert.ok(Math.abs(rail.arms[1].prior.mean * rail.arms[1].prior.kappa - expected.dearValue) < 5, JSON.stringify(rail.arms[1].prior));
    assert.ok(Math.abs(rail.arms[1].prior.conversion_alpha - 1 - expected.dearPurchases) < 0.2, JSON.stringify(rail.arms[1].prior));
    assert.deepEqual(served.experiments, file.experiments, 'the rest of the file is unchanged');

    // A new device starts from the cohort's lesson.
    const fresh = devices[0];
    fresh.slots._reseed(5, served);
    const choice = fresh.slots.choose('banner', { channel: 'web' });
    assert.ok(choice.probabilities[0] > 0.6, `personal on the web: ${choice.probabilities[0]}`);
    assert.equal((await fold()).status, 409, 'the folded version has no reports of its own yet');
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

// The bandits' loop through `zhixuan serve` (real server, real secure metrics round, real
// rec.slots): the devices' slot statistics arrive as cohort sums, POST /ops/api/fold-slots folds
// them into the priors of the next file, and GET /v1/experiments ships it; a device that loads
// it chooses from what the cohort learned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceWithDay, metricsFile, metricsServer, TOKEN, today } from './metrics-secure-helpers.js';
import { parseServeArgs } from '../../js/server/cli.js';
import { extraBlocks, slotsValues } from '../../js/metrics-extras.js';

const BANDITS = {
  channels: ['web', 'app'],
  slots: [
    { slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, split_by: ['channel'], samples: 300,
      arms: [{ id: 'personal', strategy: 'personal' }, { id: 'popular', strategy: 'popular' }] },
    { slot: 'rail', model: 'funnel', delay_window_seconds: 600, samples: 300, prior: { alpha: 1, beta: 1, mean: 0, kappa: 1, shape: 1, scale: 100 },
      arms: [{ id: 'cheap', strategy: 'new' }, { id: 'dear', strategy: 'long_tail' }] },
  ],
};


// A day of renders on one device: on the web every banner click goes to "personal"; on the rail
// every render is clicked and "dear" sells at 199. Then the windows close.
function playRenders(rec, renders, clock) {
  for (let r = 0; r < renders; r++) {
    const banner = rec.slots.choose('banner', { channel: 'web' });
    if (banner.arm === 'personal') rec.slots.reward(banner.renderId, { type: 'click' });
    const rail = rec.slots.choose('rail', { channel: 'app' });
    rec.slots.reward(rail.renderId, { type: 'click' });
    if (rail.arm === 'dear') rec.slots.reward(rail.renderId, { type: 'purchase', value: 199 });
    clock.now += 1;
  }
  clock.now += 700;
  rec.slots.advance();
}
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
      const clock = { now: 1764633600 };
      rec.slots._setClock(() => clock.now);
      rec.slots.load(file);
      playRenders(rec, 6, clock);  // within the value block's bound (2,000 a day)
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

// Issue 15: the folded file says what it folded, and a device that loads it takes its own reports
// of those days out of its statistics: each of its renders counts once (in the new prior, or in
// its statistics when not reported yet).
test('a device that loads the folded file counts each of its renders once', async () => {
  const file = metricsFile({ noise: 1e-5, bandits: BANDITS, version: 'once-1' });
  const { server, url } = await metricsServer({ file, cohort: 3 });
  const devices = [];
  const cell = (rec, slot, arm, name) => rec.slots.stats().slots.find((s) => s.slot === slot).arms.find((a) => a.id === arm).cells.find((c) => c.cell === name) ?? { n: 0, sum: 0 };
  const value = (rec) => rec.slots.stats().slots.find((s) => s.slot === 'rail').arms.find((a) => a.id === 'dear').value;
  const clock = { now: 1764633600 };
  const play = (rec, renders) => playRenders(rec, renders, clock);
  try {
    for (let i = 0; i < 3; i++) {
      const rec = await deviceWithDay(i, { file, renders: 1, clicks: 1, budget: 1e12 });
      devices.push(rec);
      rec.slots._setClock(() => clock.now);
      rec.slots._reseed(11 + i, file);
      play(rec, 6);
    }
    const sent = await Promise.all(devices.map((rec) => rec.experiments.send({ server: url, slots: rec.slots, policy: { pollMs: 30, minCohort: 3 } })));
    for (const r of sent) assert.deepEqual(r.secure, [today() - 1]);
    const reported = devices.map((rec) => ({ web: cell(rec, 'banner', 'personal', 'web'), dear: value(rec) }));
    // Device 0 plays on after its report: these renders are its own until its next report.
    const device = devices[0];
    play(device, 5);
    const after = { web: cell(device, 'banner', 'personal', 'web'), dear: value(device) };
    assert.ok(after.web.n > reported[0].web.n || after.dear.clicks > reported[0].dear.clicks, 'the fixture plays on');

    const folded = await (await fetch(new URL('ops/api/fold-slots', url), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).json();
    assert.deepEqual(folded.days, [today() - 1]);
    const served = await (await fetch(new URL('v1/experiments', url))).json();
    assert.deepEqual(served.bandits.folded, [{ version: 'once-1', days: [today() - 1], rounds: folded.rounds }], 'the file says what it folded');
    assert.equal(folded.rounds.length, 1, 'one cohort round of three devices');
    assert.deepEqual(device.slots._reported.sent.map((e) => e.round), folded.rounds, 'the device knows the round it took part in');
    const prior = served.bandits.slots[0].arms[0].cell_priors.web;
    const allClicks = reported.reduce((s, r) => s + r.web.sum, 0);
    assert.ok(Math.abs(prior.alpha - 1 - allClicks) < 0.2, 'the prior holds every reported click');

    device.slots.load(served);
    const mine = { web: cell(device, 'banner', 'personal', 'web'), dear: value(device) };
    // What it reported is in the prior now; what it did not report stays its own.
    assert.ok(Math.abs(mine.web.n - (after.web.n - reported[0].web.n)) < 1e-9, JSON.stringify(mine.web));
    assert.ok(Math.abs(mine.web.sum - (after.web.sum - reported[0].web.sum)) < 1e-9, JSON.stringify(mine.web));
    assert.ok(Math.abs(mine.dear.clicks - (after.dear.clicks - reported[0].dear.clicks)) < 1e-9, JSON.stringify(mine.dear));
    assert.ok(Math.abs(mine.dear.sum - (after.dear.sum - reported[0].dear.sum)) < 1e-9, JSON.stringify(mine.dear));
    // Its posterior: the new prior (every device's reported clicks, once) plus its unreported ones.
    const a = prior.alpha + mine.web.sum, b = prior.beta + mine.web.n - mine.web.sum;
    assert.ok(Math.abs(mine.web.mean - a / (a + b)) < 1e-9, `${mine.web.mean} vs ${a / (a + b)}`);

    // Its next report carries exactly the renders it has not reported (the base moved with it).
    const next = slotsValues(device.slots.stats(), device.slots._reportedBase(), extraBlocks(served))['slots:banner'];
    assert.ok(Math.abs(next['personal|web'][0] - (after.web.n - reported[0].web.n)) < 1e-9, JSON.stringify(next));
    assert.ok(Math.abs(next['personal|web'][1] - (after.web.sum - reported[0].web.sum)) < 1e-9, JSON.stringify(next));

    // Loading it again (or with the next refresh) takes nothing more out.
    device.slots.load(JSON.stringify(served));
    assert.deepEqual(cell(device, 'banner', 'personal', 'web'), mine.web);
    // A device that loads the file without having reported keeps all it learned.
    const other = devices[1];
    const before = cell(other, 'banner', 'personal', 'web');
    other.slots._reported = { base: null, sent: [] };
    other.slots.load(served);
    assert.deepEqual(cell(other, 'banner', 'personal', 'web').n, before.n);
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

// `zhixuan serve --fold-slots after-day`: the day's summed cohort is folded without the operator.
test('with foldSlots after-day the server folds once a metrics day is summed', async () => {
  const file = metricsFile({ noise: 1e-5, bandits: BANDITS, version: 'auto-1' });
  const { server, url, logs } = await metricsServer({ file, cohort: 3, foldSlots: 'after-day' });
  const devices = [];
  try {
    const served = async () => (await fetch(new URL('v1/experiments', url))).json();
    assert.equal((await served()).version, 'auto-1');
    let now = 1764633600;
    for (let i = 0; i < 3; i++) {
      const rec = await deviceWithDay(i, { file, renders: 1, clicks: 1, budget: 1e12 });
      devices.push(rec);
      rec.slots._setClock(() => now);
      rec.slots._reseed(21 + i, file);
      for (let r = 0; r < 4; r++) rec.slots.reward(rec.slots.choose('banner', { channel: 'web' }).renderId, { type: 'click' });
      now += 700;
      rec.slots.advance();
    }
    const clicks = devices.reduce((s, rec) => s + rec.slots.stats().slots[0].arms.reduce((t, a) => t + (a.cells.find((c) => c.cell === 'web')?.sum ?? 0), 0), 0);
    const sent = await Promise.all(devices.map((rec) => rec.experiments.send({ server: url, slots: rec.slots, policy: { pollMs: 30, minCohort: 3 } })));
    for (const r of sent) assert.deepEqual(r.secure, [today() - 1]);
    // The fold runs right after the round's answer (setImmediate): wait for it, not for a timer.
    let file2 = await served();
    for (let i = 0; i < 100 && file2.version === 'auto-1'; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      file2 = await served();
    }
    assert.equal(file2.version, 'auto-1+slots1', logs.join('\n'));
    assert.deepEqual(file2.bandits.folded.map((f) => [f.version, f.days]), [['auto-1', [today() - 1]]]);
    const alphas = file2.bandits.slots[0].arms.reduce((s, a) => s + (a.cell_priors?.web?.alpha ?? 1) - 1, 0);
    assert.ok(Math.abs(alphas - clicks) < 0.2, `${alphas} vs ${clicks}`);
    assert.ok(logs.some((m) => /slots folded after day/.test(m)), 'the fold is logged');
    // Each device, loading it, keeps none of what it reported: every click counts once.
    for (const rec of devices) {
      rec.slots.load(file2);
      assert.equal(rec.slots.stats().slots[0].arms.reduce((t, a) => t + a.cells.reduce((u, c) => u + c.n, 0), 0), 0);
    }
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

test('foldSlots takes off or after-day', () => {
  assert.throws(() => parseServeArgs(['--data', '/tmp/x', '--fold-slots', 'hourly']), /--fold-slots must be off or after-day/);
  assert.equal(parseServeArgs(['--data', '/tmp/x', '--fold-slots', 'after-day']).foldSlots, 'after-day');
});

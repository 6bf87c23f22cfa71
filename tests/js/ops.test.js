// rec.experiments on the built full module: deterministic variants, one ranking path, exposure at
// render, attribution, the last good file kept on bad input, and the metrics that leave only as
// noised aggregates charged to the privacy ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender, ZhixuanError } from '../../js/index.js';
import { noisedReport } from '../../js/ops.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { bucketOf } from './bucket-hash.js';

const SLOT = '为你推荐';
export function experimentsFile(overrides = {}) {
  return {
    version: 'ops-t1',
    model_versions: ['v1'],
    slots: [SLOT, 'banner'],
    channels: ['web', 'mini-program'],
    metrics: { noise_multiplier: 1, max_cells: 4, delta: 1e-6 },
    layers: [{ id: 'ranking', salt: 'L-ranking' }],
    experiments: [{
      id: 'k-size', salt: 'k-size-salt', layer: 'ranking', slots: [SLOT],
      variants: [{ id: 'control', control: true, weight: 50, params: {} }, { id: 'short', weight: 50, params: { k: 3 } }],
    }],
    ...overrides,
  };
}

async function device(stableId, file = experimentsFile()) {
  const rec = await createRecommender({ model: checkerboardBundle(), profile: false });
  if (file) rec.experiments.load(file);
  rec.experiments.setUser({ stableId, channel: 'web' });
  return rec;
}

// A stable id in the wanted variant of k-size (found by the documented hash, not by the SDK).
function userIn(variant) {
  for (let i = 0; ; i++) {
    const id = `u${i}`;
    const inShort = bucketOf('k-size-salt', id) >= 5000;
    if ((variant === 'short') === inShort) return id;
  }
}

test('the core buckets ids by the documented hash', async () => {
  const rec = await device('x');
  for (let i = 0; i < 200; i++) assert.equal(rec._core.opsBucketOf('salt-a', `user-${i}`), bucketOf('salt-a', `user-${i}`));
  assert.equal(rec._core.opsBucketOf('中文盐', '用户1'), bucketOf('中文盐', '用户1'));
  rec.dispose();
});

test('the same stable id gets the same variant on two devices and on every reload', async () => {
  const a = await device('user-42');
  const b = await device('user-42');
  const variant = a.experiments.variant('k-size');
  assert.ok(['control', 'short'].includes(variant));
  assert.equal(b.experiments.variant('k-size'), variant);
  a.experiments.load(experimentsFile());
  assert.equal(a.experiments.variant('k-size'), variant);
  assert.equal(a.experiments.variant('k-size'), bucketOf('k-size-salt', 'user-42') >= 5000 ? 'short' : 'control');
  a.dispose();
  b.dispose();
});

test("a variant's list is exactly what recommend() returns with its params (one ranking path)", async () => {
  const rec = await device(userIn('short'));
  const history = ['item0', 'item2'];
  assert.deepEqual(rec.experiments.params(SLOT), { k: 3 });
  const shown = rec.experiments.recommend(SLOT, { history, k: 10 });
  const direct = rec.recommend({ history, k: 3 });
  assert.deepEqual(shown.ids, direct.ids);
  assert.deepEqual(Array.from(shown.scores), Array.from(direct.scores));
  assert.equal(shown.ids.length, 3);
  assert.deepEqual(shown.arms, [['k-size', 'short']]);
  // A slot the experiment does not cover renders the plain options.
  assert.deepEqual(rec.experiments.params('banner'), {});
  const control = await device(userIn('control'));
  assert.deepEqual(control.experiments.recommend(SLOT, { history, k: 10 }).ids, control.recommend({ history, k: 10 }).ids);
  rec.dispose();
  control.dispose();
});

test('exposure is recorded at render, not at assignment; events are attributed to their render', async () => {
  const rec = await device(userIn('short'));
  const now = 1764676800;  // 2025-12-02T12:00:00Z
  rec.experiments._setClock(() => now);
  rec.experiments.variant('k-size');
  rec.experiments.params(SLOT);
  rec.experiments.assignment('k-size');
  assert.deepEqual(rec.experiments.pendingDays(), [], 'assignment alone records nothing');
  const shown = rec.experiments.recommend(SLOT, { history: ['item0'] });
  assert.deepEqual(rec.experiments.pendingDays(), [Math.floor(now / 86400)]);
  const touch = rec.experiments.track({ type: 'click', item: shown.ids[1], ts: (now + 60) * 1000 });
  assert.equal(touch.renderId, shown.renderId);
  assert.equal(touch.position, 1);
  assert.equal(touch.slot, SLOT);
  assert.equal(rec.experiments.track({ type: 'purchase', item: shown.ids[1], value: 199, ts: (now + 120) * 1000 }).renderId, shown.renderId);
  assert.equal(rec.experiments.track({ type: 'click', item: 'item39', ts: (now + 60) * 1000 }), null, 'never shown: unattributed');
  assert.equal(rec.experiments.track({ type: 'view', item: shown.ids[0] }), null);
  const report = rec.experiments.report(Math.floor(now / 86400));
  const cell = report.layout.findIndex(([e, v, s, c]) => e === 'k-size' && v === 'short' && s === SLOT && c === 'web');
  assert.deepEqual(report.values.slice(cell * 13, cell * 13 + 6), [1, 3, 1, 0, 1, 199]);
  assert.equal(report.values.reduce((a, v) => a + v, 0), report.values.slice(cell * 13, cell * 13 + 13).reduce((a, v) => a + v, 0), 'every other cell is zero');
  assert.throws(() => rec.experiments.track({ type: 'purchase', item: shown.ids[1], value: -5 }), (e) => e instanceof ZhixuanError && e.code === 'INVALID_ARGUMENT');
  // The attribution state survives a reload of the page.
  const state = rec.experiments.exportState();
  const again = await device(userIn('short'));
  again.experiments.importState(state);
  assert.deepEqual(again.experiments.report(Math.floor(now / 86400)).values, report.values);
  assert.throws(() => again.experiments.importState('{"format":"nope"}'), (e) => e.code === 'MALFORMED_PAYLOAD');
  rec.dispose();
  again.dispose();
});

test('bad experiments files are named errors; the last good file stays; with none, the control', async () => {
  const rec = await device(userIn('short'), null);
  assert.equal(rec.experiments.variant('k-size'), null);
  assert.deepEqual(rec.experiments.params(SLOT), {});
  const plain = rec.experiments.recommend(SLOT, { history: ['item0'], k: 5 });
  assert.equal(plain.ids.length, 5);
  assert.deepEqual(plain.arms, []);
  rec.experiments.load(experimentsFile());
  assert.equal(rec.experiments.variant('k-size'), 'short');
  const bad = {
    MALFORMED_EXPERIMENTS: '{"version": "x", "experiments": [',
    UNKNOWN_PARAMETER: experimentsFile({ version: 'x2', experiments: [{ ...experimentsFile().experiments[0], variants: [{ id: 'a' }, { id: 'b', params: { temperature: 2 } }] }] }),
    UNKNOWN_MODEL_VERSION: experimentsFile({ version: 'x3', experiments: [{ ...experimentsFile().experiments[0], variants: [{ id: 'a' }, { id: 'b', params: { model_version: 'v9' } }] }] }),
    OVERLAPPING_ALLOCATION: experimentsFile({ version: 'x4', experiments: [
      { ...experimentsFile().experiments[0], allocation: { start: 0, percent: 60 } },
      { ...experimentsFile().experiments[0], id: 'other', salt: 'other-salt', allocation: { start: 50, percent: 50 }, variants: [{ id: 'a' }, { id: 'b', params: { k: 4 } }] }] }),
  };
  for (const [code, file] of Object.entries(bad)) {
    assert.throws(() => rec.experiments.load(file), (e) => e instanceof ZhixuanError && e.code === code, code);
    assert.equal(rec.experiments.version, 'ops-t1');
    assert.equal(rec.experiments.lastError.code, code);
    assert.equal(rec.experiments.variant('k-size'), 'short');
  }
  assert.throws(() => rec.experiments.setUser({ stableId: '' }), (e) => e.code === 'INVALID_ARGUMENT');
  rec.dispose();
});

// The local-noise fallback (a server without secure metrics rounds; the secure path:
// metrics-secure.test.js).
test('metrics leave only as noised aggregates, charged to the ledger; without consent nothing leaves', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zx-ops-'));
  const server = await startAggregationServer({ modelBytes: checkerboardBundle(), dataDir, port: 0, experimentsText: JSON.stringify(experimentsFile()), operatorToken: 't'.repeat(32), metricsSecure: false });
  try {
    const rec = await device(userIn('short'));
    const today = Math.floor(Date.now() / 86400000);
    rec.experiments._setClock(() => (today - 1) * 86400 + 3600);
    rec.experiments.recommend(SLOT, { history: ['item0'] });
    rec.experiments._setClock(() => Date.now() / 1000);
    const requests = [];
    const headers = [];
    const recording = async (url, init) => { if (init?.body) { requests.push(init.body); headers.push(init.headers); } return fetch(url, init); };
    assert.deepEqual(await rec.experiments.send({ server: server.url, fetch: recording }), { status: 'declined', reason: 'no-consent' });
    assert.equal(requests.length, 0);
    rec.federated.setConsent(true, { epsilonBudget: 100 });
    const epsilon = rec.experiments.epsilonPerDay();
    assert.ok(epsilon > 0 && Number.isFinite(epsilon));
    assert.ok(Math.abs(epsilon - server.core.federatedEpsilon(1, 1, 1, 1e-6).epsilon) < 1e-9, 'the same accountant as the server');
    const sent = await rec.experiments.send({ server: server.url, fetch: recording });
    assert.equal(sent.status, 'sent');
    assert.deepEqual(sent.sent, [today - 1]);
    assert.deepEqual(sent.local, [today - 1], 'no secure round on this server: the local fallback');
    assert.ok(Math.abs(sent.epsilonSpent - epsilon) < 1e-9);
    assert.deepEqual(rec.experiments.pendingDays(), []);
    const body = JSON.parse(requests[0]);
    // The public shape and the noised values only (not the report's un-noised cells_dropped).
    assert.deepEqual(Object.keys(body).sort(), ['day', 'delta', 'experiments_version', 'layout', 'noise_multiplier', 'noised', 'sensitivity', 'sigma', 'values']);
    assert.equal(headers[0].authorization, `Bearer ${rec.federated.exportState().token}`, 'posted with the device\'s client token');
    assert.equal(body.noised, 'local-gaussian');
    assert.ok(body.values.every((v) => v !== 0), 'every coordinate is noised, the zeros included');
    const summary = server.ops.summary();
    assert.equal(summary.reports, 1);
    rec.dispose();
  } finally {
    await server.close();
  }
});

test('the local noise has the stated standard deviation (CSPRNG Gaussian)', () => {
  const report = { values: new Array(13 * 2000).fill(0), sigma: Array.from({ length: 13 }, (_, j) => j + 1) };
  const noised = noisedReport(report).values;
  for (const j of [0, 6, 12]) {
    const xs = noised.filter((_, i) => i % 13 === j);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    assert.ok(Math.abs(mean) < 4 * (j + 1) / Math.sqrt(xs.length), `mean of coordinate ${j}`);
    assert.ok(Math.abs(sd / (j + 1) - 1) < 0.06, `sd of coordinate ${j}: ${sd}`);
  }
});

test('rec.track feeds attribution: a tracked click lands on its render', async () => {
  const { memoryStorage } = await import('../../js/index.js');
  const rec = await createRecommender({ model: checkerboardBundle(), storage: memoryStorage(), userId: 'track-user' });
  rec.experiments.load(experimentsFile());
  rec.experiments.setUser({ stableId: userIn('short'), channel: 'web' });
  const now = Math.floor(Date.now() / 1000);
  const shown = rec.experiments.recommend(SLOT, { history: ['item0'] });
  await rec.track({ type: 'click', item: shown.ids[0], channel: 'web', ts: Date.now() });
  await rec.track({ type: 'purchase', item: shown.ids[0], channel: 'web', ts: Date.now(), value: 59 });
  const report = rec.experiments.report(Math.floor(now / 86400));
  const cell = report.layout.findIndex(([e, v, s, c]) => e === 'k-size' && v === 'short' && s === SLOT && c === 'web');
  assert.deepEqual(report.values.slice(cell * 13, cell * 13 + 6), [1, 3, 1, 0, 1, 59]);
  rec.dispose();
});

test('the last good file and the attribution state are kept with the profile: a reload (offline) attributes to an earlier render; forget() erases them', async () => {
  const { directoryStorage } = await import('../../js/index.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'zx-ops-kept-'));
  const open = () => createRecommender({ model: checkerboardBundle(), storage: directoryStorage(dir), userId: 'kept-user' });
  const stableId = userIn('short');
  const first = await open();
  first.experiments.load(experimentsFile());
  first.experiments.setUser({ stableId, channel: 'web' });
  const shown = first.experiments.recommend(SLOT, { history: ['item0'] });
  assert.equal(shown.ids.length, 3, 'the short variant renders k = 3');
  await first.experiments.flush();
  first.dispose();

  // No file is fetched on this load: the kept one is in force, and a click lands on the old render.
  const again = await open();
  assert.equal(again.experiments.version, 'ops-t1');
  again.experiments.setUser({ stableId, channel: 'web' });
  assert.equal(again.experiments.variant('k-size'), 'short');
  const touch = again.experiments.track({ type: 'click', item: shown.ids[1], ts: Date.now() });
  assert.equal(touch?.renderId, shown.renderId);
  assert.equal(touch.position, 1);
  await again.experiments.flush();
  await again.forget();
  again.dispose();

  const erased = await open();
  assert.equal(erased.experiments.version, null, 'forget() erased the kept file');
  assert.deepEqual(erased.experiments.pendingDays(), [], 'and the attribution state');
  erased.dispose();
});

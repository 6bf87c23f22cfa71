// One file, one refresh: an experiments file with a "bandits" member also configures rec.slots
// (through load() and refresh() against a real server); a bad bandits member is reported without
// unloading the experiments, and rec.slots keeps its last good file. send({ slots: true }) takes
// this recommender's own bandit (what a worker-mode page can pass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender, memoryStorage } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

const banner = (arms) => ({ slot: 'banner', model: 'beta', reward: 'click', delay_window_seconds: 600, exploration: 0.1, samples: 100, split_by: ['channel'], arms });
const fileWith = (version, arms) => ({
  version, slots: ['home'], experiments: [],
  bandits: { channels: ['web', 'app'], slots: [banner(arms)] },
});
const GOOD = fileWith('with-bandits-1', [{ id: 'personal', strategy: 'personal' }, { id: 'popular', strategy: 'popular' }]);
const BAD = fileWith('with-bandits-2', [{ id: 'personal', strategy: 'personal' }, { id: 'odd', strategy: 'no-such-strategy' }]);

test('experiments.load configures rec.slots from the bandits member; a bad one leaves rec.slots on its last good file', async () => {
  const rec = await createRecommender({ model: checkerboardBundle(), storage: memoryStorage(), userId: 'slots-file' });
  assert.deepEqual(rec.experiments.load({ version: 'plain', slots: ['home'], experiments: [] }), { version: 'plain' }, 'no bandits: nothing about slots');
  assert.deepEqual(rec.experiments.load(GOOD), { version: GOOD.version, slots: { slots: ['banner'] } });
  assert.deepEqual(rec.slots.slotNames(), ['banner']);
  const choice = rec.slots.choose('banner', { channel: 'web' });
  assert.ok(['personal', 'popular'].includes(choice.arm));

  const result = rec.experiments.load(BAD);
  assert.equal(result.version, BAD.version, 'the experiments still load');
  assert.equal(rec.experiments.version, BAD.version);
  assert.equal(result.slots.error.code, 'UNKNOWN_STRATEGY', JSON.stringify(result.slots));
  assert.match(result.slots.error.message, /no-such-strategy/);
  assert.deepEqual(rec.slots.stats().slots[0].arms.map((a) => a.id), ['personal', 'popular'], 'the last good bandits stay in force');
  rec.dispose();
});

test('experiments.refresh from a real server loads its bandits, and send({ slots: true }) reports this recommender\'s own', async (t) => {
  const server = await startAggregationServer({
    modelBytes: checkerboardBundle(), dataDir: mkdtempSync(path.join(tmpdir(), 'zx-slots-file-')), port: 0,
    experimentsText: JSON.stringify(GOOD), operatorToken: 'slots-file-token'.padEnd(32, '0'),
  });
  t.after(() => server.close());
  const rec = await createRecommender({ model: checkerboardBundle(), storage: memoryStorage(), userId: 'slots-refresh' });
  t.after(() => rec.dispose());
  const refreshed = await rec.experiments.refresh({ server: server.url });
  assert.equal(refreshed.status, 'loaded');
  assert.deepEqual(refreshed.slots, { slots: ['banner'] });
  assert.deepEqual(rec.slots.slotNames(), ['banner']);
  // The extras of send({ slots: true }) are this bandit's: the same values as passing rec.slots.
  const choice = rec.slots.choose('banner', { channel: 'app' });
  rec.slots.shown(choice, ['item0']);
  await rec.track({ type: 'click', item: 'item0', channel: 'app' });
  const blocks = [{ name: 'slots:banner', keys: ['personal|app', 'popular|app', 'personal|web', 'popular|web'], fields: ['n', 'sum', 'sumSq'] }];
  const own = rec.experiments._extraValues(null, true).values(blocks);
  assert.equal(own['slots:banner'][`${choice.arm}|app`][1], 1, `the click is in its arm's sum: ${JSON.stringify(own)}`);
  assert.deepEqual(own, rec.experiments._extraValues(null, rec.slots).values(blocks));
});

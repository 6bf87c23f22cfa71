// A newer model from the federated server, as a new user meets it: a model with a catalog (one
// course the model lacks, one added on the device from its text), a profile with events, a real
// aggregation server already on the next version. participate() swaps the model (also when the
// round is then declined); afterwards filters, cold items, tracking, the profile's list, search
// and cold-start lists all serve the new model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender, memoryStorage, ZhixuanError } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { coursesBundle, coursesCatalog } from './courses-fixture.js';

const catalog = JSON.stringify({
  ...coursesCatalog,
  items: [...coursesCatalog.items, { id: 'kaoyan-new', title: '考研英语 新题型', tags: ['考研', '英语'] }],
});
const hasTag = (rec, tag) => (id) => rec.item(id)?.tags?.includes(tag);

async function device() {
  const rec = await createRecommender({ model: await coursesBundle({ version: 'courses-1' }), catalog, storage: memoryStorage() });
  assert.equal(rec.addItems([{ id: 'py-crawler', title: 'Python 爬虫实战', tags: ['python'] }]), 1);
  for (const [type, item] of [['purchase', 'py-data'], ['view', 'py-crawler'], ['favorite', 'ml-intro']]) {
    assert.equal(await rec.track({ type, item }), true);
  }
  rec.federated.setConsent(true, { epsilonBudget: Infinity });
  return rec;
}

async function serverOnNextVersion() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zx-swap-'));
  return startAggregationServer({ modelBytes: await coursesBundle({ version: 'courses-2', tilt: 0.05 }), dataDir, port: 0, quorum: 3, aggregation: 'plain' });
}

async function assertServesNewModel(rec) {
  assert.equal(rec.info.modelVersion, 'courses-2');
  assert.equal(rec.info.items, 13, 'twelve courses and the one added on the device');
  // The catalog stayed: a tag filter keeps only tagged courses, and the cold course is still cold.
  const exam = rec.recommend({ history: ['kaoyan-math'], k: 10, filter: { tags: ['考研'] } });
  assert.deepEqual([...exam.ids].sort(), ['kaoyan-eng', 'kaoyan-pol']);
  const python = rec.recommend({ userVector: Float32Array.of(1, 0, 0, 0), k: 10, filter: { tags: ['python'] } });
  assert.deepEqual([...python.ids].sort(), ['ml-intro', 'py-basics', 'py-crawler', 'py-data']);
  assert.ok(python.ids.every(hasTag(rec, 'python')));
  assert.deepEqual(rec.coldItems(), ['kaoyan-new']);
  assert.equal(rec.item('py-crawler').title, 'Python 爬虫实战');
  // The profile was re-folded on the new model and keeps tracking.
  assert.equal(await rec.track({ type: 'view', item: 'kaoyan-eng' }), true);
  const mine = rec.recommend({ k: 3 });
  assert.equal(mine.ids.length, 3);
  assert.ok(!mine.ids.includes('py-data'), 'seen items stay excluded');
  assert.equal(rec.profile().recency.total_events, 4);
  // The text room follows: search finds the course added on the device, re-ranking works.
  assert.equal(rec.search('爬虫', { k: 3 }).ids[0], 'py-crawler');
  assert.equal(rec.recommend({ history: ['py-data'], k: 4, diversity: 0.5, exploration: 0.5 }).ids.length, 4);
  assert.equal(rec.recommendCold({ k: 3, interests: ['考研'] }).ids.length, 3);
}

test('participate() picks up the server\'s newer model: catalog, profile and text follow it', async () => {
  const server = await serverOnNextVersion();
  const rec = await device();
  try {
    const result = await rec.federated.participate({ server: server.url, history: ['py-data', 'ml-intro'], aggregation: 'plain' });
    assert.equal(result.status, 'submitted');
    await assertServesNewModel(rec);
  } finally {
    rec.dispose();
    await server.close();
  }
});

test('a round declined after the swap leaves a working recommender on the new model', async () => {
  const server = await serverOnNextVersion();
  const rec = await device();
  try {
    const result = await rec.federated.participate({ server: server.url, history: [], aggregation: 'plain' });  // an empty history: declined
    assert.deepEqual(result, { status: 'declined', reason: 'no-history' });
    await assertServesNewModel(rec);
  } finally {
    rec.dispose();
    await server.close();
  }
});

test('replaceModel with a bad bundle throws and changes nothing', async () => {
  const rec = await device();
  try {
    const good = await coursesBundle({ version: 'courses-2' });
    for (const bad of [good.subarray(0, good.length >> 1), new Uint8Array(64).fill(7)]) {
      assert.throws(() => rec.replaceModel(bad), (e) => e instanceof ZhixuanError && e.code === 'MALFORMED_MODEL');
    }
    assert.throws(() => rec.replaceModel('bytes'), TypeError);
    assert.equal(rec.info.modelVersion, 'courses-1');
    assert.equal(rec.info.items, 13);
    assert.deepEqual(rec.coldItems(), ['kaoyan-new']);
    assert.equal(await rec.track({ type: 'view', item: 'kaoyan-eng' }), true);
    assert.equal(rec.search('爬虫', { k: 1 }).ids[0], 'py-crawler');
  } finally {
    rec.dispose();
  }
});

// Worker mode in Chromium: createRecommender({ worker: true }) gives the same answers as the
// main-thread Recommender, as promises, with the same errors; and the course page runs on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listIds, openDemo, screenshot, waitForReady } from './demo-helpers.js';

test('worker mode: same lists, errors and lifetime as the main-thread recommender', async (t) => {
  const { server, page } = await openDemo(t);
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  const result = await page.evaluate(async () => {
    const { createRecommender } = await import('./zhixuan/esm/index.js');
    const catalog = await (await fetch('./data/catalog.json')).json();
    const progress = [];
    const inWorker = await createRecommender({ worker: true, model: './data/model.safetensors', catalog, onProgress: (p) => progress.push(p.loaded) });
    const direct = await createRecommender({ model: './data/model.safetensors', catalog });
    const history = [{ item: 'c001', weight: 4 }, 'c006'];
    const a = await inWorker.recommend({ history, k: 10 });
    const b = direct.recommend({ history, k: 10 });
    const similar = await inWorker.similarItems('c001', 5);
    const info = await inWorker.info;
    const namespaces = { federated: typeof inWorker.federated?.participate, similarItems: typeof inWorker.similarItems };
    const pending = inWorker.recommend({ history, k: 3 });
    let unknown;
    try { await inWorker.recommend({ history: ['ghost'] }); } catch (e) { unknown = { name: e.name, code: e.code }; }
    let typeError;
    try { await inWorker.recommend({ history: 'c001' }); } catch (e) { typeError = e.name; }
    await inWorker.dispose();
    let disposed;
    try { await inWorker.recommend({ history }); } catch (e) { disposed = e.code; }
    let badModel;
    try { await createRecommender({ worker: true, model: new Uint8Array(16) }); } catch (e) { badModel = e.code; }
    return {
      same: JSON.stringify(a.ids) === JSON.stringify(b.ids), ids: a.ids, scoresF32: a.scores instanceof Float32Array,
      maxScoreDiff: Math.max(...a.scores.map((s, i) => Math.abs(s - b.scores[i]))),
      similar: similar.ids.length, info, namespaces, isPromise: pending instanceof Promise, progress: progress.length, unknown, typeError, disposed, badModel,
    };
  });
  assert.ok(result.same, JSON.stringify(result.ids));
  assert.equal(result.maxScoreDiff, 0);
  assert.ok(result.scoresF32);
  assert.equal(result.similar, 5);
  assert.equal(result.info.items, 320);
  // Namespaces behind getters (rec.federated) are proxied too.
  assert.deepEqual(result.namespaces, { federated: 'function', similarItems: 'function' });
  assert.ok(result.isPromise);
  assert.ok(result.progress > 0);
  assert.deepEqual(result.unknown, { name: 'ZhixuanError', code: 'UNKNOWN_ITEM' });
  assert.equal(result.typeError, 'TypeError');
  assert.equal(result.disposed, 'DISPOSED');
  assert.equal(result.badModel, 'MALFORMED_MODEL');
});

test('the course page runs on worker mode', async (t) => {
  const { server, page, pageErrors } = await openDemo(t);
  await page.goto(`${server.base}/?worker&nosw`);
  await waitForReady(page);
  assert.equal(await page.getAttribute('body', 'data-state'), 'model');
  await page.click('#onboarding button:text-is("跳过")');
  await page.waitForSelector('#onboarding', { state: 'detached' });
  const [first] = await listIds(page);
  await page.click(`#rec-list li[data-id="${first}"] button.fav`);
  await page.waitForSelector('#rec-list[data-source="model"]');
  assert.ok(!(await listIds(page)).includes(first));
  await screenshot(page, 'demo-worker-mode');
  assert.deepEqual(pageErrors, []);
});

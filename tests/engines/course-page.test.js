// The course page (demo/) in the engine under test ($ZX_ENGINE), as a phone user meets it: the
// first list, onboarding and a favourite that change it, a reload that keeps it (IndexedDB), the
// page on worker mode, the page with its server gone (service worker); and what reached the
// server holds nothing personal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickText, currentBrowser, engine, listIds, newPage, screenshot, skip, startDemo, waitForReady } from './engine-harness.js';
import { STATIC_PATH } from '../browser/demo-helpers.js';

test(`${engine}: the course page personalizes on onboarding and a favourite, keeps it across a reload, and sends nothing personal`, { skip }, async (t) => {
  const server = await startDemo(t);
  const page = await newPage(t);
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  const timings = await page.evaluate(() => window.__zx.timings);
  t.diagnostic(`${engine} ${currentBrowser().version}: first list ${timings.firstList.toFixed(0)} ms, model ready ${timings.modelReady?.toFixed(0)} ms after navigation start`);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'model');
  assert.ok(await page.evaluate(() => Boolean(document.querySelector('#onboarding'))), 'a new visitor is asked for interests');
  await screenshot(page, 'course-cold');

  await clickText(page, '#onboarding .chip', '考研');
  await clickText(page, '#onboarding .chip', '外语');
  await page.click('#onboarding-done');
  await page.waitForSelector('#rec-list[data-source="model"]');
  const reasons = await page.evaluate(() => [...document.querySelectorAll('#rec-list .reason')].map((n) => n.textContent));
  assert.ok(reasons.some((r) => /考研|外语/.test(r)), reasons.join(' | '));

  // A favourite changes the list at once: the fold-in runs on the device.
  const before = await listIds(page);
  await page.click(`#rec-list li[data-id="${before[0]}"] button.fav`);
  await page.waitForFunction((id) => !document.querySelector(`#rec-list li[data-id="${id}"]`), before[0]);
  const afterFavourite = await listIds(page);
  assert.notDeepEqual(afterFavourite, before);
  await screenshot(page, 'course-personal');

  // A reload: no onboarding, the same personal list, from the device's IndexedDB.
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  assert.equal(await page.evaluate(() => document.querySelector('#rec-list').dataset.source), 'model');
  assert.ok(await page.evaluate(() => !document.querySelector('#onboarding')?.offsetParent), 'a visitor who chose interests is not asked again');
  assert.deepEqual(await listIds(page), afterFavourite);

  // What the server received (every engine's requests, recorded where they arrive).
  for (const request of server.requests) {
    assert.equal(request.method, 'GET', `${request.method} ${request.path}`);
    assert.match(request.path, STATIC_PATH);
    assert.equal(request.search, request.path === '/' ? '?nosw' : '');
    assert.equal(request.body.length, 0);
    for (const value of Object.values(request.headers)) assert.doesNotMatch(String(value), /c\d{3}|purchase|favorite/);
  }
});

test(`${engine}: the course page runs on worker mode with the main thread's lists`, { skip }, async (t) => {
  const server = await startDemo(t);
  const page = await newPage(t);
  await page.goto(`${server.base}/?worker&nosw`);
  await waitForReady(page);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'model');
  const result = await page.evaluate(async () => {
    const { createRecommender } = await import('./zhixuan/esm/index.js');
    const catalog = await (await fetch('./data/catalog.json')).json();
    const inWorker = await createRecommender({ worker: true, model: './data/model.safetensors', catalog });
    const direct = await createRecommender({ model: './data/model.safetensors', catalog });
    const history = [{ item: 'c001', weight: 4 }, 'c006'];
    const a = await inWorker.recommend({ history, k: 10 });
    const b = direct.recommend({ history, k: 10 });
    let unknown;
    try { await inWorker.recommend({ history: ['ghost'] }); } catch (e) { unknown = { name: e.name, code: e.code }; }
    await inWorker.dispose();
    let disposed;
    try { await inWorker.recommend({ history }); } catch (e) { disposed = e.code; }
    return { a: a.ids, b: b.ids, scoresF32: a.scores instanceof Float32Array, maxScoreDiff: Math.max(...a.scores.map((s, i) => Math.abs(s - b.scores[i]))), unknown, disposed };
  });
  assert.equal(result.a.length, 10);
  assert.deepEqual(result.a, result.b);
  assert.equal(result.maxScoreDiff, 0);
  assert.ok(result.scoresF32);
  assert.deepEqual(result.unknown, { name: 'ZhixuanError', code: 'UNKNOWN_ITEM' });
  assert.equal(result.disposed, 'DISPOSED');

  await clickText(page, '#onboarding button', '跳过');
  await page.waitForFunction(() => !document.querySelector('#onboarding'));
  const [first] = await listIds(page);
  await page.click(`#rec-list li[data-id="${first}"] button.fav`);
  await page.waitForSelector('#rec-list[data-source="model"]');
  await page.waitForFunction((id) => !document.querySelector(`#rec-list li[data-id="${id}"]`), first);
  await screenshot(page, 'course-worker');
});

test(`${engine}: after the first visit the course page works with its server gone (service worker)`, { skip }, async (t) => {
  const server = await startDemo(t);
  const page = await newPage(t);
  await page.goto(`${server.base}/`);
  await waitForReady(page);
  const offline = await page.waitForFunction(() => window.__zx.offline, null, { timeout: 30000 });
  assert.ok(offline.cached > 0, JSON.stringify(offline));
  const [first] = await listIds(page);
  await page.click(`#rec-list li[data-id="${first}"] button.fav`);
  await page.waitForSelector('#rec-list[data-source="model"]');
  const online = await listIds(page);

  // Offline as a phone meets it: nothing answers at that address any more.
  await server.close();
  await page.goto(`${server.base}/`);
  await waitForReady(page);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'model');
  assert.deepEqual(await listIds(page), online);
  await page.click(`#rec-list li[data-id="${online[0]}"] button.fav`);
  await page.waitForFunction((id) => !document.querySelector(`#rec-list li[data-id="${id}"]`), online[0]);
  await screenshot(page, 'course-offline');
});

// The course page (demo/) in Chromium, as a phone user meets it: first list, clicks that
// change the list, reload, offline, "forget me", privacy of requests, screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATIC_PATH, listIds, openDemo, screenshot, storedRows, waitForReady } from './demo-helpers.js';

test('the page shows a list at once, reacts to clicks, keeps them across a reload, and sends nothing personal', async (t) => {
  const { server, page, pageErrors } = await openDemo(t);
  await page.goto(`${server.base}/`);
  await waitForReady(page);
  const timings = await page.evaluate(() => window.__zx.timings);
  console.log(`# first visit: first list ${timings.firstList.toFixed(0)} ms, model ready ${timings.modelReady.toFixed(0)} ms after navigation start`);
  assert.equal(await page.getAttribute('body', 'data-state'), 'model');
  assert.ok(await page.isVisible('#onboarding'), 'a new visitor is asked for interests');
  await screenshot(page, 'demo-home-cold');

  // Onboarding: two interests turn the popularity list into a personal one, explained by the interest.
  await page.click('#onboarding .chip:text-is("考研")');
  await page.click('#onboarding .chip:text-is("外语")');
  await page.click('#onboarding-done');
  await page.waitForSelector('#rec-list[data-source="model"]');
  const afterInterests = await listIds(page);
  const reasons = await page.$$eval('#rec-list .reason', (nodes) => nodes.map((n) => n.textContent));
  assert.ok(reasons.some((r) => /考研|外语/.test(r)), reasons.join(' | '));
  await screenshot(page, 'demo-home-interests');

  // Favouriting a Python course changes the list at once, and a Python course comes up.
  await page.goto(`${server.base}/#/search?q=Python`);
  await page.waitForSelector('#search-list li.course');
  await screenshot(page, 'demo-search');
  const pythonCourse = (await listIds(page, '#search-list'))[0];
  await page.click(`#search-list li[data-id="${pythonCourse}"] button.fav`);
  await page.waitForSelector(`#search-list li[data-id="${pythonCourse}"] button.fav[aria-pressed="true"]`);
  await page.click('.tabs a[data-tab="home"]');
  await page.waitForSelector('#rec-list[data-source="model"] li.course');
  const afterFavourite = await listIds(page);
  assert.notDeepEqual(afterFavourite, afterInterests);
  const titles = await page.$$eval('#rec-list li.course h3', (nodes) => nodes.map((n) => n.textContent));
  assert.ok(titles.slice(0, 5).some((title) => /Python|Django|Flask/.test(title)), titles.join(' | '));

  // A click on a card opens the course, with "also bought", and changes the home list.
  const before = await listIds(page);
  await page.click(`#rec-list li[data-id="${before[0]}"]`);
  await page.waitForSelector('#course-detail');
  await page.waitForSelector('#also-list li.course');
  await page.click('#course-detail button.buy');
  await page.waitForSelector('#course-detail button.buy[disabled]');
  await screenshot(page, 'demo-course');
  await page.click('.tabs a[data-tab="home"]');
  await page.waitForSelector('#rec-list li.course');
  const afterClick = await listIds(page);
  assert.notDeepEqual(afterClick, before);
  assert.ok(!afterClick.includes(before[0]), 'a bought course leaves the list');
  assert.match((await page.$$eval('#rec-list .reason', (n) => n.map((x) => x.textContent))).join(), /因为你(看过|收藏过|买过)《/);
  await screenshot(page, 'demo-home-personal');

  await page.click('.tabs a[data-tab="me"]');
  await page.waitForSelector('#profile-panel svg.chart rect');
  assert.notEqual(await page.textContent('#tier'), '暂无购买');
  await screenshot(page, 'demo-profile');
  const profileBefore = await page.$$eval('#profile-panel .chart-label, #profile-panel dd', (n) => n.map((x) => x.textContent));

  // Reload: the same list and profile come back from the device's storage.
  await page.goto(`${server.base}/`);
  await waitForReady(page);
  assert.deepEqual(await listIds(page), afterClick);
  await page.click('.tabs a[data-tab="me"]');
  await page.waitForSelector('#profile-panel svg.chart rect');
  assert.deepEqual(await page.$$eval('#profile-panel .chart-label, #profile-panel dd', (n) => n.map((x) => x.textContent)), profileBefore);
  await page.click('.tabs a[data-tab="home"]');
  const again = await page.evaluate(() => window.__zx.timings);
  console.log(`# reload: first list ${again.firstList.toFixed(0)} ms, personal list ${again.modelList?.toFixed(0)} ms after navigation start`);

  // Nothing personal left the page: only GETs of static files, with no query string or body.
  for (const request of server.requests) {
    assert.equal(request.method, 'GET', `${request.method} ${request.path}`);
    assert.match(request.path, STATIC_PATH);
    assert.equal(request.search, '');
    assert.equal(request.body.length, 0);
    for (const value of Object.values(request.headers)) assert.doesNotMatch(String(value), /c\d{3}|purchase|favorite/);
  }
  assert.deepEqual(pageErrors, []);
});

test('interests picked at onboarding are kept by the SDK: a reload skips the onboarding and keeps the list', async (t) => {
  const { server, page, pageErrors } = await openDemo(t);
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  await page.click('#onboarding .chip:text-is("理财")');
  await page.click('#onboarding-done');
  await page.waitForSelector('#rec-list[data-source="model"]');
  const chosen = await listIds(page);
  assert.match((await page.$$eval('#rec-list .reason', (n) => n.map((x) => x.textContent))).join(), /你关注「理财」/);
  await page.reload();
  await waitForReady(page);
  assert.equal(await page.getAttribute('#rec-list', 'data-source'), 'model');
  assert.ok(!(await page.isVisible('#onboarding')), 'a visitor who chose interests is not asked again');
  assert.deepEqual(await listIds(page), chosen);
  assert.deepEqual(pageErrors, []);
});

test('after the first visit the page works offline', async (t) => {
  const { server, page, browser } = await openDemo(t);
  await page.goto(`${server.base}/`);
  await waitForReady(page);
  await page.waitForFunction(() => window.__zx.offline?.cached > 0, null, { timeout: 20000 });
  await page.click('#rec-list li.course button.fav');
  await page.waitForSelector('#rec-list[data-source="model"]');
  const online = await listIds(page);
  await browser.context.setOffline(true);
  await page.reload();
  await waitForReady(page);
  assert.equal(await page.getAttribute('body', 'data-state'), 'model');
  assert.deepEqual(await listIds(page), online);
  // Offline, a favourite still changes the list at once: the fold-in runs on the device.
  await page.click(`#rec-list li[data-id="${online[0]}"] button.fav`);
  await page.waitForFunction((id) => !document.querySelector(`#rec-list li[data-id="${id}"]`), online[0]);
  await screenshot(page, 'demo-offline');
});

test('"forget me" leaves nothing in IndexedDB and brings back the onboarding', async (t) => {
  const { server, page } = await openDemo(t);
  await page.goto(`${server.base}/`);
  await waitForReady(page);
  await page.click('#onboarding .chip:text-is("理财")');
  await page.click('#onboarding-done');
  // The click re-renders the list for the chosen interest; read it only once that has happened.
  await page.waitForSelector('#onboarding', { state: 'detached' });
  const [first] = await listIds(page);
  await page.click(`#rec-list li[data-id="${first}"] button.fav`);
  await page.waitForFunction((id) => !document.querySelector(`#rec-list li[data-id="${id}"]`), first);
  const rows = await storedRows(page);
  assert.ok(Object.values(rows).reduce((a, b) => a + b, 0) > 0, JSON.stringify(rows));
  await page.goto(`${server.base}/#/me`);
  await page.waitForSelector('#forget');
  await page.click('#forget');
  await page.click('#forget-confirm');
  await page.waitForSelector('#onboarding');
  const left = await storedRows(page);
  assert.deepEqual(Object.values(left).filter((n) => n > 0), [], JSON.stringify(left));
  await page.reload();
  await waitForReady(page);
  assert.ok(await page.isVisible('#onboarding'));
  assert.equal(await page.getAttribute('#rec-list', 'data-source'), 'popular');
});

test('a slow bundle download shows its progress, then the personal page', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { repoRoot } = await import('./harness.js');
  const bytes = readFileSync(join(process.env.ZX_DEMO_DATA ?? join(repoRoot, 'demo', 'generated'), 'model.safetensors'));
  const slowModel = async (req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    const chunk = Math.ceil(bytes.length / 10);
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      res.write(bytes.subarray(offset, offset + chunk));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    res.end();
  };
  const { server, page } = await openDemo(t, { routes: { '/data/model.safetensors': slowModel } });
  await page.goto(`${server.base}/?nosw`);
  await page.waitForFunction(() => /正在下载推荐模型 \d+ \/ \d+ KB/.test(document.querySelector('#progress .progress-text')?.textContent ?? '')
    && !document.querySelector('#progress').hidden);
  await screenshot(page, 'demo-loading');
  await waitForReady(page);
  assert.equal(await page.getAttribute('body', 'data-state'), 'model');
  assert.ok(await page.isHidden('#progress'));
});

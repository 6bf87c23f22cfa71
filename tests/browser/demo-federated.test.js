// A federated round from the course page against the real aggregation server (js/server),
// through the demo server's /fed/ proxy: the model version moves on, and the only thing the
// page sends is the opaque update payload. Skipped while the package has no federated client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, repoRoot } from './harness.js';
import { ensureDemoData, listIds, screenshot, waitForReady } from './demo-helpers.js';
import { startDemoServer } from '../../demo/serve.mjs';

// ZX_DEMO_PACKAGE: test another copy of the package (its esm/, js/server and dist/), e.g. a fresh build.
const packageDir = process.env.ZX_DEMO_PACKAGE ?? repoRoot;
const serverModule = join(packageDir, 'js', 'server', 'server.js');
// Embind names live in the wasm's data section.
const wasmHasFederated = () => readFileSync(join(packageDir, 'dist', 'zhixuan-core.wasm')).includes('federatedComputeUpdate');

test('a federated round from the page moves the model version on and sends only the payload', async (t) => {
  if (!existsSync(serverModule) || !wasmHasFederated()) return t.skip('the package has no federated client/server in this build');
  ensureDemoData();
  const { startAggregationServer } = await import(serverModule);
  const modelBytes = readFileSync(join(process.env.ZX_DEMO_DATA ?? join(repoRoot, 'demo', 'generated'), 'model.safetensors'));
  const aggregation = await startAggregationServer({
    modelBytes, dataDir: mkdtempSync(join(tmpdir(), 'zx-demo-fed-')), port: 0, quorum: 1, minUpdates: 1, clip: 1, noiseMultiplier: 1.1, aggregation: 'plain',
  });
  const server = await startDemoServer({ aggregator: aggregation.url, packageDir, dataDir: process.env.ZX_DEMO_DATA });
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.close(); await aggregation.close(); });
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.base}/?nosw`);
  await waitForReady(page);
  await page.click('#onboarding button:text-is("跳过")');
  await page.waitForSelector('#onboarding', { state: 'detached' });
  const favourites = [];
  for (let i = 0; i < 3; i++) {
    const [first] = await listIds(page);
    favourites.push(first);
    await page.click(`#rec-list li[data-id="${first}"] button.fav`);
    await page.waitForFunction((id) => !document.querySelector(`#rec-list li[data-id="${id}"]`), first);
  }

  await page.goto(`${server.base}/?nosw#/me`);
  await waitForReady(page).catch(() => {});
  await page.waitForSelector('#fed-consent:not([disabled])');
  const before = await page.textContent('#model-version');
  await page.check('#fed-consent');
  await page.waitForSelector('#fed-round:not([disabled])');
  const firstRequest = server.requests.length;
  await page.click('#fed-round');
  await page.waitForFunction(() => /→/.test(document.querySelector('#fed-status')?.textContent ?? ''), null, { timeout: 30000 });
  const status = await page.textContent('#fed-status');
  assert.match(status, /已提交/);
  const after = await page.textContent('#model-version');
  assert.notEqual(after, before, status);
  const epsilon = await page.textContent('#epsilon');
  assert.match(epsilon, /ε = [1-9]|ε = 0\.[0-9]*[1-9]/);
  await screenshot(page, 'demo-federated');

  const sent = server.requests.slice(firstRequest);
  const posts = sent.filter((r) => r.method !== 'GET');
  assert.ok(posts.length >= 1 && posts.every((r) => r.path.startsWith('/fed/')), posts.map((r) => r.path).join());
  for (const request of sent) {
    assert.equal(request.search, '');
    for (const id of favourites) assert.equal(request.body.indexOf(id), -1, `${request.path} carries the item id ${id}`);
    assert.equal(request.body.indexOf('favorite'), -1, `${request.path} carries an event`);
  }

  // Consent and the privacy ledger are kept by the SDK with the profile: a reload brings them back.
  await page.reload();
  await page.waitForSelector('#fed-consent:checked');
  assert.equal(await page.textContent('#epsilon'), epsilon);
});

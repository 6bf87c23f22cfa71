// Loads a `vite build` output in Chromium: the wasm asset must be found and lists rendered,
// on the main thread and in worker mode. Usage: node vite-check.mjs DIST_DIR | URL [LABEL]
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { launchBrowser, startStaticServer } from '../browser/harness.js';

const target = process.argv[2];
const server = /^https?:/.test(target)
  ? { base: target.replace(/\/$/, ''), requests: [], close: async () => {} }
  : await startStaticServer({ root: resolve(target) });
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.base}/index.html`);
  await page.waitForSelector('body[data-done]', { timeout: 30000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(errors, []);
  assert.equal(result.ids.length, 5);
  assert.ok(result.ids.every((id) => Number(id.slice(4)) % 2 === 0), `checkerboard: even items expected, got ${result.ids}`);
  assert.ok(result.workerIds.every((id) => Number(id.slice(4)) % 2 === 1), `worker: odd items expected, got ${result.workerIds}`);
  const wasm = (await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)))
    .filter((p) => p.endsWith('.wasm'));
  assert.ok(wasm.length >= 1, 'the page loaded the wasm');
  // The page itself asked for the lean module only (the worker loads its own).
  assert.ok(wasm.some((p) => p.includes('zhixuan-core-lean')), `the page loaded the lean module: ${wasm}`);
  assert.ok(!wasm.some((p) => /zhixuan-core(-(?!lean)[\w-]*)?\.wasm$/.test(p)), `the page did not load the full module: ${wasm}`);
  if (server.requests.length) assert.ok(wasm.every((p) => p.startsWith('/assets/')), `the wasm came from Vite's assets: ${wasm}`);
  console.log(`${process.argv[3] ?? target} in Chromium: list ${result.ids.join(',')}; worker list ${result.workerIds.join(',')}; wasm ${[...new Set(wasm)].join(', ')}`);
} finally {
  await browser.close();
  await server.close();
}

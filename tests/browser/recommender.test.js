// The package's module in a real page: load, recommend, bad input — in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';

/** A blank page served with the checkerboard bundle at /build/browser-fixtures/cb.safetensors. */
async function openFixturePage(t, routes = {}) {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'cb.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'page.html'), '<!doctype html><meta charset="utf-8"><title>zx</title>');
  const server = await startStaticServer({ routes });
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.close(); });
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/build/browser-fixtures/page.html`);
  return { server, page };
}

test('a page imports the ESM build, loads a bundle by URL and recommends', async (t) => {
  const { page } = await openFixturePage(t);
  const result = await page.evaluate(async () => {
    const { createRecommender } = await import('/esm/index.js');
    const progress = [];
    const rec = await createRecommender({ model: '/build/browser-fixtures/cb.safetensors', onProgress: (p) => progress.push(p.loaded) });
    const list = rec.recommend({ history: ['item0', 'item2'], k: 5 });
    let bad;
    try { rec.recommend({ history: ['ghost'] }); } catch (e) { bad = { name: e.name, code: e.code }; }
    let corrupt;
    try { await createRecommender({ model: new Uint8Array(12) }); } catch (e) { corrupt = e.code; }
    return { ids: list.ids, isF32: list.scores instanceof Float32Array, progress: progress.length, bad, corrupt };
  });
  assert.equal(result.ids.length, 5);
  assert.ok(result.ids.every((id) => Number(id.slice(4)) % 2 === 0), result.ids.join());
  assert.ok(result.isF32);
  assert.ok(result.progress > 0);
  assert.deepEqual(result.bad, { name: 'ZhixuanError', code: 'UNKNOWN_ITEM' });
  assert.equal(result.corrupt, 'MALFORMED_MODEL');
});

test('a page compiles the wasm module as it downloads, falls back without application/wasm, and names a missing one', async (t) => {
  const wasm = readFileSync(join(repoRoot, 'dist', 'zhixuan-core-lean.wasm'));
  // A server that labels .wasm files as plain bytes (compileStreaming refuses those).
  const { server, page } = await openFixturePage(t, {
    '/octet/core.wasm': (req, res) => { res.setHeader('content-type', 'application/octet-stream'); res.end(wasm); },
  });
  const result = await page.evaluate(async () => {
    const { createRecommender } = await import('/esm/index.js');
    const model = '/build/browser-fixtures/cb.safetensors';
    let missing;
    try { await createRecommender({ model, features: [], wasmUrl: '/nowhere/core.wasm' }); } catch (e) { missing = { code: e.code, message: e.message }; }
    const rec = await createRecommender({ model, features: [], wasmUrl: '/octet/core.wasm' });
    return { missing, ids: rec.recommend({ history: ['item0', 'item2'], k: 3 }).ids };
  });
  assert.equal(result.missing.code, 'WASM_LOAD_FAILED');
  assert.match(result.missing.message, /\/nowhere\/core\.wasm: HTTP 404/);
  assert.equal(result.ids.length, 3);
  assert.ok(server.requests.some((r) => r.path === '/octet/core.wasm'));
});

// The package's module in a real page: load, recommend, bad input — in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { checkerboardBundle } from '../js/fixtures.js';

test('a page imports the ESM build, loads a bundle by URL and recommends', async (t) => {
  const dir = join(repoRoot, 'build', 'browser-fixtures');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'cb.safetensors'), checkerboardBundle());
  await writeFile(join(dir, 'page.html'), '<!doctype html><meta charset="utf-8"><title>zx</title>');
  const server = await startStaticServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await server.close(); });
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/build/browser-fixtures/page.html`);
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

// The model swap in a page (Chromium): a recommender with a catalog, a course added on the
// device and a profile meets a real aggregation server on the next version; participate()
// swaps the model (submitted, and declined), then filters, cold items, track(), the profile's
// list and search all serve the new model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, repoRoot, startStaticServer } from './harness.js';
import { coursesBundle, coursesCatalog } from '../js/courses-fixture.js';
import { startAggregationServer } from '../../js/server/server.js';

const catalog = {
  ...coursesCatalog,
  items: [...coursesCatalog.items, { id: 'kaoyan-new', title: '考研英语 新题型', tags: ['考研', '英语'] }],
};

// An empty history declines the round (without one, the profile's events are the history).
for (const history of [['py-data', 'ml-intro'], []]) {
  const outcome = history.length ? 'submitted' : 'declined';
  test(`in a page, a round ${outcome} after the model swap leaves catalog, profile and text on the new model`, async (t) => {
    const dir = join(repoRoot, 'build', 'browser-fixtures');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'swap-1.safetensors'), await coursesBundle({ version: 'courses-1' }));
    await writeFile(join(dir, 'swap-catalog.json'), JSON.stringify(catalog));
    await writeFile(join(dir, 'swap.html'), '<!doctype html><meta charset="utf-8"><title>zx swap</title>');
    const pages = await startStaticServer();
    const aggregation = await startAggregationServer({
      modelBytes: await coursesBundle({ version: 'courses-2', tilt: 0.05 }), dataDir: mkdtempSync(join(tmpdir(), 'zx-browser-swap-')),
      port: 0, quorum: 3, corsOrigins: [pages.base], aggregation: 'plain',
    });
    const browser = await launchBrowser();
    t.after(async () => { await browser.close(); await pages.close(); await aggregation.close(); });
    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${pages.base}/build/browser-fixtures/swap.html`);
    const seen = await page.evaluate(async ({ server, history }) => {
      const { createRecommender, memoryStorage } = await import('/esm/index.js');
      const rec = await createRecommender({
        model: '/build/browser-fixtures/swap-1.safetensors', catalog: '/build/browser-fixtures/swap-catalog.json', storage: memoryStorage(),
      });
      rec.addItems([{ id: 'py-crawler', title: 'Python 爬虫实战', tags: ['python'] }]);
      for (const [type, item] of [['purchase', 'py-data'], ['view', 'py-crawler'], ['favorite', 'ml-intro']]) await rec.track({ type, item });
      rec.federated.setConsent(true, { epsilonBudget: Infinity });
      const result = await rec.federated.participate({ server, history, aggregation: 'plain' });
      const exam = rec.recommend({ history: ['kaoyan-math'], k: 10, filter: { tags: ['考研'] } });
      const python = rec.recommend({ userVector: Float32Array.of(1, 0, 0, 0), k: 10, filter: { tags: ['python'] } });
      const tracked = await rec.track({ type: 'view', item: 'kaoyan-eng' });
      const mine = rec.recommend({ k: 3 });
      const out = {
        result, version: rec.info.modelVersion, items: rec.info.items, exam: exam.ids, python: python.ids,
        cold: rec.coldItems(), tracked, mine: mine.ids, events: rec.profile().recency.total_events,
        search: rec.search('爬虫', { k: 3 }).ids,
      };
      rec.dispose();
      return out;
    }, { server: aggregation.url, history });
    assert.deepEqual(errors, []);
    assert.equal(seen.result.status, outcome, JSON.stringify(seen.result));
    assert.equal(seen.version, 'courses-2');
    assert.equal(seen.items, 13);
    assert.deepEqual([...seen.exam].sort(), ['kaoyan-eng', 'kaoyan-pol']);
    assert.deepEqual([...seen.python].sort(), ['ml-intro', 'py-basics', 'py-crawler', 'py-data']);
    assert.deepEqual(seen.cold, ['kaoyan-new']);
    assert.equal(seen.tracked, true);
    assert.equal(seen.mine.length, 3);
    assert.ok(!seen.mine.includes('py-data'));
    assert.equal(seen.events, 4);
    assert.equal(seen.search[0], 'py-crawler');
  });
}

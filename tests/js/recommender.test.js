import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecommender, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle, f32Bundle, i8Bundle, itemIds, gaussianRows, sampleCatalog } from '../../tools/bundle-fixtures.mjs';

const isEven = (id) => Number(id.replace('item', '')) % 2 === 0;

test('the checkerboard: an even history brings unseen even items to the top', async () => {
  const rec = await createRecommender({ model: checkerboardBundle() });
  const history = ['item0', 'item2', 'item4', 'item6'];
  const { ids, scores } = rec.recommend({ history, k: 10 });
  assert.equal(ids.length, 10);
  assert.ok(ids.every(isEven), `expected even items, got ${ids}`);
  assert.ok(ids.every((id) => !history.includes(id)), 'seen items must be excluded');
  assert.ok(scores instanceof Float32Array);
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1] >= scores[i], 'scores sorted descending');
  rec.dispose();
});

test('excludeSeen=false keeps history items; exclude drops listed ones', async () => {
  const rec = await createRecommender({ model: checkerboardBundle() });
  const all = rec.recommend({ history: ['item0'], k: 40, excludeSeen: false });
  assert.equal(all.ids.length, 40);
  assert.ok(all.ids.includes('item0'));
  const some = rec.recommend({ history: ['item0'], k: 40, exclude: ['item2', 'unknown-is-ignored'] });
  assert.equal(some.ids.length, 38);
  assert.ok(!some.ids.includes('item2'));
});

test('userVector, batch and similarItems agree with each other', async () => {
  const rec = await createRecommender({ model: checkerboardBundle() });
  const u = rec.foldIn(['item1', 'item3']);
  assert.equal(u.length, 16);
  const single = rec.recommend({ userVector: u, k: 5 });
  const [batched, other] = rec.recommendBatch([u, rec.foldIn(['item0'])], { k: 5 });
  assert.deepEqual(batched.ids, single.ids);
  assert.ok(other.ids.every(isEven));
  const similar = rec.similarItems('item3', 5);
  assert.ok(!similar.ids.includes('item3'));
  assert.ok(similar.ids.every((id) => !isEven(id)));
});

test('catalog filters, aliases and cold items', async () => {
  const rec = await createRecommender({ model: checkerboardBundle(), catalog: sampleCatalog });
  assert.deepEqual(rec.coldItems(), ['new-course']);
  const python = rec.recommend({ userVector: new Float32Array(16).fill(0.1), k: 10, filter: { tags: ['python'] } });
  assert.deepEqual([...python.ids].sort(), ['item0', 'item2']);
  const cheap = rec.recommend({ userVector: new Float32Array(16).fill(0.1), k: 40, filter: { maxPrice: 100 } });
  assert.deepEqual([...cheap.ids].sort(), ['item0', 'item6'], 'unavailable item4 is dropped by default');
  // A history event recorded under the mini-program's id counts as the canonical item.
  const viaAlias = rec.recommend({ history: ['mp-2'], k: 40 });
  assert.ok(!viaAlias.ids.includes('item2'));
  assert.equal(rec.item('item2').title, 'Python 进阶');
});

test('K larger than the catalog returns every candidate', async () => {
  const rec = await createRecommender({ model: checkerboardBundle() });
  assert.equal(rec.recommend({ history: ['item0'], k: 5000 }).ids.length, 39);
});

test('an I8 bundle keeps recall@10 >= 0.98 of the F32 ranking', async () => {
  const n = 20000;
  const dim = 64;
  const rows = gaussianRows(n, dim, 3);
  const ids = itemIds(n);
  const f32 = await createRecommender({ model: f32Bundle(rows, ids, dim) });
  const i8 = await createRecommender({ model: i8Bundle(rows, ids, dim) });
  assert.equal(i8.info.dtype, 'I8');
  const queries = gaussianRows(50, dim, 4);
  let hits = 0;
  for (let q = 0; q < 50; q++) {
    const v = queries.subarray(q * dim, (q + 1) * dim);
    const a = new Set(f32.recommend({ userVector: v, k: 10 }).ids);
    hits += i8.recommend({ userVector: v, k: 10 }).ids.filter((id) => a.has(id)).length;
  }
  assert.ok(hits / 500 >= 0.98, `recall@10 ${hits / 500}`);
});

test('sha256 integrity is checked before use', async () => {
  const bytes = checkerboardBundle();
  const digest = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
  const ok = await createRecommender({ model: bytes, sha256: digest });
  assert.equal(ok.info.items, 40);
  await assert.rejects(createRecommender({ model: bytes, sha256: '0'.repeat(64) }), (e) => e instanceof ZhixuanError && e.code === 'INTEGRITY');
});

test('loads from a file path and a URL with progress', async (t) => {
  const { writeFile, mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const http = await import('node:http');
  const dir = await mkdtemp(join(tmpdir(), 'zx-'));
  const path = join(dir, 'm.safetensors');
  const bytes = checkerboardBundle();
  await writeFile(path, bytes);
  assert.equal((await createRecommender({ model: path })).info.items, 40);
  const server = http.createServer((req, res) => {
    if (req.url === '/m.safetensors') { res.setHeader('content-length', bytes.length); res.end(bytes); } else { res.statusCode = 404; res.end(); }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const progress = [];
  const rec = await createRecommender({ model: `${base}/m.safetensors`, onProgress: (p) => progress.push(p) });
  assert.equal(rec.info.items, 40);
  assert.equal(progress.at(-1).loaded, bytes.length);
  assert.equal(progress.at(-1).total, bytes.length);
  await assert.rejects(createRecommender({ model: `${base}/missing` }), (e) => e.code === 'FETCH_FAILED' && /404/.test(e.message));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecommender, ZhixuanError } from '../../js/index.js';
import { checkerboardBundle, checkerboardRows, itemIds, manifest, writeSafetensors } from '../../tools/bundle-fixtures.mjs';

const rejectsWith = (promise, code, pattern) =>
  assert.rejects(promise, (e) => {
    assert.ok(e instanceof ZhixuanError, `expected ZhixuanError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });

const bundleWith = (tensors, manifestText) => writeSafetensors(tensors, manifestText === undefined ? {} : { 'zhixuan.manifest': manifestText });
const rows = checkerboardRows(10, 4);
const emb = { item_embeddings: { dtype: 'F32', shape: [10, 4], data: rows } };

test('truncated and malformed safetensors are MALFORMED_MODEL with a reason', async () => {
  const good = checkerboardBundle();
  await rejectsWith(createRecommender({ model: good.subarray(0, 5) }), 'MALFORMED_MODEL', /truncated/);
  await rejectsWith(createRecommender({ model: good.subarray(0, good.length - 10) }), 'MALFORMED_MODEL', /past the data section/);
  const hugeHeader = good.slice();
  new DataView(hugeHeader.buffer).setBigUint64(0, 1n << 40n, true);
  await rejectsWith(createRecommender({ model: hugeHeader }), 'MALFORMED_MODEL', /larger than the file/);
  const garbage = new Uint8Array(64).fill(0x41);
  await rejectsWith(createRecommender({ model: garbage }), 'MALFORMED_MODEL');
});

test('offsets out of range, overlapping tensors and dtype/shape mismatch', async () => {
  const m = manifest(itemIds(10), 4);
  const overlapping = bundleWith(emb, m);
  // Rewrite the header so item_bias overlaps item_embeddings.
  const text = JSON.stringify({
    item_embeddings: { dtype: 'F32', shape: [10, 4], data_offsets: [0, 160] },
    item_bias: { dtype: 'F32', shape: [10], data_offsets: [120, 160] },
    __metadata__: { 'zhixuan.manifest': m },
  });
  const header = new TextEncoder().encode(text);
  const file = new Uint8Array(8 + header.length + 160);
  new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
  file.set(header, 8);
  await rejectsWith(createRecommender({ model: file }), 'MALFORMED_MODEL', /overlap/);
  const wrongShape = bundleWith({ item_embeddings: { dtype: 'F32', shape: [10, 5], data: rows } }, m);
  await rejectsWith(createRecommender({ model: wrongShape }), 'MALFORMED_MODEL', /need/);
  assert.ok(overlapping.length > 0);
});

test('NaN/Inf embeddings and manifests that disagree with the tensors', async () => {
  const poisoned = rows.slice();
  poisoned[7] = Number.NaN;
  await rejectsWith(createRecommender({ model: bundleWith({ item_embeddings: { dtype: 'F32', shape: [10, 4], data: poisoned } }, manifest(itemIds(10), 4)) }), 'MALFORMED_MODEL', /row 1 contains NaN/);
  await rejectsWith(createRecommender({ model: bundleWith(emb, manifest(itemIds(9), 4)) }), 'MALFORMED_MODEL', /10 rows but the manifest lists 9/);
  await rejectsWith(createRecommender({ model: bundleWith(emb, manifest(itemIds(10), 8)) }), 'MALFORMED_MODEL', /dim 4 but the manifest says 8/);
  const dup = itemIds(10);
  dup[3] = 'item1';
  await rejectsWith(createRecommender({ model: bundleWith(emb, manifest(dup, 4)) }), 'MALFORMED_MODEL', /'item1' appears twice/);
  await rejectsWith(createRecommender({ model: bundleWith(emb) }), 'MALFORMED_MODEL', /zhixuan.manifest/);
  await rejectsWith(createRecommender({ model: bundleWith(emb, '{"format_version":1') }), 'MALFORMED_MODEL', /not a JSON object/);
  await rejectsWith(createRecommender({ model: bundleWith({ item_embeddings: { dtype: 'I8', shape: [10, 4], data: new Int8Array(40) } }, manifest(itemIds(10), 4)) }), 'MALFORMED_MODEL', /item_scales/);
});

test('catalog errors name the item; a catalog for another model version is MODEL_MISMATCH', async () => {
  const model = checkerboardBundle();
  await rejectsWith(createRecommender({ model, catalog: [{ id: 'a' }, { id: 'a' }] }), 'MALFORMED_CATALOG', /'a' appears twice/);
  await rejectsWith(createRecommender({ model, catalog: [{ id: 'a', price: 'cheap' }] }), 'MALFORMED_CATALOG', /price/);
  await rejectsWith(createRecommender({ model, catalog: '{"items": [' }), 'MALFORMED_CATALOG', /not valid JSON/);
  await rejectsWith(createRecommender({ model, catalog: { model_version: 'other', items: [] } }), 'MODEL_MISMATCH', /other/);
});

test('API arguments: k, unknown items, vectors, filters, disposed', async () => {
  const rec = await createRecommender({ model: checkerboardBundle() });
  for (const k of [0, -1, 1.5, 1e9, Number.NaN, '10']) {
    assert.throws(() => rec.recommend({ history: ['item0'], k }), (e) => e.code === 'INVALID_ARGUMENT' && /k must be/.test(e.message));
  }
  assert.throws(() => rec.recommend({ history: ['ghost'] }), (e) => e.code === 'UNKNOWN_ITEM' && /ghost/.test(e.message));
  assert.throws(() => rec.recommend({ userVector: new Float32Array(3) }), (e) => e.code === 'INVALID_ARGUMENT' && /needs 16/.test(e.message));
  assert.throws(() => rec.recommend({ userVector: new Float32Array(16).fill(Number.POSITIVE_INFINITY) }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => rec.recommend({ history: ['item0'], filter: { minPrice: -5 } }), (e) => e.code === 'INVALID_ARGUMENT' && /minPrice/.test(e.message));
  assert.throws(() => rec.recommend({ history: ['item0'], filter: 'cheap' }), TypeError);
  // Without userVector/history, recommend uses the local profile; with none attached it needs one.
  const bare = await createRecommender({ model: checkerboardBundle(), profile: false });
  assert.throws(() => bare.recommend({}), (e) => e.code === 'INVALID_ARGUMENT');
  bare.dispose();
  assert.throws(() => rec.similarItems('ghost'), (e) => e.code === 'UNKNOWN_ITEM');
  assert.throws(() => rec.recommend({ history: [{ item: 'item0', weight: Number.NaN }] }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(createRecommender({}), TypeError);
  await assert.rejects(createRecommender({ model: 42 }), TypeError);
  rec.dispose();
  rec.dispose();  // idempotent
  assert.throws(() => rec.recommend({ history: ['item0'] }), (e) => e.code === 'DISPOSED');
  assert.throws(() => rec.info, (e) => e.code === 'DISPOSED');
});

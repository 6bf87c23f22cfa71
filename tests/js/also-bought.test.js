import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecommender } from '../../js/index.js';
import { checkerboardBundle, checkerboardRows, itemIds, manifest, writeSafetensors } from '../../tools/bundle-fixtures.mjs';

const n = 6;
const dim = 4;
function bundleWithTable(offsets, items, lift) {
  return writeSafetensors({
    item_embeddings: { dtype: 'F32', shape: [n, dim], data: checkerboardRows(n, dim) },
    also_bought_offsets: { dtype: 'I32', shape: [n + 1], data: Int32Array.from(offsets) },
    also_bought_items: { dtype: 'I32', shape: [items.length], data: Int32Array.from(items) },
    also_bought_lift: { dtype: 'F32', shape: [lift.length], data: Float32Array.from(lift) },
  }, { 'zhixuan.manifest': manifest(itemIds(n), dim) });
}

test('alsoBought serves the shipped partners, best lift first, cut to k', async () => {
  // item0 -> item2 (3.0), item4 (2.0), item5 (1.5); item1 -> item3 (4.0); others none.
  const rec = await createRecommender({ model: bundleWithTable([0, 3, 4, 4, 4, 4, 4], [2, 4, 5, 3], [3, 2, 1.5, 4]) });
  const top = rec.alsoBought('item0', 2);
  assert.deepEqual(top.ids, ['item2', 'item4']);
  assert.deepEqual(Array.from(top.scores), [3, 2]);
  assert.deepEqual(rec.alsoBought('item1').ids, ['item3']);
  assert.deepEqual(rec.alsoBought('item5').ids, []);
  assert.throws(() => rec.alsoBought('ghost'), (e) => e.code === 'UNKNOWN_ITEM');
  assert.throws(() => rec.alsoBought('item0', 0), (e) => e.code === 'INVALID_ARGUMENT');
});

test('a bundle without a table says UNSUPPORTED; a broken table says MALFORMED_MODEL', async () => {
  const plain = await createRecommender({ model: checkerboardBundle() });
  assert.throws(() => plain.alsoBought('item0'), (e) => e.code === 'UNSUPPORTED');
  const broken = await createRecommender({ model: bundleWithTable([0, 3, 2, 4, 4, 4, 4], [2, 4, 5, 3], [3, 2, 1.5, 4]) });
  assert.throws(() => broken.alsoBought('item1'), (e) => e.code === 'MALFORMED_MODEL');
  const outOfRange = await createRecommender({ model: bundleWithTable([0, 1, 1, 1, 1, 1, 1], [99], [3]) });
  assert.throws(() => outOfRange.alsoBought('item0'), (e) => e.code === 'MALFORMED_MODEL');
});

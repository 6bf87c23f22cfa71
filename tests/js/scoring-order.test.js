// The wasm kernels compute scores in the order scoring.hpp documents, bit for bit; the
// native Catch2 suite checks the same order, so native and wasm rankings are identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecommender } from '../../js/index.js';
import { f32Bundle, gaussianRows, i8Bundle, itemIds } from '../../tools/bundle-fixtures.mjs';

const f = Math.fround;

// lane l of 8 accumulates j = l (mod 8); s_l = acc_l + acc_{l+4}; (s0 + s2) + (s1 + s3); then the tail.
function referenceDot(row, q) {
  const d = q.length;
  const acc = new Array(8).fill(0);
  let j = 0;
  for (; j + 8 <= d; j += 8) for (let l = 0; l < 8; l++) acc[l] = f(acc[l] + f(row[j + l] * q[j + l]));
  const s = [0, 1, 2, 3].map((l) => f(acc[l] + acc[l + 4]));
  let sum = f(f(s[0] + s[2]) + f(s[1] + s[3]));
  for (; j < d; j++) sum = f(sum + f(row[j] * q[j]));
  return sum;
}

// I8 rows: exact int32 sums against the quantized query (lround(q / (max|q| / 8191))), then times scale * q_scale.
function referenceI8(rowQ, scale, q) {
  let max = 0;
  for (const x of q) max = Math.max(max, Math.abs(x));
  const qScale = max > 0 ? f(max / 8191) : 1;
  let acc = 0;
  for (let j = 0; j < q.length; j++) {
    const x = f(q[j] / qScale);
    acc += rowQ[j] * Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
  }
  return f(f(acc) * f(scale * qScale));
}

for (const dim of [13, 64]) {
  test(`F32 scores follow the documented summation order (dim ${dim})`, async () => {
    const n = 37;
    const rows = gaussianRows(n, dim, 41 + dim);
    const q = gaussianRows(1, dim, 42 + dim);
    const rec = await createRecommender({ model: f32Bundle(rows, itemIds(n), dim) });
    const { ids, scores } = rec.recommend({ userVector: q, k: n });
    ids.forEach((id, i) => {
      const r = Number(id.slice(4));
      assert.equal(scores[i], referenceDot(rows.subarray(r * dim, (r + 1) * dim), q), `row ${r}`);
    });
    rec.dispose();
  });
}

test('I8 scores are the exact integer sums times the scales', async () => {
  const n = 37, dim = 64;
  const rows = gaussianRows(n, dim, 51);
  const q = gaussianRows(1, dim, 52);
  const bundle = i8Bundle(rows, itemIds(n), dim);
  const rec = await createRecommender({ model: bundle });
  const { ids, scores } = rec.recommend({ userVector: q, k: n });
  ids.forEach((id, i) => {
    const r = Number(id.slice(4));
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(rows[r * dim + j]));
    const scale = f(max > 0 ? max / 127 : 1);
    const rowQ = Array.from({ length: dim }, (_, j) => Math.round(rows[r * dim + j] / scale));
    assert.equal(scores[i], referenceI8(rowQ, scale, q), `row ${r}`);
  });
  rec.dispose();
});

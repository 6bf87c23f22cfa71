// Used only while the native `zhixuan train` is not built: the same implicit-ALS objective
// as core/include/zhixuan/model/foldin.hpp (so the device's fold-in matches), solved in plain JS,
// written as a bundle with the test fixtures' independent safetensors writer.
import { writeSafetensors } from '../../tests/js/fixtures.js';
import { rng } from './random.mjs';

// Solves A x = b in place for a symmetric positive definite d x d A (Cholesky).
function solveSpd(A, b, d) {
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let k = 0; k < j; k++) s -= A[j * d + k] * A[j * d + k];
    const ljj = Math.sqrt(Math.max(s, 1e-12));
    A[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      for (let k = 0; k < j; k++) t -= A[i * d + k] * A[j * d + k];
      A[i * d + j] = t / ljj;
    }
  }
  for (let i = 0; i < d; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= A[i * d + k] * b[k];
    b[i] = t / A[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let t = b[i];
    for (let k = i + 1; k < d; k++) t -= A[k * d + i] * b[k];
    b[i] = t / A[i * d + i];
  }
  return b;
}

function gram(F, n, d) {
  const G = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) G[i * d + j] += F[o + i] * F[o + j];
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) G[j * d + i] = G[i * d + j];
  return G;
}

// One half-step: solve every row of X given the fixed factors Y (all rows of the other side).
function solveSide(X, Y, lists, nY, d, { reg, alpha, unobservedWeight }) {
  const G = gram(Y, nY, d);
  const A = new Float64Array(d * d);
  const b = new Float64Array(d);
  lists.forEach((list, row) => {
    for (let i = 0; i < d * d; i++) A[i] = unobservedWeight * G[i];
    for (let i = 0; i < d; i++) A[i * d + i] += reg;
    b.fill(0);
    for (const [other, weight] of list) {
      const c = 1 + alpha * weight;
      const o = other * d;
      for (let i = 0; i < d; i++) {
        b[i] += c * Y[o + i];
        for (let j = 0; j < d; j++) A[i * d + j] += (c - unobservedWeight) * Y[o + i] * Y[o + j];
      }
    }
    const x = solveSpd(A, b, d);
    for (let i = 0; i < d; i++) X[row * d + i] = x[i];
  });
}

/**
 * @param {{user,item,weight}[]} rows
 * @param {string[]} itemIds  the catalog order (rows of the bundle)
 * @returns {Uint8Array} a bundle with item_embeddings, item_gram and the manifest
 */
export function trainFallbackBundle(rows, itemIds, { dim = 32, epochs = 8, reg = 2, alpha = 2, unobservedWeight = 0.2, seed = 1, modelVersion }) {
  const itemRow = new Map(itemIds.map((id, i) => [id, i]));
  const userRow = new Map();
  for (const r of rows) if (!userRow.has(r.user)) userRow.set(r.user, userRow.size);
  const byUser = Array.from({ length: userRow.size }, () => []);
  const byItem = Array.from({ length: itemIds.length }, () => []);
  for (const r of rows) {
    const u = userRow.get(r.user);
    const i = itemRow.get(r.item);
    byUser[u].push([i, r.weight]);
    byItem[i].push([u, r.weight]);
  }
  const next = rng(seed);
  const items = Float64Array.from({ length: itemIds.length * dim }, () => (next() - 0.5) * 0.1);
  const users = new Float64Array(userRow.size * dim);
  const params = { reg, alpha, unobservedWeight };
  for (let epoch = 0; epoch < epochs; epoch++) {
    solveSide(users, items, byUser, itemIds.length, dim, params);
    solveSide(items, users, byItem, userRow.size, dim, params);
  }
  const embeddings = Float32Array.from(items);
  const manifest = {
    format_version: 1, model_version: modelVersion, dim, item_ids: itemIds,
    foldin: { reg, alpha, unobserved_weight: unobservedWeight, reg_exponent: 0 },
    trained_by: 'demo/generate/train-fallback.mjs',
  };
  return writeSafetensors(
    {
      item_embeddings: { dtype: 'F32', shape: [itemIds.length, dim], data: embeddings },
      item_gram: { dtype: 'F32', shape: [dim, dim], data: Float32Array.from(gram(embeddings, itemIds.length, dim)) },
    },
    { 'zhixuan.manifest': JSON.stringify(manifest) },
  );
}

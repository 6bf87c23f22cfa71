// Deterministic model bundles and catalogs for tests and benchmarks: the checkerboard model
// (even items on axis 0, odd items on axis 1), gaussian rows, F32 / I8 / format-2 bundles.
import { writeSafetensors } from './safetensors-writer.mjs';
import { gaussianRows } from './random.mjs';

export { writeSafetensors } from './safetensors-writer.mjs';
export { rng, gaussianRows } from './random.mjs';

// Even items cluster on axis 0, odd items on axis 1.
export function checkerboardRows(n, dim, seed = 7) {
  const rows = gaussianRows(n, dim, seed).map((v) => v * 0.05);
  for (let i = 0; i < n; i++) rows[i * dim + (i % 2)] += 1;
  return rows;
}

export function manifest(ids, dim, extra = {}) {
  return JSON.stringify({
    format_version: 1, model_version: 'test-1', dim, item_ids: ids,
    foldin: { reg: 0.1, alpha: 4, unobserved_weight: 0.1 }, ...extra,
  });
}

/** Format 2's id list: a U8 tensor of each id's UTF-8 followed by a 0 byte, in row order. */
export function idTensor(ids) {
  const data = new TextEncoder().encode(ids.map((id) => `${id}\0`).join(''));
  return { dtype: 'U8', shape: [data.length], data };
}

export function itemIds(n, prefix = 'item') {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

export function f32Bundle(rows, ids, dim, manifestExtra = {}) {
  return writeSafetensors(
    { item_embeddings: { dtype: 'F32', shape: [ids.length, dim], data: rows } },
    { 'zhixuan.manifest': manifest(ids, dim, manifestExtra) },
  );
}

/** The same model in bundle format 2: the ids as a tensor, not in the manifest. */
export function f32BundleV2(rows, ids, dim) {
  const { item_ids: _, ...rest } = JSON.parse(manifest(ids, dim));
  return writeSafetensors(
    { item_embeddings: { dtype: 'F32', shape: [ids.length, dim], data: rows }, item_ids: idTensor(ids) },
    { 'zhixuan.manifest': JSON.stringify({ ...rest, format_version: 2 }) },
  );
}

export function i8Bundle(rows, ids, dim) {
  const n = ids.length;
  const q = new Int8Array(n * dim);
  const scales = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(rows[r * dim + j]));
    scales[r] = max > 0 ? max / 127 : 1;
    for (let j = 0; j < dim; j++) q[r * dim + j] = Math.round(rows[r * dim + j] / scales[r]);
  }
  return writeSafetensors(
    { item_embeddings: { dtype: 'I8', shape: [n, dim], data: q }, item_scales: { dtype: 'F32', shape: [n], data: scales } },
    { 'zhixuan.manifest': manifest(ids, dim) },
  );
}

export function checkerboardBundle(n = 40, dim = 16) {
  return f32Bundle(checkerboardRows(n, dim), itemIds(n), dim);
}

export const sampleCatalog = {
  version: 'c1',
  items: [
    { id: 'item0', title: 'Python 入门', tags: ['python'], price: 99, channels: ['web'] },
    { id: 'item2', title: 'Python 进阶', tags: ['python'], price: 199, channels: ['web', 'mini-program'], aliases: { 'mini-program': 'mp-2' } },
    { id: 'item4', title: 'Java 基础', tags: ['java'], price: 10, available: false },
    { id: 'item6', title: '考研英语', tags: ['考研'], price: 0 },
    { id: 'new-course', title: '一门新课' },
  ],
};

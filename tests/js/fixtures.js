// Test fixtures written independently of the core: a safetensors writer as a
// Python trainer would produce, and the checkerboard model.
// Data widest element first, then by name, as the safetensors library orders it (every tensor
// starts aligned to its element size).
export function writeSafetensors(tensors, metadata = {}) {
  const header = {};
  let offset = 0;
  const width = (name) => tensors[name].data.BYTES_PER_ELEMENT ?? 1;
  const names = Object.keys(tensors).sort((a, b) => width(b) - width(a) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let text = JSON.stringify(header);
  while ((8 + text.length) % 8) text += ' ';
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), cursor);
    cursor += d.byteLength;
  }
  return out;
}

// A deterministic PRNG (mulberry32) so fixtures are the same on every machine.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussianRows(n, dim, seed) {
  const next = rng(seed);
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < rows.length; i++) {
    const u = Math.max(next(), 1e-12);
    rows[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return rows;
}

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

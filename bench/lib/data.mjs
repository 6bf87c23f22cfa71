// Benchmark data: deterministic Gaussian rows and the three bundle precisions,
// written the way a server trainer writes them (safetensors + zhixuan.manifest).

import { idTensor, writeSafetensors } from '../../tools/bundle-fixtures.mjs';

// xorshift128+ in doubles is slow; a 32-bit xorshift is enough here. Uniform in (0, 1).
function seededRandom(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}

// Box-Muller pairs.
export function gaussian(count, seed) {
  const out = new Float32Array(count);
  const next = seededRandom(seed);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t);
    if (i + 1 < count) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

export function transpose(rows, n, dim) {
  const t = new Float32Array(rows.length);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) t[j * n + r] = rows[r * dim + j];
  return t;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

// Round-to-nearest-even float -> IEEE half (finite inputs of moderate range are all we need).
function toHalf(value) {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function quantizeI8(rows, n, dim) {
  const q = new Int8Array(n * dim);
  const scales = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(rows[r * dim + j]));
    const scale = max > 0 ? max / 127 : 1;
    scales[r] = scale;
    for (let j = 0; j < dim; j++) q[r * dim + j] = Math.max(-127, Math.min(127, Math.round(rows[r * dim + j] / scale)));
  }
  return { q, scales };
}

// The floats an I8 bundle stands for: int8 * scale[row], rounded to float32 like the core's RowToF32.
export function dequantizeI8(q, scales, n, dim) {
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) out[r * dim + j] = Math.fround(scales[r] * q[r * dim + j]);
  return out;
}

// VᵀV in float64, as the trainer ships it (so loading does not recompute it).
function gram(rows, n, dim) {
  const g = new Float64Array(dim * dim);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    for (let a = 0; a < dim; a++) {
      const va = rows[o + a];
      for (let b = a; b < dim; b++) g[a * dim + b] += va * rows[o + b];
    }
  }
  const out = new Float32Array(dim * dim);
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) out[a * dim + b] = out[b * dim + a] = g[a * dim + b];
  return out;
}

/**
 * Item ids in one of the shapes catalogs use: 'short' (`i123`), 'sku' (`course-2024-0000123`,
 * 19 bytes) or 'uuid' (36 bytes). Ids longer than 10 bytes are past libc++'s short-string
 * buffer in wasm32, so each costs the device an allocation unless the core avoids it.
 */
export function itemIds(n, style = 'short') {
  if (style === 'short') return Array.from({ length: n }, (_, i) => `i${i}`);
  if (style === 'sku') return Array.from({ length: n }, (_, i) => `course-2024-${String(i).padStart(7, '0')}`);
  if (style === 'uuid') {
    const rand = seededRandom(11);
    const hex = (digits) => Array.from({ length: digits }, () => Math.floor(rand() * 16).toString(16)).join('');
    return Array.from({ length: n }, () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`);
  }
  throw new Error(`unknown id style '${style}' (short, sku or uuid)`);
}

/**
 * @param {'F32'|'F16'|'I8'} dtype
 * @param {{withGram?: boolean, format?: 1 | 2, ids?: 'short'|'sku'|'uuid'}} options  ship
 *   item_gram (a real bundle does; it spares the device VᵀV); bundle format 2 (what `zhixuan
 *   train` writes: ids as a tensor) or 1 (ids in the manifest); the ids' shape (itemIds)
 */
export function makeBundle(rows, n, dim, dtype, { withGram = false, format = 2, ids: idStyle = 'short', manifestPad = 0 } = {}) {
  const ids = itemIds(n, idStyle);
  const manifest = JSON.stringify({
    format_version: format, model_version: `bench-${n}x${dim}`, dim, ...(format === 1 ? { item_ids: ids } : {}),
    foldin: { reg: 0.1, alpha: 4, unobserved_weight: 0.1 }, ...(manifestPad ? { pad: 'x'.repeat(manifestPad) } : {}),
  });
  const tensors = format === 1 ? {} : { item_ids: idTensor(ids) };
  if (dtype === 'F32') {
    tensors.item_embeddings = { dtype: 'F32', shape: [n, dim], data: rows };
  } else if (dtype === 'F16') {
    const h = new Uint16Array(rows.length);
    for (let i = 0; i < rows.length; i++) h[i] = toHalf(rows[i]);
    tensors.item_embeddings = { dtype: 'F16', shape: [n, dim], data: h };
  } else {
    const { q, scales } = quantizeI8(rows, n, dim);
    tensors.item_embeddings = { dtype: 'I8', shape: [n, dim], data: q };
    tensors.item_scales = { dtype: 'F32', shape: [n], data: scales };
  }
  if (withGram) tensors.item_gram = { dtype: 'F32', shape: [dim, dim], data: gram(rows, n, dim) };
  return writeSafetensors(tensors, { 'zhixuan.manifest': manifest });
}

export const BYTES_PER_VALUE = { F32: 4, F16: 2, I8: 1 };

// Bytes of embeddings one query reads (I8 also reads its per-row scales).
export function bytesRead(n, dim, dtype) {
  return n * dim * BYTES_PER_VALUE[dtype] + (dtype === 'I8' ? n * 4 : 0);
}

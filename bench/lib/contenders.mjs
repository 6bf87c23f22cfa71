// The contenders of the scoring benchmark. Each one: prepare(data) once per size,
// then query(q, k) -> {rows: Int32Array-like, best first} and, where the library
// has one, batch(queries[], k) -> rows[]. dispose() frees what it holds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeBundle, transpose } from './data.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---- zhixuan, through the public API; `moduleDir` holds zhixuan-core.{mjs,wasm} ----

/**
 * The entry a package checkout exports: its bundle (esm/index.js, what `npm run build` makes
 * and the package ships), or js/index.js in a checkout from before the bundle.
 */
export function packageEntry(dir) {
  const bundled = path.join(dir, 'esm', 'index.js');
  return fs.existsSync(bundled) ? bundled : path.join(dir, 'js', 'index.js');
}

/** The package entry that loads the module in `moduleDir` (default: the package's dist/). */
export function zhixuanEntry(moduleDir) {
  const packageDist = path.join(repoRoot, 'dist');
  if (!moduleDir || path.resolve(moduleDir) === packageDist) return packageEntry(repoRoot);
  // The entry imports ../dist/zhixuan-*.mjs: give it a package copy whose dist/ is moduleDir's modules.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-bench-'));
  for (const dir of ['js', 'esm']) {
    if (fs.existsSync(path.join(repoRoot, dir))) fs.cpSync(path.join(repoRoot, dir), path.join(copy, dir), { recursive: true });
  }
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(copy, 'package.json'));
  fs.mkdirSync(path.join(copy, 'dist'));
  for (const f of fs.readdirSync(moduleDir).filter((name) => /^zhixuan-.*\.(mjs|wasm)$/.test(name))) {
    fs.copyFileSync(path.join(moduleDir, f), path.join(copy, 'dist', f));
  }
  // A build from before the relaxed-SIMD kernel: the entry still imports the kernels' module
  // (its core has no setI8DotKernel, so it keeps its own kernel).
  const kernels = path.join(copy, 'dist', 'zhixuan-kernels.mjs');
  if (!fs.existsSync(kernels)) fs.copyFileSync(path.join(packageDist, 'zhixuan-kernels.mjs'), kernels);
  return packageEntry(copy);
}

let zhixuanApi = null;
export async function loadZhixuan(moduleDir) {
  zhixuanApi ??= await import(pathToFileURL(zhixuanEntry(moduleDir)).href);
  return zhixuanApi;
}

export function zhixuanContender(dtype, moduleDir) {
  let rec = null;
  return {
    name: `zhixuan ${dtype}`,
    dtype,
    async prepare({ rows, n, dim }) {
      const { createRecommender } = await loadZhixuan(moduleDir);
      rec = await createRecommender({ model: makeBundle(rows, n, dim, dtype) });
    },
    query: (q, k) => idsToRows(rec.recommend({ userVector: q, k }).ids),
    batch: (qs, k) => rec.recommendBatch(qs, { k }).map((r) => idsToRows(r.ids)),
    dispose() { rec?.dispose(); rec = null; },
  };
}

// bench ids are `i<row>`
function idsToRows(ids) { return Int32Array.from(ids, (id) => Number(id.slice(1))); }

// ---- plain JS: a dot-product loop over a Float32Array with a partial top-K ----
export function jsLoopContender() {
  let V = null, N = 0, D = 0;
  return {
    name: 'JS loop',
    dtype: 'F32',
    prepare({ rows, n, dim }) { V = rows; N = n; D = dim; },
    query(q, k) {
      const topScores = new Float64Array(k).fill(-Infinity);
      const topRows = new Int32Array(k).fill(-1);
      let threshold = -Infinity;
      for (let r = 0, o = 0; r < N; r++, o += D) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let j = 0; j < D; j += 4) {
          s0 += V[o + j] * q[j];
          s1 += V[o + j + 1] * q[j + 1];
          s2 += V[o + j + 2] * q[j + 2];
          s3 += V[o + j + 3] * q[j + 3];
        }
        const s = (s0 + s1) + (s2 + s3);
        if (s > threshold) {
          let i = k - 1;
          while (i > 0 && topScores[i - 1] < s) { topScores[i] = topScores[i - 1]; topRows[i] = topRows[i - 1]; i--; }
          topScores[i] = s; topRows[i] = r;
          threshold = topScores[k - 1];
        }
      }
      return topRows;
    },
    dispose() { V = null; },
  };
}

// ---- TensorFlow.js, wasm backend, one thread; V stored as [d, N] ----
let tf = null;
async function loadTf() {
  if (tf) return tf;
  tf = await import('@tensorflow/tfjs-core');
  const wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
  // Its wasm files live next to its entry; a file path (not a URL) sidesteps Node's global fetch.
  const dir = path.dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm')));
  wasmBackend.setWasmPaths(`${dir}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) throw new Error('tfjs wasm backend without SIMD');
  return tf;
}

export function tfjsContender() {
  let VT = null, D = 0;
  const run = (flat, count, k) => {
    const [values, indices] = tf.tidy(() => {
      const scores = tf.matMul(tf.tensor2d(flat, [count, D]), VT);
      const top = tf.topk(scores, k, true);
      return [top.values, top.indices];
    });
    const rows = indices.dataSync();
    values.dataSync();
    values.dispose(); indices.dispose();
    return rows;
  };
  return {
    name: 'tfjs-wasm',
    dtype: 'F32',
    async prepare({ rows, n, dim }) {
      await loadTf();
      D = dim;
      VT = tf.tensor2d(transpose(rows, n, dim), [dim, n]);
    },
    query: (q, k) => run(q, 1, k),
    batch(qs, k) {
      const flat = new Float32Array(qs.length * D);
      qs.forEach((q, i) => flat.set(q, i * D));
      const rows = run(flat, qs.length, k);
      return qs.map((_, i) => rows.subarray(i * k, (i + 1) * k));
    },
    dispose() { VT?.dispose(); VT = null; },
  };
}

// ---- onnxruntime-web, wasm backend, one thread; MatMul + TopK graph with V as an initializer ----
let ort = null;
async function loadOrt() {
  if (ort) return ort;
  ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  return ort;
}

export function ortContender() {
  let session = null, D = 0;
  const run = async (flat, count, k) => {
    const out = await session.run({
      queries: new ort.Tensor('float32', flat, [count, D]),
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
    });
    const rows = Int32Array.from(out.indices.data, Number);
    out.values.dispose?.(); out.indices.dispose?.();
    return rows;
  };
  return {
    name: 'onnxruntime-web',
    dtype: 'F32',
    async prepare({ rows, n, dim }) {
      await loadOrt();
      const { matMulTopKModel: build } = await import('./onnx-graph.mjs');
      D = dim;
      session = await ort.InferenceSession.create(build(transpose(rows, n, dim), dim, n), {
        executionProviders: ['wasm'], graphOptimizationLevel: 'all',
      });
    },
    query: (q, k) => run(q, 1, k),
    async batch(qs, k) {
      const flat = new Float32Array(qs.length * D);
      qs.forEach((q, i) => flat.set(q, i * D));
      const rows = await run(flat, qs.length, k);
      return qs.map((_, i) => rows.subarray(i * k, (i + 1) * k));
    },
    async dispose() { await session?.release(); session = null; },
  };
}

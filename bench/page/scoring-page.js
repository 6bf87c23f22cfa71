// The page side of bench/engines-scoring.bench.mjs: zhixuan (F32, F16, I8 bundles through the
// public API, the lean module) and the F32 peers tfjs-backend-wasm and onnxruntime-web (one
// thread each), prepared in this page on the same rows, then driven one timed sample at a time
// from Node (window.zxBench), so that the contenders' queries interleave.
import { createRecommender, init } from '/esm/index.js';
import { gaussian, makeBundle, transpose } from '/bench/lib/data.mjs';
import { matMulTopKModel } from '/bench/lib/onnx-graph.mjs';

const QUERIES = 64;
let data = null;  // { rows, n, dim, queries }
const contenders = new Map();  // name -> { query(q, k), dispose() }

function zhixuan(dtype) {
  return async ({ rows, n, dim }) => {
    const rec = await createRecommender({ model: makeBundle(rows, n, dim, dtype), features: [] });
    return {
      query: (q, k) => Int32Array.from(rec.recommend({ userVector: q, k }).ids, (id) => Number(id.slice(1))),  // ids are `i<row>`
      dispose: () => rec.dispose(),
    };
  };
}

async function tfjs({ rows, n, dim }) {
  const tf = globalThis.tf;
  if (!tf?.wasm) throw new Error('tfjs-core / tfjs-backend-wasm scripts did not load');
  if (tf.getBackend() !== 'wasm') {
    tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);  // one thread, like every other contender
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not start');
    await tf.ready();
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const VT = tf.tensor2d(transpose(rows, n, dim), [dim, n]);
  return {
    note: simd ? 'SIMD' : 'no SIMD',
    query(q, k) {
      const [values, indices] = tf.tidy(() => {
        const top = tf.topk(tf.matMul(tf.tensor2d(q, [1, dim]), VT), k, true);
        return [top.values, top.indices];
      });
      const out = indices.dataSync();
      values.dispose(); indices.dispose();
      return out;
    },
    dispose: () => VT.dispose(),
  };
}

let ort = null;
async function onnxruntime({ rows, n, dim }) {
  if (!ort) {
    ort = await import('/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs');
    ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
  }
  const session = await ort.InferenceSession.create(matMulTopKModel(transpose(rows, n, dim), dim, n), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
  const k64 = (k) => new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]);
  return {
    async query(q, k) {
      const out = await session.run({ queries: new ort.Tensor('float32', q, [1, dim]), k: k64(k) });
      const top = Int32Array.from(out.indices.data, Number);
      out.values.dispose?.(); out.indices.dispose?.();
      return top;
    },
    dispose: () => session.release(),
  };
}

const FACTORIES = {
  'zhixuan F32': zhixuan('F32'), 'zhixuan F16': zhixuan('F16'), 'zhixuan I8': zhixuan('I8'),
  'tfjs-wasm': tfjs, 'onnxruntime-web': onnxruntime,
};

window.zxBench = {
  names: Object.keys(FACTORIES),
  async info() {
    const core = await init({ features: [] });
    return { userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated === true, i8Kernel: core.i8Kernel ?? 'simd128' };
  },
  makeData(n, dim) {
    const t0 = performance.now();
    // The rows and queries of the Node scoring bench (bench/scoring.bench.mjs): same seeds.
    data = { rows: gaussian(n * dim, 12345 + n + dim), n, dim, queries: Array.from({ length: QUERIES }, (_, i) => gaussian(dim, 999 + i)) };
    return performance.now() - t0;
  },
  async prepare(name) {
    const t0 = performance.now();
    try {
      const c = await FACTORIES[name](data);
      contenders.set(name, c);
      return { ms: performance.now() - t0, note: c.note ?? null };
    } catch (error) {
      return { error: String(error?.message ?? error).split('\n')[0].slice(0, 200) };
    }
  },
  dropRows() { data.rows = null; },
  // `reps` queries from query `start` on: total wall ms and the top rows of the last one.
  async sample({ name, reps, start, k }) {
    const c = contenders.get(name);
    let top;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      top = c.query(data.queries[(start + i) % QUERIES], k);
      if (top instanceof Promise) top = await top;
    }
    const ms = performance.now() - t0;
    return { ms, rows: top ? Array.from(top).slice(0, 10) : [] };
  },
  async usesI8DotKernel() { return (await init({ features: [] })).usesI8DotKernel?.() ?? false; },
  async disposeAll() {
    for (const c of contenders.values()) await c.dispose();
    contenders.clear();
    data = null;
  },
};
window.zxBenchReady = true;

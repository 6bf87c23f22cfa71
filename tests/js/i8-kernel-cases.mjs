// Shared by tests/js/i8-kernel.test.js and the Node 22 process it spawns: the inputs both
// kernels score, and running them. `node tests/js/i8-kernel-cases.mjs` prints a JSON report
// of the engine it runs in: which I8 kernel the core chose, the relaxed kernel's own scores
// against the integer reference (when the engine has relaxed SIMD), the package's rankings.
import { pathToFileURL } from 'node:url';
import { i8DotRelaxed } from '../../dist/zhixuan-kernels.mjs';
import { init } from '../../js/core.js';
import { createRecommender } from '../../js/index.js';
import { gaussianRows, itemIds, manifest, rng, writeSafetensors } from '../../tools/bundle-fixtures.mjs';

const f = Math.fround;
// The item side's extremes: -128 only comes from files written elsewhere (our quantizer stops at -127).
const EDGES = [-128, 127, -64, 63, -127, 0, 1, -1];

/** Int8 rows: random over the whole range, with rows of each edge value and rows that mix them. */
export function edgeRows(n, dim, seed) {
  const next = rng(seed);
  const q = new Int8Array(n * dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) {
      const pick = r < EDGES.length ? EDGES[r] : r < 2 * EDGES.length ? EDGES[(r + j) % EDGES.length] : Math.floor(next() * 256) - 128;
      q[r * dim + j] = pick;
    }
  }
  return q;
}

/** An I8 bundle of raw int8 rows (duplicates included, so ties must break to the lower row). */
export function rawI8Bundle(n, dim, seed) {
  const q = edgeRows(n, dim, seed);
  q.copyWithin(5 * dim, 40 * dim, 41 * dim);  // row 5 = row 40
  const scales = new Float32Array(n);
  const next = rng(seed + 1);
  for (let r = 0; r < n; r++) scales[r] = f(0.001 + next() * 0.02);
  scales[5] = scales[40];
  return writeSafetensors(
    { item_embeddings: { dtype: 'I8', shape: [n, dim], data: q }, item_scales: { dtype: 'F32', shape: [n], data: scales } },
    { 'zhixuan.manifest': manifest(itemIds(n), dim) },
  );
}

/** Every row's score and the full ranking, for a few queries (extreme ones included). */
export async function packageRankings() {
  const out = [];
  for (const dim of [16, 64, 208]) {
    // 25 groups of four rows and a tail of three; at d = 64 also rows past the first blocks of
    // 256, whose row sums the first query takes block by block (ItemMatrix::row_sums).
    const n = dim === 64 ? 603 : 103;
    const rec = await createRecommender({ model: rawI8Bundle(n, dim, 31 + dim), features: [] });
    const queries = [gaussianRows(1, dim, 71 + dim), Float32Array.from({ length: dim }, (_, j) => (j % 3 ? 1e-3 : -5))];
    for (const q of queries) {
      const { ids, scores } = rec.recommend({ userVector: q, k: n });
      out.push({ dim, ids, scores: Array.from(scores) });
    }
    rec.dispose();
  }
  return out;
}

/** float(acc) * (scale * qs) with acc = 128 * sum(row * hi) + sum(row * lo) - 8192 * rowSum, wrapped to int32. */
export function referenceScore(rows, r, dim, digits, rowSum, scale, qs) {
  let hi = 0, lo = 0;
  for (let j = 0; j < dim; j++) {
    const chunk = j & ~15, lane = j & 15;
    hi += rows[r * dim + j] * digits[2 * chunk + lane];
    lo += rows[r * dim + j] * digits[2 * chunk + 16 + lane];
  }
  const acc = (128 * hi + lo - 8192 * rowSum) | 0;
  return f(f(acc) * f(scale * qs));
}

/** The relaxed kernel alone, in a memory of its own, against referenceScore: the mismatches. */
export function kernelMismatches() {
  const memory = new WebAssembly.Memory({ initial: 64 });
  const { scoreI8 } = new WebAssembly.Instance(new WebAssembly.Module(i8DotRelaxed), { env: { memory } }).exports;
  const mismatches = [];
  let checked = 0;
  for (const dim of [16, 64, 208, 1024]) {
    const n = 40;
    const rows = edgeRows(n, dim, 5 + dim);
    const next = rng(9 + dim);
    // Digits over their whole range, the ends included (query values +-8191 give 0/1 and 127/127).
    const digits = Uint8Array.from({ length: 2 * dim }, (_, i) => (i % 7 === 0 ? 127 : i % 11 === 0 ? 0 : Math.floor(next() * 128)));
    const sums = Int32Array.from({ length: n }, (_, r) => rows.subarray(r * dim, (r + 1) * dim).reduce((a, b) => a + b, 0));
    const scales = Float32Array.from({ length: n }, () => 0.001 + next());
    const qs = f(1 / 8191);
    // Layout: rows, digits, sums, scales, out, each 16-byte aligned.
    let at = 0;
    const place = (bytes) => { const p = at; new Uint8Array(memory.buffer, p, bytes.byteLength).set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)); at += Math.ceil(bytes.byteLength / 16) * 16; return p; };
    const pRows = place(rows), pDigits = place(digits), pSums = place(sums), pScales = place(scales), pOut = at;
    scoreI8(pRows, dim, n, pDigits, pSums, pScales, qs, pOut);
    const got = new Float32Array(memory.buffer, pOut, n);
    for (let r = 0; r < n; r++) {
      const want = referenceScore(rows, r, dim, digits, sums[r], scales[r], qs);
      checked++;
      if (!Object.is(got[r], want)) mismatches.push({ dim, row: r, got: got[r], want });
    }
  }
  return { checked, mismatches };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const core = await init({ features: [] });
  // Every query on the relaxed kernel (the rankings below compare it with the SIMD128 kernel),
  // not just the ones a speed comparison would leave it (js/kernels/i8-dot.js).
  if (core.i8KernelSlot) core.setI8DotKernel(core.i8KernelSlot, false);
  const report = {
    node: process.version,
    validates: WebAssembly.validate(i8DotRelaxed),
    i8Kernel: core.i8Kernel,
    kernel: WebAssembly.validate(i8DotRelaxed) ? kernelMismatches() : null,
    rankings: await packageRankings(),
  };
  process.stdout.write(JSON.stringify(report));
}

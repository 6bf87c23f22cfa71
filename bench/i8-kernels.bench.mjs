// The relaxed-SIMD I8 kernel against the core's SIMD128 kernel in one process, on one model,
// query by query in turn (core.setI8DotKernel switches them), with the scores of every query
// compared: the same floats, or the run fails. Needs an engine with relaxed SIMD (Node >= 22).
//   node bench/i8-kernels.bench.mjs [--n 1000000] [--dim 64] [--k 10] [--rounds 31]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { gaussian, makeBundle } from './lib/data.mjs';
import { loadZhixuan } from './lib/contenders.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean));
const n = Number(args.n ?? 1e6), dim = Number(args.dim ?? 64), k = Number(args.k ?? 10), rounds = Number(args.rounds ?? 31);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

const { init, createRecommender } = await loadZhixuan(args.module);
const core = await init({ features: [] });
if (core.i8Kernel !== 'relaxed-simd') throw new Error(`no relaxed SIMD in node ${process.version}: the I8 kernel is ${core.i8Kernel}`);
console.log(`# I8 kernels ${n}x${dim} top-${k} — ${new Date().toISOString()}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const rows = gaussian(n * dim, 12345 + n + dim);
const rec = await createRecommender({ model: makeBundle(rows, n, dim, 'I8'), features: [] });
const kernels = { 'relaxed-simd': core.i8KernelSlot, simd128: 0 };
const first = performance.now();
rec.recommend({ userVector: gaussian(dim, 1), k });  // the relaxed kernel's first query also sums each block's rows (ItemMatrix::row_sums)
console.log(`first relaxed query (row sums taken block by block): ${(performance.now() - first).toFixed(2)} ms`);
const wall = { 'relaxed-simd': [], simd128: [] }, cpu = { 'relaxed-simd': [], simd128: [] };
for (let i = 0; i < rounds + 5; i++) {
  const q = gaussian(dim, 999 + i);
  const out = {};
  for (const [name, slot] of Object.entries(kernels)) {
    core.setI8DotKernel(slot, false);
    const c0 = cpuMs(), t0 = performance.now();
    out[name] = rec.recommend({ userVector: q, k });
    if (i >= 5) { wall[name].push(performance.now() - t0); cpu[name].push(cpuMs() - c0); }
  }
  const [a, b] = Object.values(out);
  if (a.ids.join() !== b.ids.join() || a.scores.join() !== b.scores.join()) throw new Error(`query ${i}: the kernels disagree`);
}
core.setI8DotKernel(kernels['relaxed-simd'], true);
for (const [label, table] of [['wall', wall], ['CPU', cpu]]) {
  const r = median(table['relaxed-simd']), s = median(table.simd128);
  console.log(`${label} ms: relaxed-simd ${r.toFixed(2)}, simd128 ${s.toFixed(2)} -> ${(s / r).toFixed(2)}x`);
}
console.log(`every one of ${rounds + 5} queries: the same ids and scores from both kernels`);
rec.dispose();

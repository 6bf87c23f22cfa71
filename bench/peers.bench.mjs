// zhixuan I8 and F32 against the F32 peers (tfjs-wasm, onnxruntime-web) at one size, queries
// interleaved round by round (on a shared machine, sequential blocks measure the neighbours as
// much as the code), top-k through each one's public API. Prints medians, the ratios the issue's
// bars are stated in, and which I8 kernel ran (js/kernels/i8-dot.js: relaxed-simd in Node >= 21).
//   node --expose-gc bench/peers.bench.mjs [--module DIR] [--n 1000000] [--dim 64] [--k 10] [--rounds 21]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { gaussian } from './lib/data.mjs';
import { loadZhixuan, ortContender, tfjsContender, zhixuanContender } from './lib/contenders.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean));
const n = Number(args.n ?? 1e6), dim = Number(args.dim ?? 64), k = Number(args.k ?? 10), rounds = Number(args.rounds ?? 21);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f2 = (x) => x.toFixed(2);

const { init } = await loadZhixuan(args.module);
const i8Kernel = (await init()).i8Kernel ?? 'simd128';
console.log(`# peers ${n}x${dim} top-${k} — ${new Date().toISOString()}, node ${process.version}, I8 kernel ${i8Kernel}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const rows = gaussian(n * dim, 12345 + n + dim);
const queries = Array.from({ length: rounds + 5 }, (_, i) => gaussian(dim, 999 + i));
const contenders = [zhixuanContender('I8', args.module), zhixuanContender('F32', args.module), tfjsContender(), ortContender()];
for (const c of contenders) await c.prepare({ rows, n, dim });
globalThis.gc?.();
const times = new Map(contenders.map((c) => [c.name, []]));
const cpu = new Map(contenders.map((c) => [c.name, []]));
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
for (let i = 0; i < rounds + 5; i++) {
  for (const c of contenders) {
    const c0 = cpuMs(), t0 = performance.now();
    await c.query(queries[i], k);
    if (i < 5) continue;  // the first 5 rounds warm up (tier-up)
    times.get(c.name).push(performance.now() - t0);
    cpu.get(c.name).push(cpuMs() - c0);
  }
}
// On a machine where the process waits for a core, CPU time is the cost of the call itself.
for (const [label, table] of [['wall', times], ['CPU', cpu]]) {
  const med = Object.fromEntries([...table].map(([name, ms]) => [name, median(ms)]));
  const bestPeer = ['tfjs-wasm', 'onnxruntime-web'].reduce((a, b) => (med[b] < med[a] ? b : a));
  console.log(`${label} ms: ${Object.entries(med).map(([name, ms]) => `${name} ${f2(ms)}`).join(', ')}`);
  console.log(`  I8 ${f2(med[bestPeer] / med['zhixuan I8'])}x faster than ${bestPeer} (bar >= 3.5); F32 ${f2(med['zhixuan F32'] / med[bestPeer])}x the time of ${bestPeer} (bar <= 1)`);
}
console.log(`I8 scoring used ${(await init()).usesI8DotKernel?.() ? 'the relaxed-SIMD kernel' : "the core's SIMD128 kernel"} after the comparison of the first large queries`);
for (const c of contenders) await c.dispose();

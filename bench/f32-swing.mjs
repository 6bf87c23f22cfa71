// Where the time of an F32 1M x 64 top-10 query goes, and why it swung by 2x between runs
// (issue 19). Each experiment prints its figures; bench/RESULTS.md keeps the verdicts.
//
//   node --expose-gc bench/f32-swing.mjs [--module DIR] [--n 1000000] [--dim 64] [--runs 21]
//        [--only timeline,ceiling,interleave,align,k]
//
// timeline    every query of a fresh model timed from the first: fresh pages, tier-up, drift
// ceiling     the wasm read ceiling (a bare SIMD load loop over a matrix as large, in its own
//             memory) against the kernel, interleaved: how close the kernel is to memory speed
// interleave  zhixuan alone vs zhixuan with tfjs-wasm and onnxruntime-web queries in between
//             (the scoring bench's order): interference between contenders
// align       the same rows at data offsets 0..56 bytes mod 64 inside the bundle: alignment
// k           k = 1, 10, 100: the top-K's share
// The process's transparent huge pages (AnonHugePages) are printed with each experiment.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { gaussian, makeBundle } from './lib/data.mjs';
import { loadZhixuan, ortContender, tfjsContender } from './lib/contenders.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean));
const n = Number(args.n ?? 1e6), dim = Number(args.dim ?? 64), runs = Number(args.runs ?? 21);
const only = (args.only ?? 'timeline,ceiling,interleave,align,k').split(',');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const f2 = (x) => x.toFixed(2);
const hugePages = () => {
  try { return `${/AnonHugePages:\s+(\d+)/.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]} kB`; } catch { return 'n/a'; }
};
// Wall and CPU milliseconds of one call: on a loaded machine the wall clock counts the waits for
// a core, CPU time what the call itself cost. Figures print as wall/CPU.
const cpuMs = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e3; };
const time = (fn) => { const c0 = cpuMs(), t0 = performance.now(); fn(); return new Sample(performance.now() - t0, cpuMs() - c0); };
const timeAsync = async (fn) => { const c0 = cpuMs(), t0 = performance.now(); await fn(); return new Sample(performance.now() - t0, cpuMs() - c0); };
class Sample {
  constructor(wall, cpu) { this.wall = wall; this.cpu = cpu; }
  valueOf() { return this.wall; }
}
const cpuMedian = (xs) => median(xs.map((x) => x.cpu));
const both = (xs) => `${f2(median(xs.map(Number)))}/${f2(cpuMedian(xs))}`;

console.log(`# F32 ${n}x${dim} investigation — ${new Date().toISOString()}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const { createRecommender } = await loadZhixuan(args.module);
const rows = gaussian(n * dim, 12345 + n + dim);
const queries = Array.from({ length: 200 }, (_, i) => gaussian(dim, 999 + i));
const recommend = (rec, i, k = 10) => rec.recommend({ userVector: queries[i % queries.length], k });

// The bundle with `pad` extra bytes of manifest: moves the matrix within the file by 8-byte steps.
const bundle = (pad = 0) => makeBundle(rows, n, dim, 'F32', { manifestPad: pad });

if (only.includes('timeline')) {
  const rec = await createRecommender({ model: bundle(), features: [] });
  const ms = [];
  for (let i = 0; i < 60; i++) ms.push(time(() => recommend(rec, i)));
  console.log(`\n## timeline (fresh model, no warm-up; THP ${hugePages()})`);
  console.log(`wall/CPU ms: queries 1-5: ${ms.slice(0, 5).map((x) => `${f2(x.wall)}/${f2(x.cpu)}`).join(', ')}; 6-60: median ${both(ms.slice(5))}, wall p10 ${f2(pct(ms.slice(5).map(Number), 0.1))}, p90 ${f2(pct(ms.slice(5).map(Number), 0.9))}`);
  rec.dispose();
}

if (only.includes('ceiling')) {
  // v128.load of every 16 bytes, four streams, or-ed together: what reading the matrix costs.
  const wabt = await (await import('wabt')).default();
  const wat = `(module (memory (export "memory") 1) (func (export "read") (param $p i32) (param $end i32) (local $v v128)
    (loop $l (local.set $v (v128.or (v128.or (local.get $v) (v128.load (local.get $p))) (v128.or (v128.load offset=16 (local.get $p))
      (v128.or (v128.load offset=32 (local.get $p)) (v128.load offset=48 (local.get $p))))))
      (local.set $p (i32.add (local.get $p) (i32.const 64))) (br_if $l (i32.lt_u (local.get $p) (local.get $end))))
    (drop (i32x4.extract_lane 0 (local.get $v)))))`;
  const wasm = wabt.parseWat('read.wat', wat, { simd: true }).toBinary({}).buffer;
  const { instance } = await WebAssembly.instantiate(wasm);
  const bytes = n * dim * 4;
  instance.exports.memory.grow(Math.ceil(bytes / 65536) + 1);
  new Float32Array(instance.exports.memory.buffer, 0, n * dim).set(rows);
  const rec = await createRecommender({ model: bundle(), features: [] });
  for (let i = 0; i < 5; i++) { recommend(rec, i); instance.exports.read(0, bytes); }
  const read = [], kernel = [];
  for (let i = 0; i < runs; i++) {
    read.push(time(() => instance.exports.read(0, bytes)));
    kernel.push(time(() => recommend(rec, i)));
  }
  console.log(`\n## ceiling (interleaved, ${runs} each; THP ${hugePages()})`);
  console.log(`wall/CPU ms: read only ${both(read)} (${f2(bytes / cpuMedian(read) / 1e6)} GB/s of CPU time); zhixuan top-10 ${both(kernel)} (${f2(bytes / cpuMedian(kernel) / 1e6)} GB/s); kernel / read: wall ${f2(median(kernel.map(Number)) / median(read.map(Number)))}, CPU ${f2(cpuMedian(kernel) / cpuMedian(read))}`);
  rec.dispose();
}

if (only.includes('interleave')) {
  const rec = await createRecommender({ model: bundle(), features: [] });
  const tfjs = tfjsContender(), ort = ortContender();
  await tfjs.prepare({ rows, n, dim });
  await ort.prepare({ rows, n, dim });
  globalThis.gc?.();
  for (let i = 0; i < 5; i++) { recommend(rec, i); tfjs.query(queries[i], 10); await ort.query(queries[i], 10); }
  const alone = [], mixed = [], tf = [], on = [];
  for (let i = 0; i < runs; i++) alone.push(time(() => recommend(rec, i)));
  for (let i = 0; i < runs; i++) {
    mixed.push(time(() => recommend(rec, i)));
    tf.push(time(() => tfjs.query(queries[i], 10)));
    on.push(await timeAsync(() => ort.query(queries[i], 10)));
  }
  console.log(`\n## interleave (${runs} each; THP ${hugePages()})`);
  console.log(`wall/CPU ms: zhixuan alone ${both(alone)}; between the peers ${both(mixed)}; tfjs-wasm ${both(tf)}, onnxruntime-web ${both(on)}`);
  rec.dispose(); tfjs.dispose(); await ort.dispose();
}

if (only.includes('align')) {
  console.log(`\n## align (the matrix moved by 8-byte steps inside the bundle; ${runs} queries each, two rounds)`);
  const out = new Map();
  for (const round of [0, 1]) {
    for (const pad of round ? [56, 48, 40, 32, 24, 16, 8, 0] : [0, 8, 16, 24, 32, 40, 48, 56]) {
      globalThis.gc?.();
      const rec = await createRecommender({ model: bundle(pad), features: [] });
      for (let i = 0; i < 5; i++) recommend(rec, i);
      const ms = [];
      for (let i = 0; i < runs; i++) ms.push(time(() => recommend(rec, i)));
      out.set(pad, [...(out.get(pad) ?? []), both(ms)]);
      rec.dispose();
    }
  }
  console.log(`wall/CPU ms per round: ${[...out].sort((a, b) => a[0] - b[0]).map(([pad, m]) => `+${pad} B: ${m.join(', ')}`).join('; ')}`);
}

if (only.includes('k')) {
  const rec = await createRecommender({ model: bundle(), features: [] });
  for (let i = 0; i < 5; i++) recommend(rec, i, 100);
  const per = { 1: [], 10: [], 100: [] };
  for (let i = 0; i < runs; i++) for (const k of [1, 10, 100]) per[k].push(time(() => recommend(rec, i, k)));
  console.log(`\n## k (interleaved, ${runs} each; THP ${hugePages()})`);
  console.log(`wall/CPU ms: ${Object.entries(per).map(([k, ms]) => `k=${k} ${both(ms)}`).join('; ')}`);
  rec.dispose();
}

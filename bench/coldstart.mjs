// Cold start: in a fresh Node process, import zhixuan -> load a 100k x 64 F32 bundle from a
// file -> first recommend() result. Median of several processes.
//
//   node bench/coldstart.mjs [--module DIR] [--runs 7] [--items 100000] [--dim 64] [--no-gram]
//        [--features none|profile,text,...]   (none: features: [], the lean page module)
//        [--format 2|1]   bundle format: 2 (what `zhixuan train` writes, ids as a tensor) or 1
//                         (ids in the manifest JSON)
//
// The bundle ships item_gram (VᵀV) as a trainer writes it; --no-gram shows the cost of
// computing it on the device instead.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

if (process.argv[2] === '--child') {
  const [entry, bundlePath, dim, featuresArg] = process.argv.slice(3);
  const features = featuresArg === 'all' ? undefined : featuresArg === 'none' ? [] : featuresArg.split(',');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { createRecommender } = await import(pathToFileURL(entry).href);
  const t1 = performance.now();
  const rec = await createRecommender({ model: bundlePath, features });
  const t2 = performance.now();
  const userVector = new Float32Array(Number(dim)).map((_, j) => Math.sin(j + 1));
  const { ids } = rec.recommend({ userVector, k: 10 });
  const t3 = performance.now();
  if (ids.length !== 10) throw new Error('no result');
  const cpu = process.cpuUsage(cpu0);  // all threads: V8 also compiles wasm in the background
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, firstQueryMs: t3 - t2, totalMs: t3 - t0,
    cpuMs: (cpu.user + cpu.system) / 1e3 }));
  process.exit(0);
}

const { gaussian, makeBundle } = await import('./lib/data.mjs');
const { zhixuanEntry } = await import('./lib/contenders.mjs');
const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, '');
  args[key] = key === 'no-gram' ? true : process.argv[++i];
}
const runs = Number(args.runs ?? 7);
const n = Number(args.items ?? 100000);
const dim = Number(args.dim ?? 64);
const withGram = !args['no-gram'];
const format = Number(args.format ?? 2);

const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zx-cold-')), 'model.safetensors');
fs.writeFileSync(bundlePath, makeBundle(gaussian(n * dim, 7), n, dim, 'F32', { withGram, format }));
const entry = zhixuanEntry(args.module);
const self = fileURLToPath(import.meta.url);

const samples = [];
for (let i = 0; i < runs; i++) {
  samples.push(JSON.parse(execFileSync(process.execPath, [self, '--child', entry, bundlePath, String(dim), args.features ?? 'all'], { encoding: 'utf8' })));
}
const median = (key) => samples.map((s) => s[key]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const bundleMiB = fs.statSync(bundlePath).size / 2 ** 20;
console.log(`# cold start — ${n}×${dim} F32 bundle format ${format} (${bundleMiB.toFixed(1)} MiB, item_gram ${withGram ? 'shipped' : 'computed on load'}, features ${args.features ?? 'all (default)'}), ` +
  `median of ${runs} fresh node processes, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| import | createRecommender (wasm init + read + parse) | first recommend | total (target ≤ 50 ms) | process CPU in that time |');
console.log('|---|---|---|---|---|');
const total = median('totalMs');
console.log(`| ${median('importMs').toFixed(1)} ms | ${median('loadMs').toFixed(1)} ms | ${median('firstQueryMs').toFixed(2)} ms | ${total.toFixed(1)} ms ${total <= 50 ? 'PASS' : 'FAIL'} | ${median('cpuMs').toFixed(1)} ms |`);
console.log(`all totals: ${samples.map((s) => s.totalMs.toFixed(1)).join(', ')} ms`);
fs.rmSync(path.dirname(bundlePath), { recursive: true, force: true });

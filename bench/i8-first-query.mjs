// The first queries of a large I8 model, each in a fresh process (load, then four top-10
// queries timed one by one): what a page's first list costs beyond the load. With relaxed SIMD
// (Node >= 22: run it with .cache/node22's node) the first query used to sum every row for the
// relaxed kernel. --against DIR: also the package checkout DIR (its esm/ and dist/), process by
// process in turn with this tree.
//   node bench/i8-first-query.mjs [--n 1000000] [--dim 64] [--runs 7] [--against DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

if (process.argv[2] === '--child') {
  const [entry, file, dim] = process.argv.slice(3);
  const { createRecommender, init } = await import(pathToFileURL(entry).href);
  const c0 = cpuMs(), t0 = performance.now();
  const rec = await createRecommender({ model: file, features: [] });
  const load = { ms: performance.now() - t0, cpu: cpuMs() - c0 };
  const queries = [];
  for (let i = 0; i < 4; i++) {
    const userVector = new Float32Array(Number(dim)).map((_, j) => Math.sin(j * (i + 1) + 1));
    const q0 = cpuMs(), s0 = performance.now();
    rec.recommend({ userVector, k: 10 });
    queries.push({ ms: performance.now() - s0, cpu: cpuMs() - q0 });
  }
  const core = await init({ features: [] });
  process.stdout.write(JSON.stringify({ load, queries, kernel: core.i8Kernel ?? 'simd128' }));
  process.exit(0);
}

const { gaussian, makeBundle } = await import('./lib/data.mjs');
const { packageEntry, zhixuanEntry } = await import('./lib/contenders.mjs');
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const n = Number(args.n ?? 1e6), dim = Number(args.dim ?? 64), runs = Number(args.runs ?? 7);
const variants = [{ label: 'this tree', entry: zhixuanEntry() }];
if (args.against) variants.push({ label: `against ${args.against}`, entry: packageEntry(path.resolve(args.against)) });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-i8-first-'));
const file = path.join(dir, 'model-i8.safetensors');
fs.writeFileSync(file, makeBundle(gaussian(n * dim, 12345 + n + dim), n, dim, 'I8'));
const self = fileURLToPath(import.meta.url);
for (const v of variants) v.samples = [];
for (let i = 0; i < runs; i++) {
  for (const v of variants) v.samples.push(JSON.parse(execFileSync(process.execPath, [self, '--child', v.entry, file, String(dim)], { encoding: 'utf8' })));
}
fs.rmSync(dir, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x) => x.toFixed(1);
console.log(`# I8 ${n}x${dim}: load and the first four top-10 queries, median of ${runs} fresh processes per variant, in turn; node ${process.version}; ` +
  `${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
console.log('| variant | I8 kernel | load ms (CPU) | query 1 ms (CPU) | query 2 | query 3 | query 4 |');
console.log('|---|---|---|---|---|---|---|');
for (const v of variants) {
  const q = (i, key) => median(v.samples.map((s) => s.queries[i][key]));
  console.log(`| ${v.label} | ${v.samples[0].kernel} | ${f(median(v.samples.map((s) => s.load.ms)))} (${f(median(v.samples.map((s) => s.load.cpu)))}) | ` +
    `${[0, 1, 2, 3].map((i) => `${f(q(i, 'ms'))} (${f(q(i, 'cpu'))})`).join(' | ')} |`);
}

// Cold start: in a fresh Node process, import zhixuan -> load a 100k x 64 F32 bundle from a
// file -> first recommend() result. Median of several processes.
//
//   node bench/coldstart.mjs [--module DIR] [--runs 7] [--items 100000] [--dim 64] [--no-gram]
//        [--features none|profile,text,...]   (none: features: [], the lean page module)
//        [--format 2|1|2,1]   bundle format: 2 (what `zhixuan train` writes, ids as a tensor)
//                             or 1 (ids in the manifest JSON); a list measures each
//        [--ids short|sku|uuid|short,uuid]   the ids' shape (bench/lib/data.mjs itemIds):
//                             i123, course-2024-0000123 or a UUID; a list measures each
//        [--against DIR]      also measure another checkout (its esm/ or js/ entry with its built
//                             dist/, e.g. a `git worktree` of an older commit)
// Variants are measured in turn, process by process, so a machine that speeds up or slows
// down mid-run treats them alike.
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
const { packageEntry, zhixuanEntry } = await import('./lib/contenders.mjs');
const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, '');
  args[key] = key === 'no-gram' ? true : process.argv[++i];
}
const runs = Number(args.runs ?? 7);
const n = Number(args.items ?? 100000);
const dim = Number(args.dim ?? 64);
const withGram = !args['no-gram'];
const formats = String(args.format ?? 2).split(',').map(Number);
const idStyles = String(args.ids ?? 'short').split(',');
const self = fileURLToPath(import.meta.url);
const entries = [['this tree', zhixuanEntry(args.module)]];
if (args.against) entries.push([`against ${args.against}`, packageEntry(path.resolve(args.against))]);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-cold-'));
const rows = gaussian(n * dim, 7);
const bundles = formats.flatMap((format) => idStyles.map((ids) => {
  const file = path.join(dir, `model-format${format}-${ids}.safetensors`);
  fs.writeFileSync(file, makeBundle(rows, n, dim, 'F32', { withGram, format, ids }));
  return { format, ids, file };
}));
const variants = entries.flatMap(([label, entry]) => bundles.map((bundle) => ({ label, entry, bundle, samples: [], error: null })));
for (let i = 0; i < runs; i++) {
  for (const v of variants) {
    if (v.error) continue;
    try {
      const out = execFileSync(process.execPath, [self, '--child', v.entry, v.bundle.file, String(dim), args.features ?? 'all'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      v.samples.push(JSON.parse(out));
    } catch (error) {
      v.error = String(error.stderr ?? error.message).split('\n').find((line) => /^\w*Error( \[\w+\])?: /.test(line)) ?? 'failed';
    }
  }
}
const bundleMiB = fs.statSync(bundles[0].file).size / 2 ** 20;
console.log(`# cold start — ${n}×${dim} F32 bundle (${bundleMiB.toFixed(1)} MiB, item_gram ${withGram ? 'shipped' : 'computed on load'}, features ${args.features ?? 'all (default)'}), ` +
  `median of ${runs} fresh node processes per variant, in turn; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| variant | bundle format | ids | import | createRecommender (wasm init + read + parse) | first recommend | total (target ≤ 50 ms) | fastest | process CPU |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const v of variants) {
  if (v.error) {
    console.log(`| ${v.label} | ${v.bundle.format} | ${v.bundle.ids} | fails: ${v.error} | | | | | |`);
    continue;
  }
  const median = (key) => v.samples.map((x) => x[key]).sort((a, b) => a - b)[Math.floor(v.samples.length / 2)];
  const total = median('totalMs');
  const fastest = Math.min(...v.samples.map((x) => x.totalMs));
  console.log(`| ${v.label} | ${v.bundle.format} | ${v.bundle.ids} | ${median('importMs').toFixed(1)} ms | ${median('loadMs').toFixed(1)} ms | ${median('firstQueryMs').toFixed(2)} ms | ` +
    `${total.toFixed(1)} ms ${total <= 50 ? 'PASS' : 'FAIL'} | ${fastest.toFixed(1)} ms | ${median('cpuMs').toFixed(1)} ms |`);
}
fs.rmSync(dir, { recursive: true, force: true });

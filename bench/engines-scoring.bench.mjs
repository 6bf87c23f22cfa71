// The scoring benchmark inside a page of each browser engine (tools/browsers.mjs: Chromium,
// Firefox, WebKit): top-k of zhixuan F32, F16 and I8 (the lean module, public API) side by side
// with tfjs-backend-wasm and onnxruntime-web (one thread each) in the same page, on the rows and
// queries of bench/scoring.bench.mjs. Timed samples interleave round by round (each contender
// once per round), so a machine that slows down mid-run slows all of them alike.
//
//   node bench/engines-scoring.bench.mjs [--engines chromium,firefox,webkit] [--sizes 10k,1M]
//        [--dim 64] [--k 10] [--rounds 11] [--warmup-ms 400] [--sample-ms 60] [--json FILE]
//
// ms/query: the median over rounds of one sample's wall time in the page (performance.now())
// divided by its queries (a sample runs enough queries to last --sample-ms, so coarse page
// clocks still resolve 10k-row queries). CPU ms/query: the CPU time of the browser's processes
// over the same sample (bench/lib/child-cpu.mjs), which on a shared machine leaves out the
// waits for a core; it includes the driver's call into the page (printed as "call CPU").
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { ENGINES, engineMissing, launchEngine } from '../tools/browsers.mjs';
import { cpuMsOf, descendants } from './lib/child-cpu.mjs';
import { startPageServer } from './lib/page-server.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const engines = (args.engines ?? ENGINES.join(',')).split(',');
const sizes = (args.sizes ?? '10k,1M').split(',').map((s) => Number(s.replace(/k$/i, 'e3').replace(/M$/i, 'e6')));
const dim = Number(args.dim ?? 64), k = Number(args.k ?? 10), rounds = Number(args.rounds ?? 11);
const warmupMs = Number(args['warmup-ms'] ?? 400), sampleMs = Number(args['sample-ms'] ?? 60);
const PEERS = ['tfjs-wasm', 'onnxruntime-web'];

const label = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => (x === null || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(1) : x >= 10 ? x.toFixed(2) : x.toPrecision(3));
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

const server = await startPageServer();
const results = [];
console.log(`# scoring in a page, ${engines.join(' / ')} — ${new Date().toISOString()}, ${os.cpus()[0]?.model.trim()}, ${os.cpus().length} cores`);
console.log(`# ${dim}-d rows, top-${k}, ${rounds} interleaved rounds after ${warmupMs} ms of warm-up per contender; samples of >= ${sampleMs} ms`);

for (const engine of engines) {
  const missing = engineMissing(engine);
  if (missing) { console.log(`\n## ${engine}: not installed here (${missing}), skipped`); continue; }
  const browser = await launchEngine(engine);
  try {
    for (const n of sizes) {
      const page = await browser.newPage();
      await page.goto(`${server.base}/bench/page/scoring.html`);
      await page.waitForFunction(() => window.zxBenchReady === true, null, { timeout: 60000 });
      const info = await page.evaluate(() => window.zxBench.info());
      const names = await page.evaluate(() => window.zxBench.names);
      const dataMs = await page.evaluate(({ n, dim }) => window.zxBench.makeData(n, dim), { n, dim });
      const prepared = {};
      for (const name of names) prepared[name] = await page.evaluate((name) => window.zxBench.prepare(name), name);
      await page.evaluate(() => window.zxBench.dropRows());
      const loaded = names.filter((name) => !prepared[name].error);
      const pids = descendants();
      const sample = async (name, reps, start) => {
        const c0 = cpuMsOf(pids);
        const out = await page.evaluate((a) => window.zxBench.sample(a), { name, reps, start, k });
        return { ...out, cpuMs: pids ? cpuMsOf(pids) - c0 : null };
      };
      // Warm-up by time (the engines tier hot wasm up in the background), then the sample size.
      const reps = {};
      for (const name of loaded) {
        const times = [];
        for (let spent = 0; times.length < 5 || spent < warmupMs; spent += times.at(-1)) times.push((await sample(name, 1, times.length)).ms);
        reps[name] = Math.max(1, Math.ceil(sampleMs / Math.max(Math.min(...times.slice(-5)), 0.01)));  // the fastest: waits only lengthen a query
      }
      const call = [];
      for (let i = 0; i < 5; i++) call.push((await sample(loaded[0], 0, 0)).cpuMs);
      const wall = new Map(loaded.map((name) => [name, []])), cpu = new Map(loaded.map((name) => [name, []]));
      for (let r = 0; r < rounds; r++) {
        for (const name of loaded) {
          const s = await sample(name, reps[name], r * reps[name]);
          wall.get(name).push(s.ms / reps[name]);
          if (s.cpuMs !== null) cpu.get(name).push(s.cpuMs / reps[name]);
        }
      }
      // Recall@10 against zhixuan F32's exact ranking, over 16 queries (untimed).
      const tops = {};
      for (const name of loaded) {
        tops[name] = [];
        for (let q = 0; q < 16; q++) tops[name].push((await page.evaluate((a) => window.zxBench.sample(a), { name, reps: 1, start: q, k })).rows);
      }
      const usesRelaxed = await page.evaluate(() => window.zxBench.usesI8DotKernel());
      await page.evaluate(() => window.zxBench.disposeAll());
      await page.close();

      const med = Object.fromEntries(loaded.map((name) => [name, { ms: median(wall.get(name)), cpuMs: cpu.get(name).length ? median(cpu.get(name)) : null }]));
      const reference = tops['zhixuan F32'];
      const recall = (name) => {
        if (!reference) return null;
        let hits = 0;
        tops[name].forEach((rows, i) => { const ref = new Set(reference[i]); hits += rows.filter((x) => ref.has(x)).length; });
        return hits / (tops[name].length * 10);
      };
      const peers = PEERS.filter((p) => med[p]);
      const bestPeer = (key) => (peers.length ? peers.reduce((a, b) => (med[b][key] < med[a][key] ? b : a)) : null);
      console.log(`\n## ${engine} ${browser.version}: N=${label(n)} d=${dim}, I8 kernel ${info.i8Kernel}${info.i8Kernel === 'relaxed-simd' ? ` (${usesRelaxed ? 'kept' : 'the SIMD128 kernel won the comparison and scores'})` : ''}; ` +
        `cross-origin isolated ${info.crossOriginIsolated}; data ${fmt(dataMs)} ms; call CPU ${fmt(median(call))} ms; ${uptime()}`);
      for (const name of names.filter((x) => prepared[x].error)) console.log(`- ${name} did not load: ${prepared[name].error}`);
      console.log(`| contender | prepare ms | queries/sample | ms/query | CPU ms/query | ${peers.map((p) => `time vs ${p} (wall / CPU)`).join(' | ')} | recall@10 vs zhixuan F32 |`);
      console.log(`|---|---|---|---|---|${peers.map(() => '---|').join('')}---|`);
      for (const name of loaded) {
        const m = med[name];
        const ratios = peers.map((p) => `${(m.ms / med[p].ms).toFixed(2)}× / ${m.cpuMs === null ? '—' : `${(m.cpuMs / med[p].cpuMs).toFixed(2)}×`}`);
        const r = recall(name);
        console.log(`| ${name}${prepared[name].note ? ` (${prepared[name].note})` : ''} | ${fmt(prepared[name].ms)} | ${reps[name]} | ${fmt(m.ms)} | ${fmt(m.cpuMs)} | ${ratios.join(' | ')} | ${r === null ? '—' : r.toFixed(3)} |`);
        results.push({ engine, version: browser.version, n, dim, k, name, ms: m.ms, cpuMs: m.cpuMs, reps: reps[name], recall: r, i8Kernel: info.i8Kernel, usesRelaxed });
      }
      const wallPeer = bestPeer('ms'), cpuPeer = bestPeer('cpuMs');
      if (n === 1e6 && wallPeer && med['zhixuan F32'] && med['zhixuan I8']) {
        const f32 = med['zhixuan F32'], i8 = med['zhixuan I8'];
        console.log(`- bars: F32 ${(f32.ms / med[wallPeer].ms).toFixed(2)}× the time of ${wallPeer} (wall), ` +
          `${cpuPeer && f32.cpuMs !== null ? `${(f32.cpuMs / med[cpuPeer].cpuMs).toFixed(2)}× of ${cpuPeer} (CPU)` : ''} (bar <= 1); ` +
          `I8 ${(med[wallPeer].ms / i8.ms).toFixed(2)}× faster than ${wallPeer} (wall)${cpuPeer && i8.cpuMs !== null ? `, ${(med[cpuPeer].cpuMs / i8.cpuMs).toFixed(2)}× (CPU)` : ''} (bar >= 3.5)`);
      }
    }
  } finally {
    await browser.close();
  }
}
await server.close();
if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 1));

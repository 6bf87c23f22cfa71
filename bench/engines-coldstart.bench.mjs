// Cold start of the course page (demo/) in each browser engine (tools/browsers.mjs): navigation
// start -> the first list rendered (the popularity list, shown once the catalog is in) -> the
// model ready -> the list rendered again with it (a first visit has no history, so that list
// is still the popular one; window.__zx.timings of demo/app.js, from navigation start).
// Every run is a first visit: a fresh server port is a new origin, so no HTTP cache, compiled
// wasm, IndexedDB or service worker carries over; one browser per engine stays open across
// runs, as a phone's browser or web view usually is when a link is opened.
//
//   node bench/engines-coldstart.bench.mjs [--engines chromium,firefox,webkit] [--runs 7]
//   (ZX_DEMO_PACKAGE / ZX_DEMO_DATA: another build of the package / another generated folder)
//
// CPU: the browser's processes over the whole load (bench/lib/child-cpu.mjs), the work done
// whatever the waits for a core on a shared machine.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { ENGINES, engineMissing, launchEngine } from '../tools/browsers.mjs';
import { ensureDemoData } from '../tools/demo-data.mjs';
import { startDemoServer } from '../demo/serve.mjs';
import { cpuMsOf, descendants } from './lib/child-cpu.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const engines = (args.engines ?? ENGINES.join(',')).split(',');
const runs = Number(args.runs ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f0 = (x) => (x === undefined || x === null ? '—' : x.toFixed(0));

ensureDemoData();
console.log(`# course page cold start (first visit), ${engines.join(' / ')} — ${new Date().toISOString()}, ${os.cpus()[0]?.model.trim()}, ${os.cpus().length} cores, ` +
  `median of ${runs} runs; ms after navigation start`);
console.log('| engine | first list (popularity) | model ready | list rendered with the model in | fastest first list | browser CPU over the load | uptime |');
console.log('|---|---|---|---|---|---|---|');
for (const engine of engines) {
  const missing = engineMissing(engine);
  if (missing) { console.log(`| ${engine} | not installed here: ${missing} | | | | | |`); continue; }
  const browser = await launchEngine(engine);
  const samples = [];
  try {
    for (let i = 0; i < runs; i++) {
      const server = await startDemoServer({ packageDir: process.env.ZX_DEMO_PACKAGE, dataDir: process.env.ZX_DEMO_DATA });
      const page = await browser.newPage();
      const pids = descendants();
      const c0 = cpuMsOf(pids);
      await page.goto(`${server.base}/`);
      await page.waitForFunction(() => Boolean(window.__zx?.timings?.ready), null, { timeout: 60000 });
      // With the processes started meanwhile (a renderer for the new origin): all their CPU is this load's.
      const cpuMs = pids ? cpuMsOf([...new Set([...pids, ...descendants()])]) - c0 : null;
      const t = await page.evaluate(() => ({ ...window.__zx.timings, state: document.body.dataset.state, errors: window.__zx.errors }));
      if (t.state !== 'model') throw new Error(`${engine}: the page ended in state ${t.state}: ${t.errors.join('; ')}`);
      samples.push({ ...t, cpuMs });
      await page.close();
      await server.close();
    }
  } finally {
    await browser.close();
  }
  const m = (key) => median(samples.map((s) => s[key]).filter((x) => x !== undefined && x !== null));
  console.log(`| ${engine} ${browser.version} | ${f0(m('firstList'))} | ${f0(m('modelReady'))} | ${f0(m('ready'))} | ` +
    `${f0(Math.min(...samples.map((s) => s.firstList)))} | ${f0(m('cpuMs'))} | ${execFileSync('uptime', { encoding: 'utf8' }).trim()} |`);
}

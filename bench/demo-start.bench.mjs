// `npm run demo`'s start, first run (demo/generated/federated is removed first, so the seed runs):
// the page's first HTTP 200, the page ready in Chromium (model + list), the metrics seed's end
// (its marker file), the CPU of the seed, the aggregation server and the page server until then
// (from /proc, sampled every 250 ms), and what the dashboard shows at that point.
//   node bench/demo-start.bench.mjs [scripts/demo.sh] [port, default 18180]
// Needs a build and the generated demo data (`npm run demo` once, or ZX_DEMO_SKIP_BUILD=1). To
// compare with another demo script (e.g. an older commit's), pass its path: A/B interleaved.
import { spawn, execSync } from 'node:child_process';
import { existsSync, rmSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../tools/chromium.mjs';
const root = fileURLToPath(new URL('..', import.meta.url));
const [script, port] = [process.argv[2] ?? 'scripts/demo.sh', Number(process.argv[3] ?? 18180)];
rmSync(`${root}/demo/generated/federated`, { recursive: true, force: true });
const marker = `${root}/demo/generated/federated/metrics-seeded.txt`;
const t0 = performance.now();
const child = spawn('bash', [script], { cwd: root, env: { ...process.env, ZX_DEMO_SKIP_BUILD: '1', PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => { out += d; });
child.stderr.on('data', (d) => { out += d; });
const since = () => ((performance.now() - t0) / 1000);
const ticks = Number(execSync('getconf CLK_TCK'));
const cpu = new Map();
function sample() {
  for (const line of execSync(`ps -o pid=,args= -g ${child.pid}`).toString().trim().split('\n')) {
    const [pid, ...args] = line.trim().split(/\s+/);
    const name = args.join(' ');
    const role = name.includes('seed-metrics') ? 'seed' : name.includes(' serve ') ? 'server' : name.includes('serve.mjs') ? 'demo' : null;
    if (!role || !name.startsWith('node')) continue;
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu.set(role, Math.max(cpu.get(role) ?? 0, (Number(f[11]) + Number(f[12])) / ticks));
    } catch {}
  }
}
const timer = setInterval(sample, 250);
let tPage = null;
while (tPage === null) {
  const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false);
  if (ok) tPage = since(); else await new Promise((r) => setTimeout(r, 50));
  if (since() > 120) throw new Error(`the page did not answer in 120 s: ${out}`);
}
const browser = await launchBrowser();
const page = await browser.context.newPage();
const p0 = performance.now();
await page.goto(`http://127.0.0.1:${port}/?nosw`);
await page.waitForFunction(() => ['model', 'fallback'].includes(document.body.dataset.state) && window.__zx?.timings?.ready, null, { timeout: 120000 });
const tReady = (performance.now() - p0) / 1000;
const state = await page.evaluate(() => document.body.dataset.state);
await browser.close();
while (!existsSync(marker)) { await new Promise((r) => setTimeout(r, 200)); if (since() > 900) break; }
const tSeed = since();
sample();
clearInterval(timer);
const token = /token=([0-9a-f]+)/.exec(out)?.[1];
const summary = await (await fetch(`http://127.0.0.1:${port + 1}/ops/api/summary`, { headers: { authorization: `Bearer ${token}` } })).json();
process.kill(-child.pid, 'SIGTERM');
const e = summary.experiments[0];
const ci = (m) => m ? `${m.value.toFixed(4)} [${m.low.toFixed(4)}, ${m.high.toFixed(4)}] noise share ${(m.noiseShare * 100).toFixed(0)}%` : 'n/a';
console.log(JSON.stringify({ script, pageHttp200_s: +tPage.toFixed(2), pageReadyChromium_s: +tReady.toFixed(2), state, seedDone_s: +tSeed.toFixed(1), cpu_s: Object.fromEntries([...cpu].map(([k, v]) => [k, +v.toFixed(1)])), reports: summary.reports, transport: summary.privacy.transport }));
for (const v of ['control', 'div03']) console.log(`   ${v}: CTR ${ci(e.totals[v].ctr)}; users ${e.totals[v].users?.toFixed?.(0)}`);
console.log('   verdict ctr:', e.comparisons[0].ctr.verdict, 'p', e.comparisons[0].ctr.sequentialP);

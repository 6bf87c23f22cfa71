// Off-policy evaluation checked on real logged bandit data: the Open Bandit Dataset sample
// (ZOZOTOWN, Saito et al. 2021; 10,000 impressions per behaviour policy and campaign). The BTS
// (Bernoulli Thompson sampling) policy's CTR is estimated by `zhixuan ope` from the uniform-random
// logs and compared with its own on-policy CTR in the BTS logs (the ground truth of the paper's
// evaluation). The BTS action distribution is Monte-Carlo'd from the ZOZOTOWN prior, as obp does
// (BernoulliTS(is_zozotown_prior=True).compute_batch_action_dist: top-3 of Beta draws by position).
//
//   node bench/obd-ope.mjs /work/data/obd [--bootstrap 500]
// The data path holds random/{men,women}/{men,women}.csv, bts/... and prior_bts.yaml, copied from
// github.com/st-tech/zr-obp (obd/ and obp/policy/conf/prior_bts.yaml). It is never committed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../tools/random.mjs';

const argv = process.argv.slice(2);
const dataPath = argv.find((a) => !a.startsWith('--'));
const bootstrap = Number(argv[argv.indexOf('--bootstrap') + 1]) || 500;
if (!dataPath || !existsSync(join(dataPath, 'random'))) {
  console.error('usage: node bench/obd-ope.mjs <obd data path> [--bootstrap N]   (random/, bts/, prior_bts.yaml from st-tech/zr-obp)');
  process.exit(2);
}

const nativeCli = fileURLToPath(new URL('../build/native/zhixuan', import.meta.url));
const wasmCli = fileURLToPath(new URL('../dist/zhixuan-cli.cjs', import.meta.url));
const cli = existsSync(nativeCli) ? [nativeCli] : ['node', wasmCli];

function readObd(file) {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const at = (name) => cols.indexOf(name);
  const [item, position, click, pscore] = ['item_id', 'position', 'click', 'propensity_score'].map(at);
  return lines.map((line) => {
    const f = line.split(',');
    return { item: f[item], position: f[position], click: Number(f[click]), pscore: Number(f[pscore]) };
  });
}

// prior_bts.yaml: campaign -> alpha/beta lists (the file's one shape; no YAML library needed).
function readPrior(file, campaign) {
  const prior = {};
  let current = null, list = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\S/.test(line)) current = line.replace(':', '').trim();
    else if (/^ {2}\w+:/.test(line) && current === campaign) prior[line.trim().replace(':', '')] = list = [];
    else if (/^ +- /.test(line) && current === campaign) list.push(Number(line.replace('-', '').trim()));
  }
  return prior;
}

// Beta(a, b) via two gammas (Marsaglia-Tsang), seeded.
function betaSampler(next) {
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const gamma = (shape) => {
    if (shape < 1) return gamma(shape + 1) * Math.pow(1 - next(), 1 / shape);
    const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x, v;
      do { x = normal(); v = 1 + c * x; } while (v <= 0);
      v = v * v * v;
      const u = 1 - next();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  return (a, b) => { const x = gamma(a); return x / (x + gamma(b)); };
}

function btsPolicy(prior, simulations = 100000) {
  const beta = betaSampler(rng(20211));
  const n = prior.alpha.length;
  const counts = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const draws = new Float64Array(n), order = [...Array(n).keys()];
  for (let s = 0; s < simulations; s++) {
    for (let a = 0; a < n; a++) draws[a] = beta(prior.alpha[a], prior.beta[a]);
    order.sort((x, y) => draws[y] - draws[x]);
    for (let p = 0; p < 3; p++) counts[p][order[p]] += 1;
  }
  const slots = {};
  counts.forEach((c, p) => {
    const dist = {};
    c.forEach((k, a) => { if (k > 0) dist[String(a)] = k / simulations; });
    const sum = Object.values(dist).reduce((x, y) => x + y, 0);
    for (const a of Object.keys(dist)) dist[a] /= sum;  // exact 1 after rounding
    slots[String(p + 1)] = { default: dist };
  });
  return { slots };
}

// The on-policy value and its 95% normal interval (the BTS logs' mean click).
function onPolicy(rows) {
  const n = rows.length, mean = rows.reduce((s, r) => s + r.click, 0) / n;
  const half = 1.96 * Math.sqrt(mean * (1 - mean) / n);
  return { value: mean, lo: mean - half, hi: mean + half, n };
}

const work = mkdtempSync(join(tmpdir(), 'zx-obd-'));
const fmt = (x) => x.toFixed(5);
const iv = (e) => `${fmt(e.value)} [${fmt(e.lo)}, ${fmt(e.hi)}]`;
try {
  console.log(`Open Bandit Dataset sample at ${dataPath}; BTS's CTR estimated from the uniform-random logs (${bootstrap} bootstrap resamples, 95%)`);
  console.log(`cli: ${cli.join(' ')}\n`);
  for (const campaign of ['men', 'women']) {
    const random = readObd(join(dataPath, 'random', campaign, `${campaign}.csv`));
    const bts = readObd(join(dataPath, 'bts', campaign, `${campaign}.csv`));
    const logs = join(work, `${campaign}-random.csv`), policy = join(work, `${campaign}-bts.json`);
    writeFileSync(logs, 'slot,action,reward,propensity\n' + random.map((r) => `${r.position},${r.item},${r.click},${r.pscore}`).join('\n') + '\n');
    writeFileSync(policy, JSON.stringify(btsPolicy(readPrior(join(dataPath, 'prior_bts.yaml'), campaign))));
    const t0 = performance.now();
    const run = spawnSync(cli[0], [...cli.slice(1), 'ope', '--logs', logs, '--policy', policy, '--bootstrap', String(bootstrap), '--json'], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`zhixuan ope failed: ${run.stderr}`);
    const ms = performance.now() - t0;
    const { results } = JSON.parse(run.stdout);
    console.log(`${campaign}: ${random.length} uniform-random impressions (logged CTR ${fmt(results.at(-1).logged)}), ${bts.length} BTS impressions; ope ${ms.toFixed(0)} ms`);
    console.log(`  ${'position'.padEnd(10)} ${'BTS on-policy (truth)'.padEnd(30)} ${'replay'.padEnd(30)} ${'ipw'.padEnd(30)} ${'snipw'.padEnd(30)} ${'dr'.padEnd(30)} rel.err(dr)`);
    for (const r of results) {
      const truth = onPolicy(r.slot === '*' ? bts : bts.filter((b) => b.position === r.slot));
      const rel = (r.dr.value - truth.value) / truth.value;
      console.log(`  ${(r.slot === '*' ? 'overall' : r.slot).padEnd(10)} ${iv(truth).padEnd(30)} ${iv(r.replay).padEnd(30)} ${iv(r.ipw).padEnd(30)} ${iv(r.snipw).padEnd(30)} ${iv(r.dr).padEnd(30)} ${(100 * rel).toFixed(1)}%`);
    }
    const all = results.at(-1);
    console.log(`  interval width (overall): ipw ${fmt(all.ipw.hi - all.ipw.lo)}, snipw ${fmt(all.snipw.hi - all.snipw.lo)}, dr ${fmt(all.dr.hi - all.dr.lo)} = ${(100 * (all.dr.hi - all.dr.lo) / all.dr.value).toFixed(0)}% of the estimate; replay matched ${all.replayMatches} renders\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// NDCG@100 against epsilon with the distributed discrete Gaussian through secure aggregation,
// beside central noise: the same start model, the same clients each round, the same noise
// multipliers (so the same epsilon), two `zhixuan simulate` runs against the real server.
// Usage (repo root, after the native build): node bench/secagg-quality.mjs --split DIR
//   [--noise 0.5,1,2] [--rounds 10] [--clients 20] [--clip 1] [--lr 1] [--dim 64]
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { nativeCli } from '../tests/js/cli-helpers.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (v.startsWith('--') ? [...acc, [v.slice(2), all[i + 1]]] : acc), []));
if (!args.split) { console.error('usage: node bench/secagg-quality.mjs --split DIR [--noise 0.5,1,2] [--rounds 10] [--clients 20]'); process.exit(2); }
if (!nativeCli) { console.error('the native CLI is not built (bash scripts/build.sh)'); process.exit(2); }
const common = ['simulate', '--split', args.split, '--dim', args.dim ?? '64', '--clients-per-round', args.clients ?? '20',
  '--rounds', args.rounds ?? '10', '--clip', args.clip ?? '1', '--server-lr', args.lr ?? '1', '--noise', args.noise ?? '0.5,1,2'];
const run = promisify(execFile);

function rows(stdout) {
  return stdout.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|').map((c) => c.trim()).slice(1, -1));
}

console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const results = {};
for (const [name, extra] of [['central', []], ['secure', ['--secure-aggregation']]]) {
  const t0 = Date.now();
  const { stdout } = await run(nativeCli.file, [...common, ...extra], { maxBuffer: 64 << 20 });
  results[name] = rows(stdout).filter((r) => r[0].startsWith('federated'));
  console.log(`${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (name === 'central') for (const r of rows(stdout).filter((r) => !r[0].startsWith('federated') && !r[0].startsWith('model') && !r[0].startsWith('-'))) console.log(`  ${r[0]}: NDCG@100 ${r[3]}`);
}
console.log(`\n${common.slice(1).join(' ')}`);
console.log('| sigma | epsilon | NDCG@100 central noise | NDCG@100 distributed (secure) | difference |');
console.log('|---|---|---|---|---|');
results.central.forEach((c, i) => {
  const s = results.secure[i];
  const sigma = c[0].match(/noise (\S+)/)[1];
  console.log(`| ${sigma} | ${c[5]} | ${c[3]} | ${s[3]} | ${(Number(s[3]) - Number(c[3])).toFixed(4)} |`);
});

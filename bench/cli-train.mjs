// Training with the command line: the native binary against the wasm build the package ships
// (dist/zhixuan-cli.cjs, what `npx zhixuan train` runs from an installed package), on the same
// interactions and options, runs interleaved. Per CLI: the trainer's own "training took" figure
// (epochs only) and the whole command (parse, train, extras, bundle written) in wall and CPU
// seconds (/usr/bin/time), the median of the runs; then wasm / native.
//
//   node bench/cli-train.mjs DATA.csv [--runs 3] [--dim 128] [--epochs 10] [--native build/native/zhixuan]
//     [--tune N]   `train --tune` limited to N training runs (--trials N: the same search in both CLIs)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [data, ...rest] = process.argv.slice(2);
const opts = { runs: '3', dim: '128', epochs: '10', native: path.join(repoRoot, 'build', 'native', 'zhixuan') };
for (let i = 0; i < rest.length; i += 2) opts[rest[i].replace(/^--/, '')] = rest[i + 1];
if (!data || !fs.existsSync(data)) {
  console.error('usage: node bench/cli-train.mjs DATA.csv [--runs 3] [--dim 128] [--epochs 10] [--native PATH]');
  process.exit(2);
}
const wasmCli = path.join(repoRoot, 'dist', 'zhixuan-cli.cjs');
for (const file of [opts.native, wasmCli]) {
  if (!fs.existsSync(file)) {
    console.error(`missing ${file}: run \`npm run build\` first`);
    process.exit(2);
  }
}

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zx-cli-train-')), 'model.safetensors');
const train = ['train', '--interactions', data, '--out', out, '--dim', opts.dim, '--epochs', opts.epochs,
  ...(opts.tune ? ['--tune', '--trials', opts.tune, '--budget', '1000m', '--seed', '1'] : [])];
const contenders = [
  { name: 'native, 1 thread', command: [opts.native, ...train, '--threads', '1'] },
  { name: `native, all cores (${os.availableParallelism?.() ?? os.cpus().length})`, command: [opts.native, ...train, '--threads', '0'] },
  { name: 'wasm (node, 1 thread)', command: [process.execPath, wasmCli, ...train] },
];

function runOnce(command) {
  const run = spawnSync('/usr/bin/time', ['-f', 'ZX_TIME %e %U %S', ...command], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${command.join(' ')} failed:\n${run.stderr}`);
  const [, wall, user, sys] = run.stderr.match(/ZX_TIME (\S+) (\S+) (\S+)/).map(Number);
  const training = Number(run.stdout.match(/training took (\S+) s/)[1]);
  return { training, wall, cpu: user + sys };
}

const results = contenders.map(() => []);
for (let r = 0; r < Number(opts.runs); r++) {
  contenders.forEach((c, i) => results[i].push(runOnce(c.command)));
}
const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = results.map((runs) => ({
  training: median(runs.map((x) => x.training)), wall: median(runs.map((x) => x.wall)), cpu: median(runs.map((x) => x.cpu)),
}));
console.log(opts.tune ? `zhixuan train --tune --trials ${opts.tune} on ${path.basename(data)}, median of ${opts.runs} interleaved runs`
  : `zhixuan train on ${path.basename(data)}, d=${opts.dim}, ${opts.epochs} epochs, median of ${opts.runs} interleaved runs`);
console.log('| CLI | training (s) | whole command, wall (s) | whole command, CPU (s) |');
console.log('|---|---|---|---|');
contenders.forEach((c, i) => {
  const s = summary[i];
  console.log(`| ${c.name} | ${s.training.toFixed(2)} | ${s.wall.toFixed(2)} | ${s.cpu.toFixed(2)} |`);
});
const [native1, , wasm] = summary;
console.log(`wasm / native (1 thread): training ${(wasm.training / native1.training).toFixed(2)}x, ` +
  `whole command CPU ${(wasm.cpu / native1.cpu).toFixed(2)}x`);
console.log(`load average: ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`);
fs.rmSync(path.dirname(out), { recursive: true, force: true });

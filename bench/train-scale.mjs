// Training at scale (issue 18): `zhixuan train` (the native CLI) on interaction files of growing
// size, each under /usr/bin/time -v: seconds per epoch (the trainer's own figure), the whole
// command's wall time (read, index, train, extras, bundle), peak memory, and the load average
// beside each. Then a least-squares fit of seconds per epoch = a * interactions + b * users +
// c * items over the runs, to say how the time grows with each (give files that vary them apart).
// Generate the files with tools/synthetic-interactions.mjs (data is never committed). `--save F`
// writes the runs as JSON; `--add F` (repeatable) fits over earlier saved runs too, so a big run
// measured on its own joins the fit of the small ones.
//
//   node bench/train-scale.mjs A.csv B.csv ... [--dim 64] [--epochs 3] [--threads 0] [--native build/native/zhixuan]
//        [--save runs.json] [--add earlier.json]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = [];
const added = [];
const opts = { dim: '64', epochs: '3', threads: '0', native: path.join(repoRoot, 'build', 'native', 'zhixuan') };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--add') added.push(...JSON.parse(fs.readFileSync(argv[++i], 'utf8')));
  else if (argv[i].startsWith('--')) opts[argv[i].slice(2)] = argv[++i];
  else files.push(argv[i]);
}
if ((files.length === 0 && added.length === 0) || !files.every((f) => fs.existsSync(f)) || !fs.existsSync(opts.native)) {
  console.error('usage: node bench/train-scale.mjs DATA.csv... [--dim 64] [--epochs 3] [--threads 0] [--native PATH]');
  process.exit(2);
}

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-train-scale-'));
const runs = [];
for (const file of files) {
  const load = os.loadavg()[0];
  const command = [opts.native, 'train', '--interactions', file, '--out', path.join(outDir, 'model.safetensors'),
    '--dim', opts.dim, '--epochs', opts.epochs, '--threads', opts.threads];
  const run = spawnSync('/usr/bin/time', ['-v', ...command], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`${command.join(' ')} failed:\n${run.stderr}`);
  const shape = run.stdout.match(/trained (\d+) users x (\d+) items \((\d+) interactions\)/);
  const perEpoch = Number(run.stdout.match(/\(([\d.]+) s\/epoch\)/)[1]);
  const wall = run.stderr.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/);
  const wallSeconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  const peakMb = Number(run.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/)[1]) / 1024;
  const r = { file: path.basename(file), users: Number(shape[1]), items: Number(shape[2]), nnz: Number(shape[3]), perEpoch,
    wallSeconds, peakMb, load, loadAfter: os.loadavg()[0] };
  runs.push(r);
  for (const line of run.stderr.split('\n').filter((l) => l.startsWith('training '))) console.log(`  ${line}`);
  console.log(`${r.file}: ${r.nnz} interactions, ${r.users} users, ${r.items} items: ${perEpoch.toFixed(2)} s/epoch, ` +
    `command ${wallSeconds.toFixed(1)} s wall, peak ${peakMb.toFixed(0)} MB (load ${load.toFixed(2)} -> ${r.loadAfter.toFixed(2)})`);
}
fs.rmSync(outDir, { recursive: true, force: true });
if (opts.save) fs.writeFileSync(opts.save, JSON.stringify(runs, null, 1));
runs.push(...added);

// Least squares for [a, b, c] in perEpoch = a * nnz + b * users + c * items (normal equations).
if (runs.length >= 3) {
  const x = runs.map((r) => [r.nnz, r.users, r.items]);
  const y = runs.map((r) => r.perEpoch);
  const scale = [1e6, 1e6, 1e6];  // per million, so the system is well conditioned
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]], v = [0, 0, 0];
  for (let k = 0; k < runs.length; k++) {
    for (let i = 0; i < 3; i++) {
      v[i] += (x[k][i] / scale[i]) * y[k];
      for (let j = 0; j < 3; j++) m[i][j] += (x[k][i] / scale[i]) * (x[k][j] / scale[j]);
    }
  }
  // Gaussian elimination with partial pivoting.
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    [v[c], v[p]] = [v[p], v[c]];
    for (let r = c + 1; r < 3; r++) {
      const f = m[r][c] / m[c][c];
      for (let j = c; j < 3; j++) m[r][j] -= f * m[c][j];
      v[r] -= f * v[c];
    }
  }
  const coef = [0, 0, 0];
  for (let r = 2; r >= 0; r--) coef[r] = (v[r] - m[r].slice(r + 1).reduce((s, q, j) => s + q * coef[r + 1 + j], 0)) / m[r][r];
  console.log(`fit (d=${opts.dim}): s/epoch = ${coef[0].toFixed(3)} x interactions/1M + ${coef[1].toFixed(3)} x users/1M + ` +
    `${coef[2].toFixed(3)} x items/1M`);
  for (const r of runs) {
    const predicted = (coef[0] * r.nnz + coef[1] * r.users + coef[2] * r.items) / 1e6;
    console.log(`  ${r.file}: measured ${r.perEpoch.toFixed(2)}, fitted ${predicted.toFixed(2)} s/epoch`);
  }
}

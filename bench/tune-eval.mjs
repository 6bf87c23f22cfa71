// `zhixuan train --tune` against EASE tuned on the same validation users, then both on the test
// split, which is read once at the end (EVALUATION.md protocol).
//   1. train --tune on SPLIT/train.csv only (validation users cut from it), bundle kept;
//   2. eval --split SPLIT --model BUNDLE --ease-lambda <the lambda the tuner chose for EASE>:
//      popularity, EASE(tuned lambda) and the tuned model's device fold-in on the test users;
//   3. the same eval with the CLI defaults (no tuning) for reference.
//
//   node bench/tune-eval.mjs SPLIT_DIR [--budget 60s] [--seed 42] [--cli native|wasm] [--trials N] [--ease-budget T]
//                            [--max-dim D] [--threads T]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [split, ...rest] = process.argv.slice(2);
const opts = { budget: '60s', seed: '42', cli: 'native' };
for (let i = 0; i < rest.length; i += 2) opts[rest[i].replace(/^--/, '')] = rest[i + 1];
if (!split || !fs.existsSync(path.join(split, 'train.csv'))) {
  console.error('usage: node bench/tune-eval.mjs SPLIT_DIR [--budget 60s] [--seed 42] [--cli native|wasm] [--trials N] [--ease-budget T] [--max-dim D] [--threads T]');
  process.exit(2);
}
const cli = opts.cli === 'wasm' ? [process.execPath, path.join(repoRoot, 'dist', 'zhixuan-cli.cjs')]
  : [path.join(repoRoot, 'build', 'native', 'zhixuan')];
function zhixuan(...args) {
  const started = process.hrtime.bigint();
  const run = spawnSync(cli[0], [...cli.slice(1), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`zhixuan ${args.join(' ')} exited ${run.status}:\n${run.stderr}`);
  return { ...run, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
function manifestOf(file) {
  const bytes = fs.readFileSync(file);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  return JSON.parse(header.__metadata__['zhixuan.manifest']);
}
const row = (stdout, name) => stdout.split('\n').find((l) => l.startsWith(`| ${name}`));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-tune-eval-'));
const model = path.join(dir, 'tuned.safetensors');
const trainArgs = ['train', '--tune', '--interactions', path.join(split, 'train.csv'), '--out', model, '--budget', opts.budget,
  '--seed', opts.seed, ...(opts.trials ? ['--trials', opts.trials] : []),
  ...(opts['ease-budget'] ? ['--ease-budget', opts['ease-budget']] : []),
  ...(opts['max-dim'] ? ['--max-dim', opts['max-dim']] : []), ...(opts.threads ? ['--threads', opts.threads] : [])];
const tuned = zhixuan(...trainArgs);
const tune = manifestOf(model).tune;
console.log(`$ zhixuan ${trainArgs.join(' ')}   (${opts.cli} CLI, ${tuned.seconds.toFixed(1)} s wall in all)`);
console.log(tuned.stdout.trim());
if (!tune.ease?.lambda) console.log(`EASE was not tuned on validation (${tune.ease?.skipped}): lambda 100 on the test split`);
const lambda = tune.ease?.lambda ?? 100;
const test = zhixuan('eval', '--split', split, '--model', model, '--ease-lambda', String(lambda),
  ...(opts.threads ? ['--threads', opts.threads] : []));
const defaults = zhixuan('eval', '--split', split, '--no-ease', '--seed', opts.seed,
  ...(opts.threads ? ['--threads', opts.threads] : []));
console.log(`\ntest split (read once): ${test.stdout.split('\n')[0]}`);
console.log('| model | Recall@20 | Recall@50 | NDCG@100 |');
console.log('|---|---|---|---|');
const show = (label, line) => {
  const [r20, r50, n100] = line.split('|').slice(2, 5).map((v) => Number(v).toFixed(4));
  console.log(`| ${label} | ${r20} | ${r50} | ${n100} |`);
  return Number(n100);
};
show('popularity', row(test.stdout, 'popularity'));
const ease = show(`EASE, lambda=${Number(lambda).toPrecision(3)} (tuned on validation)`, row(test.stdout, 'EASE'));
show('iALS CLI defaults, device fold-in', row(defaults.stdout, 'iALS'));
const ials = show('**iALS --tune, device fold-in**', row(test.stdout, `model ${model}`));
console.log(`\ntest NDCG@100: --tune ${ials >= ease ? '>=' : '<'} tuned EASE (${(ials - ease >= 0 ? '+' : '') + (ials - ease).toFixed(4)}); ` +
  `validation (EASE's ${tune.ease?.cuts ?? 0} cut(s)): tuned iALS ${tune.chosen_on_ease_cuts?.ndcg100?.toFixed(4)} vs EASE ` +
  `${tune.ease?.ndcg100?.toFixed(4)}`);
console.log(`load average: ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`);
fs.rmSync(dir, { recursive: true, force: true });

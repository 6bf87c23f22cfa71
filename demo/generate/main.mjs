#!/usr/bin/env node
// Generates the sample course platform into a folder (default demo/generated/):
//   catalog.json       320 courses + `popular` (the cold-start list shipped with the catalog)
//   interactions.csv   synthetic learners (user,item,weight,ts), see interactions.mjs
//   users.json         each synthetic user's latent clusters, tier and channel (for the docs/tests)
//   model.safetensors  trained by the project's own `zhixuan train` (js/bin/zhixuan.js: the
//                      native CLI build/native/zhixuan, or $ZHIXUAN_CLI / --trainer PATH);
//                      then segments.mjs adds the latent clusters as named profile segments
//   meta.json          seed, sizes, the trainer
// Usage: node demo/generate/main.mjs [--out DIR] [--seed N] [--force] [--trainer PATH]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCatalog } from './catalog.mjs';
import { generateInteractions, interactionsCsv, popularityRanking } from './interactions.mjs';
import { addSegments } from './segments.mjs';

const repoRoot = resolve(new URL('../..', import.meta.url).pathname);
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'demo', 'generated') },
    seed: { type: 'string', default: '2026' },
    force: { type: 'boolean', default: false },
    trainer: { type: 'string' },  // a zhixuan CLI binary; default: whatever `zhixuan` (js/bin) runs
  },
});
const out = resolve(values.out);
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
if (!values.force && existsSync(join(out, 'meta.json')) && existsSync(join(out, 'model.safetensors'))) {
  const previous = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
  // Data from an older generator (whose model came from a JS stand-in trainer) is made again.
  if (previous.seed === seed && previous.trainedBy === 'zhixuan train' && previous.segments) {
    console.log(`demo data already in ${out} (model by ${previous.trainedBy}; use --force to regenerate)`);
    process.exit(0);
  }
}
mkdirSync(out, { recursive: true });
// The demo aggregation server's state belongs to the old model: start it afresh.
rmSync(join(out, 'federated'), { recursive: true, force: true });

// Writes through a temporary file so an interrupted run never leaves half a file.
function writeAtomic(path, data) {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

const modelVersion = `demo-${seed}-v1`;
const catalog = generateCatalog(seed);
const { rows, users } = generateInteractions(catalog, { seed: seed + 1 });
catalog.popular = popularityRanking(rows, 40);
writeAtomic(join(out, 'catalog.json'), JSON.stringify(catalog));
writeAtomic(join(out, 'interactions.csv'), interactionsCsv(rows));
writeAtomic(join(out, 'users.json'), JSON.stringify(users));

const modelPath = join(out, 'model.safetensors');
// The project's CLI, as `npx zhixuan train` runs it (js/bin/zhixuan.js picks the build).
const cli = join(repoRoot, 'js', 'bin', 'zhixuan.js');
const args = ['train', '--interactions', join(out, 'interactions.csv'), '--catalog', join(out, 'catalog.json'),
  '--out', `${modelPath}.tmp`, '--dim', '32', '--seed', String(seed), '--model-version', modelVersion];
const env = values.trainer ? { ...process.env, ZHIXUAN_CLI: resolve(values.trainer) } : process.env;
const run = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env });
if (run.status !== 0 || !existsSync(`${modelPath}.tmp`)) {
  rmSync(`${modelPath}.tmp`, { force: true });
  console.error(`demo/generate: \`zhixuan ${args.join(' ')}\` failed (exit ${run.status ?? run.signal}).\n` +
    'The sample model is trained by the project\'s CLI: build it first (`bash scripts/build.sh`, or `npm run build`), ' +
    'or pass --trainer PATH (or ZHIXUAN_CLI) naming a zhixuan binary.');
  process.exit(1);
}
renameSync(`${modelPath}.tmp`, modelPath);
const trainedBy = 'zhixuan train';
let segments = false;
try {
  writeAtomic(modelPath, await addSegments(readFileSync(modelPath), rows, users));
  segments = true;
} catch (error) {
  console.warn(`segments not added (${error.message}); run \`npm run build\` first for the wasm core`);
}
const model = readFileSync(modelPath);
const meta = { seed, courses: catalog.items.length, users: users.length, interactions: rows.length, trainedBy, segments, modelBytes: model.length };
writeAtomic(join(out, 'meta.json'), JSON.stringify(meta, null, 2));
console.log(`demo data in ${out}: ${meta.courses} courses, ${meta.users} users, ${meta.interactions} interactions, model by ${trainedBy} (${meta.modelBytes} bytes)`);

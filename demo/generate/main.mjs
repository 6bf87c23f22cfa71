#!/usr/bin/env node
// Generates the sample course platform into a folder (default demo/generated/):
//   catalog.json       320 courses + `popular` (the cold-start list shipped with the catalog)
//   interactions.csv   synthetic learners (user,item,weight,ts), see interactions.mjs
//   users.json         each synthetic user's latent clusters, tier and channel (for the docs/tests)
//   model.safetensors  trained by `zhixuan train` (build/native/zhixuan), or by the JS
//                      fallback trainer while the CLI is not built; then segments.mjs adds the
//                      latent clusters as named profile segments
//   meta.json          seed, sizes, which trainer ran
// Usage: node demo/generate/main.mjs [--out DIR] [--seed N] [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCatalog } from './catalog.mjs';
import { generateInteractions, interactionsCsv, popularityRanking } from './interactions.mjs';
import { trainFallbackBundle } from './train-fallback.mjs';
import { addSegments } from './segments.mjs';

const repoRoot = resolve(new URL('../..', import.meta.url).pathname);
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'demo', 'generated') },
    seed: { type: 'string', default: '2026' },
    force: { type: 'boolean', default: false },
    trainer: { type: 'string', default: process.env.ZHIXUAN_CLI ?? join(repoRoot, 'build', 'native', 'zhixuan') },
  },
});
const out = resolve(values.out);
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
if (!values.force && existsSync(join(out, 'meta.json')) && existsSync(join(out, 'model.safetensors'))) {
  const previous = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
  // A model from the fallback trainer is replaced once the native CLI has been built.
  if (previous.seed === seed && !(previous.trainedBy === 'fallback' && existsSync(values.trainer))) {
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
let trainedBy = 'fallback';
if (existsSync(values.trainer)) {
  const args = ['train', '--interactions', join(out, 'interactions.csv'), '--catalog', join(out, 'catalog.json'),
    '--out', `${modelPath}.tmp`, '--dim', '32', '--model-version', modelVersion];
  const run = spawnSync(values.trainer, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status === 0 && existsSync(`${modelPath}.tmp`)) {
    renameSync(`${modelPath}.tmp`, modelPath);
    trainedBy = 'zhixuan train';
  } else {
    console.warn(`${values.trainer} ${args.join(' ')} failed (exit ${run.status}); using the JS fallback trainer`);
  }
}
if (trainedBy === 'fallback') {
  writeAtomic(modelPath, trainFallbackBundle(rows, catalog.items.map((item) => item.id), { modelVersion, seed }));
}
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

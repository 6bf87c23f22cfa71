// The I8 kernels (js/kernels/i8-dot.js): the relaxed-SIMD kernel's scores are the integer
// arithmetic exactly, the core keeps its SIMD128 kernel where relaxed SIMD is missing, and
// both kernels give the same scores, so the same rankings. This process (Node 20) has no
// relaxed SIMD; the relaxed side runs in Node 22 from npm (scripts/ensure-toolchain.sh puts it
// in .cache/node22; ZHIXUAN_NODE22 names another), and the test skips without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { i8DotRelaxed } from '../../dist/zhixuan-kernels.mjs';
import { init } from '../../js/core.js';
import { packageRankings } from './i8-kernel-cases.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const node22 = process.env.ZHIXUAN_NODE22 ?? path.join(root, '.cache/node22/node_modules/.bin/node');
const nodeMajor = Number(process.versions.node.split('.')[0]);

test('the core keeps its SIMD128 kernel where the engine lacks relaxed SIMD, and takes the relaxed one where it has it', async () => {
  const relaxed = WebAssembly.validate(i8DotRelaxed);
  // Node 20 ships relaxed SIMD only behind a flag (whose dot gave wrong results in a probe).
  if (nodeMajor <= 20 && !process.execArgv.some((a) => a.includes('relaxed-simd'))) assert.equal(relaxed, false);
  const core = await init({ features: [] });
  assert.equal(core.i8Kernel, relaxed ? 'relaxed-simd' : 'simd128');
});

function runInNode22() {
  const child = spawnSync(node22, [path.join(root, 'tests/js/i8-kernel-cases.mjs')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

const skipNoNode22 = fs.existsSync(node22) ? false : `no Node 22 at ${node22} (scripts/ensure-toolchain.sh installs it)`;

test('the relaxed kernel equals the integer reference exactly, edge values of rows and digits included (Node 22)', { skip: skipNoNode22 }, () => {
  const report = runInNode22();
  assert.ok(Number(report.node.slice(1).split('.')[0]) >= 22, report.node);
  assert.equal(report.validates, true);
  assert.equal(report.i8Kernel, 'relaxed-simd');
  assert.equal(report.kernel.checked, 4 * 40);
  assert.deepEqual(report.kernel.mismatches, []);
});

test('the relaxed kernel (Node 22) and the SIMD128 kernel (here) give the same scores and rankings', { skip: skipNoNode22 }, async () => {
  const core = await init({ features: [] });
  assert.equal(core.i8Kernel, 'simd128', 'this side must run the fallback for the comparison to mean anything');
  const relaxed = runInNode22();
  const simd128 = await packageRankings();
  assert.equal(relaxed.i8Kernel, 'relaxed-simd');
  assert.equal(relaxed.rankings.length, simd128.length);
  for (const [i, want] of simd128.entries()) {
    const got = relaxed.rankings[i];
    assert.deepEqual(got.ids, want.ids, `dim ${want.dim}, query ${i % 2}: ranking`);
    assert.deepEqual(got.scores, want.scores, `dim ${want.dim}, query ${i % 2}: scores`);
  }
  // The duplicated row ties with its original and follows it.
  const first = simd128[0].ids;
  assert.ok(first.indexOf('item5') < first.indexOf('item40'));
});

// `zhixuan train --tune` through the native CLI and the wasm CLI the package ships
// (cli-helpers.js; one that is not built skips): bad budgets are named errors, a budget of 0
// keeps the defaults, a fixed seed and run count give the same model, and the manifest records
// the search (chosen values, validation score, the tuned EASE reference). Both CLIs given the
// same seed choose the same values and ship the same model up to float rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeCli, wasmCli } from './cli-helpers.js';

const clis = [['native', nativeCli], ['wasm', wasmCli]];

// 240 users in 4 taste groups over 100 items (LCG): small enough that every candidate is d=32.
function interactions() {
  let state = 777;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = ['user,item'];
  for (let u = 0; u < 240; u++) {
    const items = new Set();
    while (items.size < 8 + Math.floor(next() * 12)) items.add(next() < 0.85 ? (u % 4) * 25 + Math.floor(next() * 25) : Math.floor(next() * 100));
    for (const item of items) rows.push(`u${u},m${item}`);
  }
  return rows.join('\n') + '\n';
}

function headerOf(bytes) {
  const length = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')), dataStart: 8 + length };
}

function manifestOf(file) {
  return JSON.parse(headerOf(fs.readFileSync(file)).header.__metadata__['zhixuan.manifest']);
}

function f32Tensor(file, name) {
  const bytes = fs.readFileSync(file);
  const { header, dataStart } = headerOf(bytes);
  const t = header[name];
  assert.equal(t?.dtype, 'F32', `${name} in ${file}`);
  const [begin, end] = t.data_offsets;
  const copy = bytes.subarray(dataStart + begin, dataStart + end);
  return { shape: t.shape, values: new Float32Array(copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength)) };
}

for (const [name, cli] of clis) {
  const run = (dir, ...args) => spawnSync(cli.file, [...cli.args, 'train', '--interactions', path.join(dir, 'train.csv'), ...args],
    { encoding: 'utf8' });
  const withDir = (body) => () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-tune-'));
    try {
      fs.writeFileSync(path.join(dir, 'train.csv'), interactions());
      body(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const skip = !cli && `the ${name} CLI is not built`;

  test(`${name} \`zhixuan train --tune\` names a bad budget`, { skip }, withDir((dir) => {
    const out = path.join(dir, 'm.safetensors');
    for (const budget of ['-1', 'abc', '10x', '']) {
      const r = run(dir, '--out', out, '--tune', '--budget', budget);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /INVALID_ARGUMENT.*--budget must be a duration >= 0/, r.stderr);
    }
    const r = run(dir, '--out', out, '--budget', '5s');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--budget, --trials, --ease-budget and --max-dim need --tune/);
    assert.match(run(dir, '--out', out, '--max-dim', '512').stderr, /--max-dim need --tune/);
    assert.equal(run(dir, '--out', out, '--tune', '--trials', '-2').status, 2);
    for (const dim of ['16', '2048', 'x']) assert.equal(run(dir, '--out', out, '--tune', '--max-dim', dim).status, 2, dim);
    assert.ok(!fs.existsSync(out), 'a refused run writes no bundle');
  }));

  test(`${name} \`zhixuan train --tune --budget 0\` keeps the defaults`, { skip }, withDir((dir) => {
    const out = path.join(dir, 'm.safetensors');
    const r = run(dir, '--out', out, '--tune', '--budget', '0', '--dim', '8', '--epochs', '3');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no search \(budget 0s\): the defaults are kept/);
    const m = manifestOf(out);
    assert.equal(m.tune.searched, false);
    assert.equal(m.tune.runs, 0);
    assert.equal(m.dim, 8);
    assert.equal(m.training.epochs, 3);
  }));

  test(`${name} \`zhixuan train --tune\` with a seed and a run count is reproducible and records the search`, { skip }, withDir((dir) => {
    const args = ['--tune', '--trials', '5', '--budget', '10m', '--seed', '3', '--segments', '0', '--also-bought-k', '0'];
    const a = run(dir, '--out', path.join(dir, 'a.safetensors'), ...args);
    const b = run(dir, '--out', path.join(dir, 'b.safetensors'), ...args);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    // Progress on stderr: not a terminal here, so one plain line per training run.
    assert.equal(a.stderr.split('\n').filter((l) => /^tune run \d+ /.test(l)).length, 5, a.stderr);
    const ma = manifestOf(path.join(dir, 'a.safetensors')), mb = manifestOf(path.join(dir, 'b.safetensors'));
    assert.equal(ma.model_version, mb.model_version, 'the same factors (model_version hashes them)');
    assert.deepEqual(ma.tune.chosen, mb.tune.chosen);
    assert.deepEqual(ma.tune.validation, mb.tune.validation);
    const t = ma.tune;
    assert.equal(t.searched, true);
    assert.equal(t.runs, 5);
    assert.equal(t.stopped_by, 'trials');
    for (const key of ['dim', 'epochs', 'reg', 'item_reg', 'alpha', 'unobserved_weight', 'reg_exponent']) assert.equal(typeof t.chosen[key], 'number', key);
    // What was chosen is what was shipped.
    assert.equal(ma.dim, t.chosen.dim);
    assert.equal(ma.training.epochs, t.chosen.epochs);
    assert.ok(Math.abs(ma.foldin.reg - t.chosen.reg) <= 1e-6 * t.chosen.reg);
    assert.ok(Math.abs(ma.foldin.unobserved_weight - t.chosen.unobserved_weight) <= 1e-6 * t.chosen.unobserved_weight);
    assert.ok(t.validation.ndcg100 > 0 && t.validation.ndcg100 <= 1);
    assert.ok(t.validation.users > 0);
    assert.ok(t.ease.lambda > 0 && t.ease.ndcg100 > 0, JSON.stringify(t.ease));
    assert.equal(t.ahead_of_ease, t.validation.ndcg100 >= t.ease.ndcg100);
    assert.match(a.stdout, /\| EASE lambda=\S+ \(tuned\)/);
    assert.match(a.stdout, /the shipped model is (ahead of|BEHIND) EASE on validation/);
  }));
}

/**
 * Two bundles' item rows agree up to rounding: Eigen sums in another order natively (SSE) than
 * in wasm (scalar), so the floats differ in their last bits, never by more than a small fraction
 * of the rows' size.
 */
function assertSameRowsUpToRounding(fileA, fileB) {
  const a = f32Tensor(fileA, 'item_embeddings'), b = f32Tensor(fileB, 'item_embeddings');
  assert.deepEqual(b.shape, a.shape);
  let largest = 0, worst = 0;
  for (let k = 0; k < a.values.length; k++) {
    largest = Math.max(largest, Math.abs(a.values[k]));
    worst = Math.max(worst, Math.abs(a.values[k] - b.values[k]));
  }
  assert.ok(largest > 0);
  assert.ok(worst <= 1e-3 * largest, `largest difference ${worst} against entries up to ${largest}`);
}

test('native and wasm `zhixuan train --tune` with one seed choose the same values and ship the same model up to rounding',
  { skip: (!nativeCli || !wasmCli) && 'needs both CLIs built' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-tune-parity-'));
    try {
      fs.writeFileSync(path.join(dir, 'train.csv'), interactions());
      const args = ['train', '--interactions', path.join(dir, 'train.csv'), '--tune', '--trials', '6', '--budget', '10m',
        '--seed', '11', '--segments', '0', '--also-bought-k', '0'];
      const models = {};
      for (const [name, cli] of clis) {
        models[name] = path.join(dir, `${name}.safetensors`);
        const r = spawnSync(cli.file, [...cli.args, ...args, '--out', models[name]], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
      }
      const native = manifestOf(models.native).tune, wasm = manifestOf(models.wasm).tune;
      // The same validation cuts, candidates and initial factors: the same choice, exactly.
      assert.deepEqual(wasm.chosen, native.chosen);
      assert.equal(wasm.runs, native.runs);
      assert.equal(wasm.candidates, native.candidates);
      assert.equal(wasm.validation.users, native.validation.users);
      assert.equal(wasm.validation.cuts, native.validation.cuts);
      assert.ok(Math.abs(wasm.validation.ndcg100 - native.validation.ndcg100) < 1e-4, `${wasm.validation.ndcg100} vs ${native.validation.ndcg100}`);
      assert.equal(wasm.ease.lambda, native.ease.lambda);
      // The shipped rows: Eigen sums in another order natively (SSE) than in wasm (scalar).
      assertSameRowsUpToRounding(models.native, models.wasm);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

test('native and wasm `zhixuan train --user-solver cg` ship the same item rows up to rounding',
  { skip: (!nativeCli || !wasmCli) && 'needs both CLIs built' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-cg-parity-'));
    try {
      fs.writeFileSync(path.join(dir, 'train.csv'), interactions());
      const args = ['train', '--interactions', path.join(dir, 'train.csv'), '--dim', '48', '--epochs', '6', '--user-solver',
        'cg', '--seed', '5', '--segments', '0', '--also-bought-k', '0'];
      const models = {};
      for (const [name, cli] of clis) {
        models[name] = path.join(dir, `${name}.safetensors`);
        const r = spawnSync(cli.file, [...cli.args, ...args, '--out', models[name]], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /user_solver=cg3/);
        const bad = spawnSync(cli.file, [...cli.args, ...args.slice(0, -8), '--user-solver', 'lu', '--out', models[name]], { encoding: 'utf8' });
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /INVALID_ARGUMENT.*--user-solver must be auto, cg or cholesky/);
      }
      // The same CG steps from the same initial factors.
      assertSameRowsUpToRounding(models.native, models.wasm);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

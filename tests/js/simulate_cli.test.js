// `zhixuan simulate`: federated rounds on a split, one training per noise level, printed as one
// table. Runs the native CLI on a generated split (clustered users), in process and against the
// real aggregation server (js/server + the wasm core in dist/).
// Needs the native CLI (cli-helpers.js; the wasm CLI has no sockets); skipped when it is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { nativeCli, repoRoot as root } from './cli-helpers.js';

const run = promisify(execFile);
const cli = nativeCli?.file;

// 160 training users and 40 held-out users in 4 taste clusters over 120 items (LCG).
function writeSplit(dir) {
  let state = 777;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const basket = (cluster) => {
    const items = new Set();
    while (items.size < 10 + Math.floor(next() * 10)) {
      items.add(next() < 0.85 ? cluster * 30 + Math.floor(next() * 30) : Math.floor(next() * 120));
    }
    return [...items];
  };
  const train = ['user,item'];
  for (let u = 0; u < 160; u++) for (const i of basket(u % 4)) train.push(`u${u},i${i}`);
  const history = ['user,item'];
  const target = ['user,item'];
  for (let u = 0; u < 40; u++) {
    const items = basket(u % 4);
    items.forEach((i, k) => (k % 4 === 0 ? target : history).push(`t${u},i${i}`));
  }
  fs.writeFileSync(path.join(dir, 'train.csv'), train.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'test_history.csv'), history.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'test_target.csv'), target.join('\n') + '\n');
}

// The federated rows of the printed table: {sigma, mode, ndcg, epsilon}.
function federatedRows(stdout) {
  return stdout.split('\n').filter((l) => l.startsWith('| federated, noise')).map((line) => {
    const cells = line.split('|').map((c) => c.trim());
    const [, sigma, mode] = cells[1].match(/^federated, noise (\S+) (\S+)$/);
    return { sigma: Number(sigma), mode, ndcg: Number(cells[4]), epsilon: cells[6] === 'inf' ? Infinity : Number(cells[6]) };
  });
}

const skip = !cli && 'the native CLI is not built';
const common = ['--dim', '16', '--epochs', '4', '--threads', '1', '--rounds', '3', '--clients-per-round', '40', '--clip', '5', '--server-lr', '2'];

test('simulate prints one federated row per noise level, epsilon falling as the noise grows', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-sim-'));
  try {
    writeSplit(dir);
    const { stdout } = await run(cli, ['simulate', '--split', dir, '--in-process', '--noise', '0,1,4', ...common], { cwd: root });
    const rows = federatedRows(stdout);
    assert.deepEqual(rows.map((r) => [r.sigma, r.mode]), [[0, 'none'], [1, 'central'], [4, 'central']]);
    assert.equal(rows[0].epsilon, Infinity);
    assert.ok(rows[1].epsilon > rows[2].epsilon && rows[2].epsilon > 0, `epsilon ${rows[1].epsilon} then ${rows[2].epsilon}`);
    for (const r of rows) assert.ok(r.ndcg > 0 && r.ndcg <= 1, `NDCG@100 ${r.ndcg}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// item_embeddings of an F32 bundle as a Float32Array.
function readRows(file) {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const { dtype, data_offsets: [begin, end] } = header.item_embeddings;
  assert.equal(dtype, 'F32');
  const data = bytes.subarray(8 + headerLength + begin, 8 + headerLength + end);
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

const maxAbsDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('simulate against the real aggregation server trains the model the in-process aggregator trains', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-sim-'));
  try {
    writeSplit(dir);
    const state = path.join(dir, 'server');
    fs.mkdirSync(state);
    const args = ['simulate', '--split', dir, '--noise', '0', '--encoding', 'int8', ...common];
    await run(cli, [...args, '--data', state, '--out', path.join(dir, 'served.safetensors')], { cwd: root });
    await run(cli, [...args, '--in-process', '--out', path.join(dir, 'local.safetensors')], { cwd: root });
    const start = readRows(path.join(state, 'start.safetensors'));
    const served = readRows(path.join(dir, 'served.safetensors'));
    const local = readRows(path.join(dir, 'local.safetensors'));
    assert.equal(served.length, start.length);
    // The rounds moved the model, and the server (wasm core, payloads over HTTP, SQLite) moved it
    // where the in-process aggregator (native core) did, up to float rounding of the two builds.
    const moved = maxAbsDiff(served, start);
    assert.ok(moved > 1e-2, `the served model barely moved: ${moved}`);
    assert.ok(maxAbsDiff(served, local) < 1e-3 * moved, `server vs in-process differ by ${maxAbsDiff(served, local)} (moved ${moved})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate --secure-aggregation runs each round through the secure protocol and trains what the plain path trains', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-sim-'));
  try {
    writeSplit(dir);
    const state = path.join(dir, 'server');
    fs.mkdirSync(state);
    const args = ['simulate', '--split', dir, '--noise', '0', ...common];
    const { stdout } = await run(cli, [...args, '--secure-aggregation', '--data', state, '--out', path.join(dir, 'secure.safetensors')], { cwd: root });
    await run(cli, [...args, '--in-process', '--out', path.join(dir, 'local.safetensors')], { cwd: root });
    // Every round: the whole cohort completed through the protocol (the devices process's tally).
    const tallies = stdout.split('\n').filter((l) => l.startsWith('{"completed"')).map((l) => JSON.parse(l));
    assert.equal(tallies.length, 3);
    for (const t of tallies) assert.deepEqual([t.completed, t.dropped, t.aborted], [40, 0, 0]);
    const start = readRows(path.join(state, 'start.safetensors'));
    const secure = readRows(path.join(dir, 'secure.safetensors'));
    const local = readRows(path.join(dir, 'local.safetensors'));
    // Without noise the unmasked sum is the quantized sum: the model lands where the plain
    // aggregation puts it, up to the 2^-12-of-the-clip grid.
    const moved = maxAbsDiff(secure, start);
    assert.ok(moved > 1e-2, `the secure model barely moved: ${moved}`);
    assert.ok(maxAbsDiff(secure, local) < 0.02 * moved, `secure vs in-process differ by ${maxAbsDiff(secure, local)} (moved ${moved})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate --secure-aggregation with dropouts and noise: rounds complete without the dropped devices, noise is distributed', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-sim-'));
  try {
    writeSplit(dir);
    const { stdout } = await run(cli, ['simulate', '--split', dir, '--noise', '1', '--secure-aggregation', '--dropout', '0.25', ...common.map((v, i) => (common[i - 1] === '--rounds' ? '1' : v))], { cwd: root });
    const [tally] = stdout.split('\n').filter((l) => l.startsWith('{"completed"')).map((l) => JSON.parse(l));
    assert.ok(tally.dropped > 0 && tally.completed + tally.dropped === 40 && tally.aborted === 0, JSON.stringify(tally));
    const [row] = federatedRows(stdout);
    assert.equal(row.mode, 'distributed');
    assert.ok(row.epsilon > 0 && row.epsilon < Infinity && row.ndcg > 0, JSON.stringify(row));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate names a malformed noise level', { skip }, async () => {
  await assert.rejects(run(cli, ['simulate', '--split', '/nonexistent', '--noise', '1,x']), (error) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /--noise: 'x' is not a noise multiplier/);
    return true;
  });
});

test('simulate refuses --secure-aggregation in process and --dropout without it', { skip }, async () => {
  for (const [extra, message] of [[['--secure-aggregation', '--in-process'], /drop --in-process/], [['--dropout', '0.1'], /--dropout applies to --secure-aggregation/]]) {
    await assert.rejects(run(cli, ['simulate', '--split', '/nonexistent', ...extra]), (error) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, message);
      return true;
    });
  }
});

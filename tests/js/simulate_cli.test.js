// `zhixuan simulate`: federated rounds on a split, one training per noise level, printed as one
// table. Runs the native CLI on a generated split (clustered users), in process and against the
// real aggregation server (js/server + the wasm core in dist/).
// Needs the native CLI: $ZHIXUAN_CLI, or build/native|release/zhixuan; skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = [process.env.ZHIXUAN_CLI, ...['native', 'release'].map((d) => path.join(root, 'build', d, 'zhixuan'))]
  .find((p) => p && fs.existsSync(p));

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

const skip = !cli && 'native CLI not built';
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

test('simulate against the real aggregation server gives the in-process result', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zx-sim-'));
  try {
    writeSplit(dir);
    const args = ['simulate', '--split', dir, '--noise', '0', '--encoding', 'int8', ...common];
    const served = federatedRows((await run(cli, args, { cwd: root })).stdout);
    const local = federatedRows((await run(cli, [...args, '--in-process'], { cwd: root })).stdout);
    assert.equal(served.length, 1);
    // Same clients, same payloads, same FedAvg: the server's model equals the in-process one
    // (the server keeps f32 rows; tiny float differences could move an NDCG in the 4th digit).
    assert.ok(Math.abs(served[0].ndcg - local[0].ndcg) < 2e-3, `server ${served[0].ndcg} vs in-process ${local[0].ndcg}`);
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

// Durability: the server runs as a real child process and is killed with SIGKILL mid-round.
// After a restart on the same data directory no acknowledged update is lost and none is
// counted twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecommender } from '../../js/index.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { OPERATOR_TOKEN, getJson, getStatus, post, register } from './federated-helpers.js';

const CLI = fileURLToPath(new URL('../../js/server/cli.js', import.meta.url));

function startChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

const killed = (child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); });

test('SIGKILL mid-round: acknowledged updates survive the restart, none is counted twice', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zx-restart-'));
  const modelPath = path.join(dir, 'model.safetensors');
  writeFileSync(modelPath, checkerboardBundle());
  const args = ['--model', modelPath, '--data', path.join(dir, 'state'), '--port', '0', '--quorum', '5', '--clip', '0.5', '--aggregation', 'plain', '--operator-token', OPERATOR_TOKEN];
  const rec = await createRecommender({ model: checkerboardBundle() });
  rec.federated.setConsent(true, { epsilonBudget: Infinity });
  const histories = [['item0', 'item2'], ['item1', 'item3'], ['item4', 'item6'], ['item5', 'item7'], ['item8', 'item10']];

  let { child, url } = await startChild(args);
  const round = await getJson(url, '/v1/round');
  const tokens = [];
  const payloads = [];
  for (let i = 0; i < 3; i++) {
    tokens.push(await register(url));
    payloads.push(rec.federated.computeUpdate(round, { history: histories[i] }));
    assert.equal((await post(url, 1, tokens[i], payloads[i])).status, 202);
  }
  // Killed mid-round: 3 of the 5 updates of the quorum are in.
  await killed(child);

  ({ child, url } = await startChild(args));
  try {
    const resumed = await getJson(url, '/v1/round');
    assert.equal(resumed.round_id, 1);
    assert.equal(resumed.accepted, 3, 'the three acknowledged updates are back');
    // Re-sending an acknowledged update is refused, not counted again.
    assert.equal((await post(url, 1, tokens[0], payloads[0])).status, 409);
    assert.equal((await post(url, 1, await register(url), payloads[1])).body.error.code, 'REPLAY');
    assert.equal((await getJson(url, '/v1/round')).accepted, 3);
    // Kill again, restart again: still 3.
    await killed(child);
    ({ child, url } = await startChild(args));
    assert.equal((await getJson(url, '/v1/round')).accepted, 3);
    for (let i = 3; i < 5; i++) {
      const token = await register(url);
      assert.equal((await post(url, 1, token, rec.federated.computeUpdate(round, { history: histories[i] }))).status, 202);
    }
    let status;
    for (let tries = 0; tries < 100; tries++) {
      status = await getStatus(url);
      if (status.rounds_closed === 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(status.last_closed, { round: 1, accepted: 5, model_version: 'test-1.fed1' });
    // And the closed round survives a kill too: the next round is open on the new model.
    await killed(child);
    ({ child, url } = await startChild(args));
    const next = await getJson(url, '/v1/round');
    assert.equal(next.round_id, 2);
    assert.equal(next.base_version, 'test-1.fed1');
    assert.equal(next.accepted, 0);
  } finally {
    await killed(child);
  }
});

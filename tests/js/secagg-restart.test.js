// kill -9 of the server in each stage of a secure round, then a restart on the same data
// directory and port: the devices (which retry through the outage) finish the round with the
// exact sum, and the survivor list the server committed before the kill is the one it uses, so no
// device is ever asked for both shares of a peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { runDevices, waitFor } from './secagg-helpers.js';
import { OPERATOR_TOKEN, getStatus } from './federated-helpers.js';

const CLI = fileURLToPath(new URL('../../js/server/cli.js', import.meta.url));
const require = createRequire(import.meta.url);

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
  });
}

function startChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1], logs: () => err });
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

const killed = (child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); });

function readRound(dir) {
  const Database = require('better-sqlite3');
  const db = new Database(path.join(dir, 'state', 'zhixuan-server.sqlite'), { fileMustExist: true });
  try {
    return db.prepare('SELECT stage, survivors FROM secagg_rounds WHERE id = 1').get();
  } finally {
    db.close();
  }
}

for (const stage of ['share', 'masked', 'unmask']) {
  test(`kill -9 in stage '${stage}', restart: the round finishes with every device, nothing revealed twice`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zx-secagg-restart-'));
    const modelPath = path.join(dir, 'model.safetensors');
    writeFileSync(modelPath, checkerboardBundle());
    const port = await freePort();
    const args = ['--model', modelPath, '--data', path.join(dir, 'state'), '--port', String(port), '--quorum', '5', '--clip', '0.5',
      '--noise', '1', '--secure-min-cohort', '3', '--secure-stage-ms', '4000', '--operator-token', OPERATOR_TOKEN];
    // One device stops before answering in `stage`, so the stage waits for its deadline: time to kill.
    const previous = { share: 'advertise', masked: 'share', unmask: 'masked' }[stage];
    let { child, url } = await startChild(args);
    try {
      const devicesRun = runDevices(url, 5, { policy: { pollMs: 40 }, dropAfter: { 4: previous } });
      await waitFor(async () => {
        try { return (await (await fetch(`${url}/v1/secagg/round`)).json()).secure.stage === stage; } catch { return false; }
      });
      await killed(child);
      const before = readRound(dir);
      assert.equal(before.stage, stage);
      ({ child, url } = await startChild(args));
      const { results } = await devicesRun;
      const expected = ['completed', 'completed', 'completed', 'completed', 'dropped'];
      assert.deepEqual(results.map((r) => r.status), expected, JSON.stringify(results));
      for (const r of results.filter((x) => x.status === 'completed')) assert.equal(r.modelVersion, 'test-1.fed1');
      if (stage === 'unmask') {
        // The survivor list committed before the kill is the one the round finished with.
        assert.equal(results[0].survivors, JSON.parse(before.survivors).length);
      }
      const status = await getStatus(url);
      assert.equal(status.round, 2);
      assert.equal(status.model_version, 'test-1.fed1');
    } finally {
      if (child.exitCode === null && child.signalCode === null) await killed(child);
    }
  });
}

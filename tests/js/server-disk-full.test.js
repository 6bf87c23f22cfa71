// A full disk under --data (a 4 MiB tmpfs this test mounts; it needs root and mount, else it
// skips): uploads are refused with 507 STORAGE_FULL and nothing is stored for them, a round whose
// close cannot be written stays open with every update, nothing acknowledged is lost, and the
// server recovers by itself once space returns (the refused upload then goes through, the round
// closes). A start on a full disk stops with a clear error and loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { OPERATOR_TOKEN, getJson, getStatus, post, register } from './federated-helpers.js';

function mountTmpfs() {
  const dir = mkdtempSync(path.join(tmpdir(), 'zx-full-'));
  if (process.getuid?.() !== 0) return { dir, skip: 'mounting a small tmpfs needs root' };
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) return { dir, skip: `mount is not allowed here: ${mounted.stderr.trim()}` };
  return { dir, skip: false };
}
const disk = mountTmpfs();

/** Fills the file system but `leave` bytes with a filler file; returns its path. */
function fill(dir, leave) {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'a');
  const block = Buffer.alloc(4096, 0xaa);
  try {
    for (;;) {
      const { bavail, bsize } = statfsSync(dir);
      if (bavail * bsize <= leave) break;
      writeSync(fd, block);
    }
  } catch (error) {
    if (error.code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return file;
}

test('a full disk: uploads get 507 STORAGE_FULL, the round cannot close but loses nothing, the server recovers when space returns',
  { skip: disk.skip }, async () => {
    const dataDir = path.join(disk.dir, 'state');
    mkdirSync(dataDir);
    const logs = [];
    const options = { log: (m) => logs.push(m), modelBytes: checkerboardBundle(), dataDir, port: 0, quorum: 6, clip: 0.5, aggregation: 'plain', operatorToken: OPERATOR_TOKEN, closeRetryMs: 100 };
    let server = await startAggregationServer(options);
    try {
      let url = server.url;
      const rec = await createRecommender({ model: checkerboardBundle() });
      rec.federated.setConsent(true, { epsilonBudget: Infinity });
      const round = await getJson(url, '/v1/round');
      const tokens = [];
      for (let i = 0; i < 8; i++) tokens.push(await register(url));
      const payloads = tokens.map((_, i) => rec.federated.computeUpdate(round, { history: [`item${i}`, `item${i + 3}`] }));
      for (let i = 0; i < 4; i++) assert.equal((await post(url, 1, tokens[i], payloads[i])).status, 202);

      // 1. Full: an upload is refused by name, the server keeps answering, nothing was stored.
      server.store.db.pragma('wal_checkpoint(TRUNCATE)');
      let filler = fill(disk.dir, 0);
      const refused = await post(url, 1, tokens[4], payloads[4]);
      assert.equal(refused.status, 507, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'STORAGE_FULL');
      assert.match(refused.body.error.message, /disk is full/);
      assert.equal((await getJson(url, '/v1/round')).accepted, 4);
      assert.equal(server.store.updateCount(1), 4);

      // 2. Space returns: the refused upload goes through.
      rmSync(filler);
      assert.equal((await post(url, 1, tokens[4], payloads[4])).status, 202, 'the same update is accepted once there is space');

      // 3. Room for one update but not for the round's close (the next model): the quorum's update
      //    is acknowledged, the close fails, the round stays open holding all six.
      server.store.db.pragma('wal_checkpoint(TRUNCATE)');
      filler = fill(disk.dir, 24 << 10);
      const sixth = await post(url, 1, tokens[5], payloads[5]);
      assert.equal(sixth.status, 202, JSON.stringify(sixth.body));
      await new Promise((r) => setTimeout(r, 300));
      let status = await getStatus(url);
      assert.equal(status.round, 1, 'the close could not be written: the round is still open');
      assert.equal(status.accepted, 6, 'with every acknowledged update');
      assert.ok(logs.some((m) => /round 1 could not close/.test(m)), logs.join('\n'));

      // 4. Space returns: the round closes by itself (a retry: no further upload has to come).
      rmSync(filler);
      for (let tries = 0; tries < 100 && status.round === 1; tries++) {
        await new Promise((r) => setTimeout(r, 50));
        status = await getStatus(url);
      }
      assert.deepEqual(status.last_closed, { round: 1, accepted: 6, model_version: 'test-1.fed1' });

      // 5. A start on a full disk stops with a clear error (SQLite's WAL needs its shared-memory
      //    file); once space returns it comes up with everything, and uploads go on.
      await server.close();
      server = null;
      filler = fill(disk.dir, 0);
      await assert.rejects(startAggregationServer(options), /the disk under .* is full .*free some space/);
      rmSync(filler);
      server = await startAggregationServer(options);
      url = server.url;
      status = await getStatus(url);
      assert.equal(status.round, 2);
      assert.deepEqual(status.last_closed, { round: 1, accepted: 6, model_version: 'test-1.fed1' });
      const next = await getJson(url, '/v1/round');
      const late = await createRecommender({ model: new Uint8Array(await (await fetch(`${url}/v1/model`)).arrayBuffer()) });
      late.federated.setConsent(true, { epsilonBudget: Infinity });
      assert.equal((await post(url, 2, tokens[6], late.federated.computeUpdate(next, { history: ['item1', 'item2'] }))).status, 202);
      assert.equal(server.store.db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      await server?.close();
    }
  });

test.after(() => {
  if (!disk.skip) execFileSync('umount', ['-l', disk.dir]);  // lazy: a handle still closing does not keep it
});

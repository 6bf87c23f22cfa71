// The aggregation server under a fixed concurrent load (tools/server-load.mjs; the figures come
// from bench/server-load.bench.mjs with 2,000 devices): 200 devices, each on its own connection,
// upload into one round at once; every update is acknowledged exactly once, the
// acknowledgements carry each count 1..N once, the closed round holds all N, the database is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad } from '../../tools/server-load.mjs';

test('200 devices upload into one round at once: each acknowledged once, none lost, none counted twice', async () => {
  const r = await runLoad({ devices: 200, sequential: 5, rows: 40, dim: 16 });
  assert.deepEqual(r.failures, []);
  assert.equal(r.acknowledged, 205);
  assert.ok(r.countsExact, 'the acknowledgements carry the counts 1..205, each once');
  assert.equal(r.closedAccepted, 205);
  assert.deepEqual(r.statusClosed, { round: 1, accepted: 205, model_version: 'test-1.fed1' });
  assert.equal(r.integrity, 'ok');
});

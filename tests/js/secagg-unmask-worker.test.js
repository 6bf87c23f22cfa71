// The server keeps answering while it unmasks: the mask streams run in a worker thread
// (js/server/secagg-unmask-worker.js). A GET /v1/round sent the moment the unmasking starts is
// answered while the round is still in its 'unmask' stage, before the unmasking ends; on the
// main thread (no dropouts: nothing to await) it could only be answered after the round closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { expectedSum, runDevices, secureServer, updateValues } from './secagg-helpers.js';

const ROWS = 2048;
const DIM = 64;

test('GET /v1/round answers during an unmask, before it ends; the sum stays exact', async () => {
  const n = 8;
  const { server, url } = await secureServer({ quorum: n, modelBytes: checkerboardBundle(ROWS, DIM) });
  try {
    const secure = server.secure;
    const unmask = secure._finish.bind(secure);
    let ended = false;
    let probe = null;
    secure._finish = (...args) => {
      probe = fetch(`${url}/v1/round`).then(async (response) => ({ status: response.status, body: await response.json(), endedFirst: ended }));
      const running = unmask(...args);
      running.finally(() => { ended = true; });
      return running;
    };
    const { results, devices, core } = await runDevices(url, n, { values: (i) => updateValues(300 + i, ROWS * DIM) });
    assert.ok(results.every((r) => r.status === 'completed'), JSON.stringify(results));
    assert.ok(probe, 'the unmasking ran');
    const answer = await probe;
    assert.equal(answer.status, 200);
    assert.equal(answer.endedFirst, false, 'the GET was answered only after the unmasking ended');
    assert.equal(answer.body.secure.stage, 'unmask');
    assert.equal(answer.body.secure.round_id, 1);
    // And the worker's sum is the exact one.
    const expected = expectedSum(core, devices, devices[0].params);
    assert.deepEqual(Array.from(secure.lastSum.modular), Array.from(expected));
  } finally {
    await server.close();
  }
});

// The aggregation server (js/server) end to end, in-process: rounds close on quorum through
// real device updates, and every kind of bad input is refused with a clear status and code
// while the round and its stored updates stay intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { OPERATOR_TOKEN, bodyOffset, getJson, getStatus, patched, post, register } from './federated-helpers.js';

const HISTORIES = [['item0', 'item2', 'item4'], ['item1', 'item3', 'item5', 'item7'], ['item6', 'item8'], ['item9', 'item11']];

async function setup(options = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zx-server-'));
  const server = await startAggregationServer({ modelBytes: checkerboardBundle(), dataDir, port: 0, quorum: 3, clip: 0.5, aggregation: 'plain', operatorToken: OPERATOR_TOKEN, ...options });
  const rec = await createRecommender({ model: checkerboardBundle() });
  rec.federated.setConsent(true, { epsilonBudget: Infinity });
  return { server, rec, url: server.url, dataDir };
}

test('devices participate, the quorum closes the round and the next model version is served', async () => {
  const { server, url } = await setup();
  try {
    const round = await getJson(url, '/v1/round');
    assert.equal(round.round_id, 1);
    assert.equal(round.base_version, 'test-1');
    for (const history of HISTORIES.slice(0, 3)) {
      const device = await createRecommender({ model: checkerboardBundle() });
      device.federated.setConsent(true, { epsilonBudget: Infinity });
      const result = await device.federated.participate({ server: url, history, aggregation: 'plain' });
      assert.equal(result.status, 'submitted');
      assert.equal(result.round, 1);
      device.dispose();
    }
    await new Promise((r) => setTimeout(r, 50));
    const status = await getStatus(url);
    assert.equal(status.round, 2);
    assert.deepEqual(status.last_closed, { round: 1, accepted: 3, model_version: 'test-1.fed1' });
    const model = await fetch(`${url}/v1/model`);
    assert.equal(model.headers.get('x-zhixuan-model-version'), 'test-1.fed1');
    const next = await createRecommender({ model: new Uint8Array(await model.arrayBuffer()) });
    assert.equal(next.info.modelVersion, 'test-1.fed1');
    assert.notDeepEqual(next.foldIn(['item0']), (await createRecommender({ model: checkerboardBundle() })).foldIn(['item0']));
    // A device on the old version picks up the new one before computing its update.
    const late = await createRecommender({ model: checkerboardBundle() });
    late.federated.setConsent(true, { epsilonBudget: Infinity });
    const result = await late.federated.participate({ server: url, history: HISTORIES[3], aggregation: 'plain' });
    assert.equal(result.status, 'submitted');
    assert.equal(result.round, 2);
    assert.equal(late.info.modelVersion, 'test-1.fed1');
  } finally {
    await server.close();
  }
});

test('bad updates are refused with a status and a reason; the round and its updates stay intact', async () => {
  const { server, rec, url } = await setup({ quorum: 50, updatesPerClientPerMinute: 3 });
  try {
    const round = await getJson(url, '/v1/round');
    const good = rec.federated.computeUpdate(round, { history: HISTORIES[0] });
    const first = await register(url);
    assert.equal((await post(url, 1, first, good)).status, 202);
    const stranger = () => register(url);
    const expect = async (body, status, code, token, roundId = 1, headers = {}) => {
      const answer = await post(url, roundId, token ?? (await stranger()), body, headers);
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, code);
      assert.ok(answer.body.error.message.length > 10, 'a reason is given');
      return answer.body.error.message;
    };
    const at = bodyOffset(good);

    await expect(new Uint8Array(good.length).fill(7), 400, 'MALFORMED_PAYLOAD');                         // garbage
    await expect(good.subarray(0, good.length - 1), 400, 'MALFORMED_PAYLOAD');                           // truncated
    await expect(good.subarray(0, 10), 400, 'MALFORMED_PAYLOAD');                                        // truncated header
    await expect(new Uint8Array([...good, 0]), 413, 'TOO_LARGE');                                         // oversized
    await expect(good, 409, 'REPLAY');                                                                   // replayed by another client
    await expect(good, 409, 'DUPLICATE_UPDATE', first);                                                  // same client twice
    await expect(good, 409, 'STALE_ROUND', undefined, 0);                                                // stale round in the URL
    await expect(good, 409, 'ROUND_NOT_OPEN', undefined, 2);                                             // future round
    const fresh = () => rec.federated.computeUpdate(round, { history: HISTORIES[1] });
    assert.match(await expect(patched(fresh(), (b, v) => v.setBigUint64(8, 0n, true)), 409, 'MODEL_MISMATCH'), /stale/);  // round 0 inside
    assert.match(await expect(patched(fresh(), (b) => { b[43 + 5] = '9'.charCodeAt(0); }), 409, 'MODEL_MISMATCH'), /base version/);  // test-9
    await expect(patched(fresh(), (b, v) => v.setUint16(at + 6, 0x7e00, true)), 400, 'MALFORMED_PAYLOAD');  // NaN
    await expect(patched(fresh(), (b, v) => v.setUint16(at, 0x7c00, true)), 400, 'MALFORMED_PAYLOAD');      // +Inf
    const big = patched(fresh(), (b, v) => { for (let i = at; i < b.length - 4; i += 2) v.setUint16(i, 0x3c00, true); });  // all 1.0
    assert.match(await expect(big, 422, 'INVALID_ARGUMENT'), /norm/);
    await expect(fresh(), 401, 'UNAUTHORIZED', '');                                                       // no token
    await expect(fresh(), 401, 'UNKNOWN_CLIENT', 'f'.repeat(32));
    await expect(fresh(), 415, 'UNSUPPORTED_MEDIA_TYPE', undefined, 1, { 'content-type': 'text/plain' });
    // A flood from one client: past its per-minute allowance every request is 429.
    const flooder = await stranger();
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await post(url, 1, flooder, new Uint8Array(8))).status);
    assert.deepEqual(codes, [400, 400, 400, 429, 429, 429]);

    const after = await getJson(url, '/v1/round');
    assert.equal(after.round_id, 1);
    assert.equal(after.accepted, 1, 'only the one good update is in the round');
    // The round still works: a fresh client's good update is accepted.
    assert.equal((await post(url, 1, await stranger(), fresh())).status, 202);
    assert.equal((await getJson(url, '/v1/round')).accepted, 2);
    assert.equal(server.store.updateCount(1), 2);
  } finally {
    await server.close();
  }
});

test('a body beyond the limit is refused before it is read', async () => {
  const { server, url } = await setup();
  try {
    const token = await register(url);
    const answer = await post(url, 1, token, new Uint8Array(5 << 20));
    assert.equal(answer.status, 413);
    assert.equal(answer.body.error.code, 'TOO_LARGE');
  } finally {
    await server.close();
  }
});

test('the status reports epsilon from the accountant for central noise', async () => {
  const { server, url } = await setup({ noiseMultiplier: 1.1, samplingRate: 0.01, delta: 1e-5 });
  try {
    const status = await getStatus(url);
    assert.equal(status.privacy.total, 0);
    assert.ok(status.privacy.perRound > 0 && status.privacy.perRound < 1, JSON.stringify(status.privacy));
  } finally {
    await server.close();
  }
});

// A device's client token belongs to the server that issued it: a device that took part with one
// aggregation server and then meets another registers there afresh, instead of presenting the
// first server's token (refused as UNKNOWN_CLIENT, and a link between the two servers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { createRecommender } from '../../js/index.js';
import { startAggregationServer } from '../../js/server/server.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { OPERATOR_TOKEN } from './federated-helpers.js';
import { DIM, ROWS, secureServer } from './secagg-helpers.js';

const start = () => startAggregationServer({
  modelBytes: checkerboardBundle(), dataDir: mkdtempSync(path.join(tmpdir(), 'zx-token-')), port: 0, quorum: 50, clip: 0.5,
  aggregation: 'plain', operatorToken: OPERATOR_TOKEN,
});

test('a device registers with each server it meets and never sends one server the token of another', async () => {
  const [a, b] = [await start(), await start()];
  const seen = [];  // every authorization header a server received
  const recording = (input, init = {}) => {
    const auth = new Headers(init.headers).get('authorization');
    if (auth) seen.push({ server: new URL(String(input)).origin, token: auth.slice('Bearer '.length) });
    return fetch(input, init);
  };
  try {
    const device = await createRecommender({ model: checkerboardBundle() });
    device.federated.setConsent(true, { epsilonBudget: Infinity });
    const history = ['item0', 'item2', 'item4'];
    assert.equal((await device.federated.participate({ server: a.url, history, aggregation: 'plain', fetch: recording })).status, 'submitted');
    const atA = device.federated.exportState();
    assert.equal(atA.tokenServer, `${a.url}/`);
    assert.equal((await device.federated.participate({ server: b.url, history, aggregation: 'plain', fetch: recording })).status, 'submitted');
    const atB = device.federated.exportState();
    assert.notEqual(atB.token, atA.token);
    assert.equal(atB.tokenServer, `${b.url}/`);
    const tokensAt = (url) => new Set(seen.filter((s) => s.server === new URL(url).origin).map((s) => s.token));
    assert.deepEqual([...tokensAt(a.url)], [atA.token]);
    assert.deepEqual([...tokensAt(b.url)], [atB.token]);

    // State stored before tokens named their server: the token is dropped, not sent anywhere.
    const legacy = await createRecommender({ model: checkerboardBundle() });
    legacy.federated.importState({ consent: true, forgotten: false, ledger: null, token: atA.token });
    assert.equal(legacy.federated.exportState().token, null);
    legacy.dispose();
    device.dispose();
  } finally {
    await a.close();
    await b.close();
  }
});

// Issue 14: a server restarted without its client list refuses the device's token
// (UNKNOWN_CLIENT); the model round registers again once and the same update goes through,
// charged once.
// The device's fetch on fresh sockets (node:http, no keep-alive): the global fetch would reuse a
// pooled connection to the stopped server at the same address.
function freshFetch(input, init = {}) {
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(new Headers(init.headers));
    const req = http.request(String(input), { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode, headers: Object.entries(res.headers).filter(([, v]) => typeof v === 'string') })));
    });
    req.on('error', reject);
    req.end(init.body === undefined ? undefined : init.body);
  });
}

test('a model round registers again when a restarted server no longer knows the token', async () => {
  const first = await start();
  const port = Number(new URL(first.url).port);
  const device = await createRecommender({ model: checkerboardBundle() });
  let restarted = null;
  try {
    device.federated.setConsent(true, { epsilonBudget: Infinity });
    const history = ['item0', 'item2', 'item4'];
    assert.equal((await device.federated.participate({ server: first.url, history, aggregation: 'plain', fetch: freshFetch })).status, 'submitted');
    const before = device.federated.exportState().token;
    await first.close();
    // The same address, a new data directory: the server has no clients.
    restarted = await startAggregationServer({
      modelBytes: checkerboardBundle(), dataDir: mkdtempSync(path.join(tmpdir(), 'zx-token-')), port, quorum: 50, clip: 0.5,
      aggregation: 'plain', operatorToken: OPERATOR_TOKEN,
    });
    assert.equal(restarted.url, first.url);
    const statuses = [];
    const recording = async (input, init = {}) => {
      const response = await freshFetch(input, init);
      if (String(input).includes('/updates')) statuses.push(response.status);
      return response;
    };
    const result = await device.federated.participate({ server: restarted.url, history, aggregation: 'plain', fetch: recording });
    assert.equal(result.status, 'submitted');
    assert.deepEqual(statuses, [401, 202], 'refused once, then sent under the new registration');
    assert.notEqual(device.federated.exportState().token, before, 'registered again');
    assert.equal(device.federated.privacy().rounds, 2, 'two rounds charged: the refused post cost nothing more');
  } finally {
    device.dispose();
    await restarted?.close();
  }
});

// The secure model round: advertise (the first message) is refused, the devices register again
// and take part in the same round, charged once.
test('a secure model round registers again when the server lost its clients', async () => {
  const { server, url } = await secureServer({ quorum: 3 });
  const devices = [];
  try {
    const histories = [['item0', 'item2', 'item4'], ['item1', 'item3'], ['item5', 'item7', 'item9']];
    for (let i = 0; i < 3; i++) {
      const rec = await createRecommender({ model: checkerboardBundle(ROWS, DIM) });
      rec.federated.setConsent(true, { epsilonBudget: 100 });
      await rec.federated._clientToken(url, fetch);
      devices.push(rec);
    }
    const before = devices.map((d) => d.federated.exportState().token);
    server.store.db.prepare('DELETE FROM clients').run();
    const results = await Promise.all(devices.map((rec, i) => rec.federated.participate({ server: url, history: histories[i], secure: { minCohort: 3, pollMs: 30 } })));
    for (const r of results) assert.equal(r.status, 'completed', JSON.stringify(r));
    devices.forEach((d, i) => assert.notEqual(d.federated.exportState().token, before[i], 'registered again'));
    for (const d of devices) assert.equal(d.federated.privacy().rounds, 1, 'charged once');
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

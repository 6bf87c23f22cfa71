// Secure aggregation end to end in Node: the real server (HTTP on 127.0.0.1, SQLite), simulated
// devices running the real protocol (WebCrypto, the wasm core). Exactness with dropouts after
// every stage, abort below the threshold, and participate() through the default secure path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecommender } from '../../js/index.js';
import { drawParticipation } from '../../js/federated/secagg-device.js';
import { checkerboardBundle } from '../../tools/bundle-fixtures.mjs';
import { DIM, ROWS, expectedSum, runDevices, secureServer, waitFor } from './secagg-helpers.js';
import { getStatus } from './federated-helpers.js';

async function exactRound(n, dropAfter, { secure = {}, policy = {}, sent = null } = {}) {
  const { server, url } = await secureServer({ quorum: n, secure });
  try {
    const { results, devices, core } = await runDevices(url, n, { dropAfter, policy, sent });
    const dropped = new Set(Object.keys(dropAfter).map(Number));
    for (let i = 0; i < n; i++) assert.equal(results[i].status, dropped.has(i) ? 'dropped' : 'completed', `device ${i}: ${JSON.stringify(results[i])}`);
    const params = devices.find((d) => d.params).params;
    // Devices that sent a masked input are in the sum, whether or not they answered the unmasking.
    const inSum = devices.filter((d, i) => d.params && (!dropped.has(i) || dropAfter[i] === 'masked'));
    const expected = expectedSum(core, inSum, params);
    assert.equal(server.secure.lastSum.round, 1);
    assert.equal(server.secure.lastSum.survivors, inSum.length);
    assert.deepEqual(Array.from(server.secure.lastSum.modular), Array.from(expected));
    // Decoded, the sum is the real sum of the updates plus noise of the declared level: every
    // survivor's share, sigma_dev^2 each, in units of 1/s.
    const truth = new Float64Array(ROWS * DIM);
    for (const d of inSum) d.values.forEach((v, i) => { truth[i] += v; });
    let err = 0;
    server.secure.lastSum.values.forEach((v, i) => { err += (v - truth[i]) ** 2; });
    const rms = Math.sqrt(err / truth.length);
    const expectedRms = Math.sqrt(inSum.length * params.noise_variance) / (2 ** params.scale_bits / params.clip);
    assert.ok(rms > 0.85 * expectedRms && rms < 1.15 * expectedRms, `noise rms ${rms}, expected ${expectedRms}`);
    const status = await getStatus(url);
    assert.equal(status.model_version, 'test-1.fed1');
    assert.equal(status.last_closed.accepted, inSum.length);
    return { server, devices, results };
  } finally {
    await server.close();
  }
}

test('0 dropouts: the unmasked sum is exactly the sum of the quantized, noised updates mod 2^k', async () => {
  await exactRound(6, {});
});

test('1 dropout after sharing keys: its masks are removed with its rebuilt key, the sum is exact', async () => {
  await exactRound(6, { 2: 'share' });
});

for (const stage of ['advertise', 'share', 'masked']) {
  test(`one third of the cohort drops after '${stage}': the round completes with the exact sum`, async () => {
    await exactRound(9, { 0: stage, 4: stage, 7: stage });
  });
}

test('SecAgg+: 10 devices with 4 neighbours each share and mask only with them; 2 dropouts, the sum is exact', async () => {
  const { devices, results } = await exactRound(10, { 3: 'share', 6: 'masked' }, { secure: { neighbours: 4 }, policy: { dropout: 0, corruption: 0 }, sent: true });
  const completed = results.filter((r) => r.status === 'completed');
  assert.ok(completed.length === 8 && completed.every((r) => r.neighbours === 4), JSON.stringify(results));
  for (const d of devices) {
    const shares = d.sent.find((r) => r.url.endsWith('/shares'));
    assert.equal(JSON.parse(new TextDecoder().decode(shares.body)).shares.length, 4);
  }
});

test("an operator's threshold closer to n: t = ceil(0.9 n), less noise per device, exact with one dropout; beyond n - t dropouts the round aborts", async () => {
  for (const bad of [0.5, 1.2, 'most']) await assert.rejects(secureServer({ secure: { threshold: bad } }), /secure\.threshold must be a fraction in \(0\.5, 1\]/);
  const { devices } = await exactRound(10, { 3: 'share' }, { secure: { threshold: 0.9 } });
  const params = devices.find((d) => d.params).params;
  assert.equal(params.threshold, 9);
  // Each device's share of the variance is sized for 9 survivors, not floor(10/2) + 1 = 6.
  const { server: probe } = await secureServer({ quorum: 10 });
  try {
    assert.equal(params.noise_variance, probe.core.secaggNoiseVariance(1.0, params.scale_bits, 9));
    assert.ok(params.noise_variance < probe.core.secaggNoiseVariance(1.0, params.scale_bits, 6));
  } finally {
    await probe.close();
  }
  const { server, url, logs } = await secureServer({ quorum: 10, secure: { threshold: 0.9, stageMs: 1500 } });
  try {
    const { results } = await runDevices(url, 10, { dropAfter: { 0: 'share', 1: 'share' } });
    assert.ok(results.slice(2).every((r) => r.status === 'aborted'), JSON.stringify(results));
    assert.ok(logs.some((l) => /aborted: 8 masked inputs, the threshold is 9/.test(l)), logs.join('\n'));
    assert.equal(server.secure.lastSum, undefined);
  } finally {
    await server.close();
  }
});

test('a device declines a round whose neighbour graph is sparser than its own rule asks for', async () => {
  const { server, url } = await secureServer({ quorum: 10, secure: { neighbours: 4, stageMs: 1500 } });
  try {
    const { results } = await runDevices(url, 10);  // default policy: dropout 0.1, corruption 0.1 -> k = 9 at n = 10
    for (const r of results) assert.equal(r.status === 'declined' ? r.reason : r.status, 'neighbours-too-few', JSON.stringify(r));
  } finally {
    await server.close();
  }
});

test('fewer than t survivors: the round aborts, revealing nothing, and the next round opens', async () => {
  const { server, url, logs } = await secureServer({ quorum: 6 });
  try {
    const { results } = await runDevices(url, 6, { dropAfter: { 0: 'share', 1: 'share', 2: 'share', 3: 'share' } });
    assert.deepEqual(results.slice(4).map((r) => r.status), ['aborted', 'aborted']);
    assert.equal(server.secure.lastSum, undefined);
    const status = await getStatus(url);
    assert.equal(status.model_version, 'test-1');
    assert.equal(status.round, 2);
    assert.ok(logs.some((l) => /aborted: 2 masked inputs, the threshold is 4/.test(l)), logs.join('\n'));
    // Nothing of the aborted round stays in the database.
    const db = server.store.db;
    for (const table of ['secagg_members', 'secagg_shares', 'secagg_masked', 'secagg_unmask']) {
      assert.equal(db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE round_id = 1`).get().n, 0, table);
    }
  } finally {
    await server.close();
  }
});

test('participate() is secure by default, checks the declared cohort, and charges q = 1', async () => {
  const { server, url } = await secureServer({ quorum: 3, samplingRate: 0.01 });
  try {
    const histories = [['item0', 'item2', 'item4'], ['item1', 'item3'], ['item5', 'item7', 'item9']];
    // A device with the documented default minimum cohort (10) declines a round of 3, having
    // read the round and nothing more: it never registers (no token, no POST /v1/clients).
    const requests = [];
    const recorded = (input, init) => { requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`); return fetch(input, init); };
    const cautious = await createRecommender({ model: checkerboardBundle(ROWS, DIM) });
    cautious.federated.setConsent(true, { epsilonBudget: Infinity });
    const declined = await cautious.federated.participate({ server: url, history: histories[0], fetch: recorded });
    assert.deepEqual([declined.status, declined.reason], ['declined', 'cohort-too-small']);
    // A device that asks for more noise than the round's declines too.
    const strict = await createRecommender({ model: checkerboardBundle(ROWS, DIM) });
    strict.federated.setConsent(true, { epsilonBudget: Infinity });
    const noisy = await strict.federated.participate({ server: url, history: histories[0], secure: { minCohort: 3, minNoiseMultiplier: 5 }, fetch: recorded });
    assert.deepEqual([noisy.status, noisy.reason], ['declined', 'noise-too-low']);
    assert.deepEqual(requests, ['GET /v1/round', 'GET /v1/round']);
    assert.equal(cautious.federated.exportState().token, null);
    assert.equal(strict.federated.exportState().token, null);

    const devices = await Promise.all(histories.map(async () => {
      const rec = await createRecommender({ model: checkerboardBundle(ROWS, DIM) });
      rec.federated.setConsent(true, { epsilonBudget: 100 });
      return rec;
    }));
    const results = await Promise.all(devices.map((rec, i) => rec.federated.participate({ server: url, history: histories[i], secure: { minCohort: 3, pollMs: 30 } })));
    for (const r of results) assert.equal(r.status, 'completed', JSON.stringify(r));
    assert.equal(results[0].modelVersion, 'test-1.fed1');
    // Charged once, with q = 1 whatever the server declares (0.01): epsilon of one full-rate step.
    const z = results[0].effectiveNoiseMultiplier;
    assert.ok(z > 0.9 && z <= 1, `effective noise multiplier ${z}`);
    const core = server.core;
    const full = core.federatedEpsilon(1, z, 1, 1e-5).epsilon;
    const amplified = core.federatedEpsilon(0.01, z, 1, 1e-5).epsilon;
    assert.ok(Math.abs(results[0].epsilonSpent - full) < 1e-9 * full, `${results[0].epsilonSpent} vs ${full}`);
    assert.ok(results[0].epsilonSpent > 3 * amplified, `${results[0].epsilonSpent} vs amplified ${amplified}`);
    await waitFor(async () => (await getStatus(url)).model_version === 'test-1.fed1');
  } finally {
    await server.close();
  }
});

test('a device that draws its own participation may count q; plain servers are declined by default', async () => {
  const { server, url } = await secureServer({ aggregation: 'plain', quorum: 50 });
  try {
    const rec = await createRecommender({ model: checkerboardBundle(ROWS, DIM) });
    rec.federated.setConsent(true, { epsilonBudget: Infinity });
    assert.deepEqual(await rec.federated.participate({ server: url, history: ['item0', 'item1'] }), { status: 'declined', reason: 'plain-aggregation' });
    const plain = await rec.federated.participate({ server: url, history: ['item0', 'item1'], aggregation: 'plain' });
    assert.equal(plain.status, 'submitted');
    const z = 1.0;
    const full = server.core.federatedEpsilon(1, z, 1, 1e-5).epsilon;
    assert.ok(Math.abs(plain.epsilonSpent - full) < 1e-9 * full, 'the plain path charges q = 1 too');
    // The device's own draw at q = 0.5 (crypto.getRandomValues): about half are not sampled.
    let sampled = 0;
    for (let i = 0; i < 400; i++) if (drawParticipation(0.5).sampled) sampled++;
    assert.ok(sampled > 140 && sampled < 260, `${sampled} of 400 sampled at q = 0.5`);
    assert.equal(drawParticipation(undefined).q, 1);
    assert.throws(() => drawParticipation(0), /participationRate/);
  } finally {
    await server.close();
  }
});

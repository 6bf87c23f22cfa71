// What the local-noise fallback and a file-version mismatch do to a device's day (real
// recommenders, real server): a fallback report carries the experiment cells only, and the
// assistant's and the bandits' counts wait for the next secure round; a device holding another
// experiments-file version than the round's waits (nothing posted, nothing charged, the day kept)
// and reports once it has the round's version; a server that lost its clients (a reset) gets the
// day all the same, from the same device under a new token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createAssistant } from '../../js/index.js';
import { SLOT, deviceWithDay, metricsFile, metricsServer, today } from './metrics-secure-helpers.js';

const FAQ = JSON.parse(readFileSync(new URL('../../demo/faq.json', import.meta.url), 'utf8'));
const TOPICS = ['退款', '人工客服'];
const FAST = { pollMs: 30, minCohort: 3 };

// Records every request body a device sends (with its path).
function recordingFetch() {
  const posted = [];
  const recording = async (url, init) => {
    if (init?.body) posted.push({ path: new URL(url).pathname, body: init.body });
    return fetch(url, init);
  };
  return { posted, recording };
}

/** One render of the slot on `day` (a UTC day number), as deviceWithDay does for yesterday. */
function renderOn(rec, day) {
  rec.experiments._setClock(() => day * 86400 + 7200);
  rec.experiments.recommend(SLOT, { k: 5, history: ['item1'] });
  rec.experiments._setClock(() => Date.now() / 1000);
}

test('a fallback report carries the experiment cells only; the assistant\'s counts wait for the next secure round', async () => {
  const file = metricsFile({ noise: 1e-5 });
  const { server, url } = await metricsServer({ file, cohort: 3, assistTopics: TOPICS });
  const devices = [];
  const assistant = await createAssistant({ faq: FAQ });
  try {
    // Device 0 has the day before yesterday to report, and handed two questions over to a person.
    const rec = await deviceWithDay(0, { file, renders: 0, budget: 1e12 });
    devices.push(rec);
    renderOn(rec, today() - 2);
    assistant.ask('转人工');
    assistant.ask('我要找真人客服');
    const asked = assistant.stats();
    assert.equal(asked.asked, 2);

    // Alone, no cohort forms: the day takes the local fallback.
    const { posted, recording } = recordingFetch();
    const alone = await rec.experiments.send({ server: url, assistant, fetch: recording, policy: { ...FAST, cohortWaitMs: 300 } });
    assert.deepEqual(alone.local, [today() - 2]);
    const local = posted.filter((p) => p.path === '/v1/metrics').map((p) => JSON.parse(p.body));
    assert.equal(local.length, 1);
    const cells = rec.experiments.report(today() - 2).layout.length;
    assert.deepEqual(Object.keys(local[0]).sort(), ['day', 'delta', 'experiments_version', 'layout', 'noise_multiplier', 'noised', 'sensitivity', 'sigma', 'values']);
    assert.equal(local[0].values.length, cells * 13, 'the experiment cells, no extra block');
    assert.equal(local[0].sensitivity, Math.sqrt(13 * 4), 'the sensitivity (and so the charge) of the cells alone');
    assert.deepEqual(assistant.stats(), asked, 'the assistant\'s counts were not sent: they are kept');
    assert.deepEqual(server.ops.store.extras(file.version, 'assist'), [], 'the server holds no extra block from a local report');

    // Yesterday two more devices join it: a cohort forms and the kept counts ride in it, once.
    renderOn(rec, today() - 1);
    for (let i = 1; i < 3; i++) devices.push(await deviceWithDay(i, { file, renders: 1, budget: 1e12 }));
    const results = await Promise.all(devices.map((d, i) => d.experiments.send({ server: url, assistant: i === 0 ? assistant : null, policy: FAST })));
    for (const r of results) assert.deepEqual(r.secure, [today() - 1]);
    assert.equal(assistant.stats().asked, 0, 'reset once summed');
    const assist = server.ops.store.extras(file.version, 'assist');
    assert.ok(assist.every((row) => row.day === today() - 1 && row.reports === 3));
    const handedOver = assist.reduce((sum, row) => sum + Math.round(row.sums[0]), 0);
    assert.equal(handedOver, Object.values(asked.byTopic).reduce((sum, c) => sum + c.handedOver, 0));
    assert.ok(handedOver > 0, 'the fixture hands questions over');
  } finally {
    for (const d of devices) d.dispose();
    assistant.dispose();
    await server.close();
  }
});

test('a device holding another experiments-file version than the round\'s waits: nothing posted or charged, the day kept, reported once it has the version', async () => {
  const v1 = metricsFile({ version: 'sec-1', noise: 1e-5 });
  const v2 = metricsFile({ version: 'sec-2', noise: 1e-5 });
  const { server, url } = await metricsServer({ file: v1, cohort: 3 });
  const devices = [];
  try {
    for (let i = 0; i < 3; i++) devices.push(await deviceWithDay(i, { file: v1, renders: 1, clicks: 1, budget: 1e12 }));
    server.ops.publish(JSON.stringify(v2));  // the server moved on; the devices still hold v1
    const { posted, recording } = recordingFetch();
    for (const aggregation of ['auto', 'secure']) {
      const r = await devices[0].experiments.send({ server: url, aggregation, fetch: recording, policy: { ...FAST, cohortWaitMs: 300 } });
      assert.equal(r.status, 'sent');
      assert.deepEqual(r.sent, [], aggregation);
      assert.deepEqual(r.pending, [today() - 1], `${aggregation}: the day waits`);
      assert.equal(r.epsilonSpent, 0, `${aggregation}: nothing charged`);
    }
    assert.deepEqual(posted, [], 'no key, no masked input, no local report left the device');
    assert.deepEqual(devices[0].experiments.pendingDays(), [today() - 1]);
    for (const version of ['sec-1', 'sec-2']) assert.deepEqual(server.ops.store.transportCounts(version), { local: 0, secure: 0, cohorts: 0 });

    // With the round's version (refresh), the same day goes into the v2 round, counts intact.
    for (const d of devices) assert.equal((await d.experiments.refresh({ server: url })).version, 'sec-2');
    const clicks = devices.map((d) => d.experiments.report(today() - 1).values.filter((_, j) => j % 13 === 2).reduce((a, b) => a + b, 0));
    assert.deepEqual(clicks, [1, 1, 1], 'the day\'s click is still there under the new version');
    const results = await Promise.all(devices.map((d) => d.experiments.send({ server: url, policy: FAST })));
    for (const r of results) assert.deepEqual(r.secure, [today() - 1]);
    const stored = server.ops.store.cells('sec-2');
    assert.equal(Math.round(stored.reduce((sum, c) => sum + c.sums[2], 0)), 3, 'three clicks summed under sec-2');
    assert.deepEqual(server.ops.store.transportCounts('sec-1'), { local: 0, secure: 0, cohorts: 0 });
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

test('a server that lost its clients (UNKNOWN_CLIENT): the device registers again and its day goes through, charged once', async () => {
  const file = metricsFile({ noise: 1 });
  const { server, url } = await metricsServer({ file, cohort: 3 });
  const devices = [];
  const forgetClients = () => server.store.db.prepare('DELETE FROM clients').run();
  try {
    devices.push(await deviceWithDay(0, { file, renders: 0, budget: 1e12 }));
    for (let i = 1; i < 3; i++) devices.push(await deviceWithDay(i, { file, renders: 1, clicks: 1, budget: 1e12 }));
    // The local path: the same noised report again, under a new token, charged once.
    renderOn(devices[0], today() - 2);
    const before = await devices[0].federated._clientToken(url, fetch);
    forgetClients();
    const local = await devices[0].experiments.send({ server: url, aggregation: 'local' });
    assert.deepEqual(local.local, [today() - 2]);
    assert.ok(Math.abs(local.epsilonSpent - devices[0].experiments.epsilonPerDay()) < 1e-9, `one charge: ${local.epsilonSpent}`);
    assert.notEqual(devices[0].federated.exportState().token, before, 'registered again');
    assert.deepEqual(server.ops.store.transportCounts(file.version), { local: 1, secure: 0, cohorts: 0 });

    // The secure path: advertise is refused, the devices register again and join the round.
    renderOn(devices[0], today() - 1);
    for (const d of devices) await d.federated._clientToken(url, fetch);
    forgetClients();
    const results = await Promise.all(devices.map((d) => d.experiments.send({ server: url, policy: FAST })));
    for (const r of results) assert.deepEqual(r.secure, [today() - 1]);
    assert.deepEqual(server.ops.store.transportCounts(file.version), { local: 1, secure: 3, cohorts: 1 });
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

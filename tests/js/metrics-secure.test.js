// The experiment metrics through secure aggregation, end to end: real recommenders
// (rec.experiments.send) against a real server (HTTP, SQLite): the stored cohort sum is the sum of
// the devices' clipped reports (up to the rounding the stored noise variance accounts for), a
// device that drops mid-round leaves the others' sum intact and its day pending, a device that
// sends out-of-bound metrics moves the sum by at most the clip, one device alone falls back to
// local noise, and the statistics carry the distributed noise's variance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from '../../js/server/core.js';
import { runSecureRound } from '../../js/federated/secagg-client.js';
import { metricsVectorShape, normalizedVector, COORDINATE_BOUNDS } from '../../js/metrics-vector.js';
import { deviceWithDay, metricsFile, metricsServer, storedCells, today, trueSums } from './metrics-secure-helpers.js';
import { register } from './secagg-helpers.js';

const FAST = { pollMs: 30, minCohort: 3 };

// |stored - true| within 6 standard deviations of what the stored variance says is not data.
function assertSumsMatch(stored, truth, { devices }) {
  assert.equal(stored.size, truth.size);
  for (const [key, sums] of truth) {
    const cell = stored.get(key);
    assert.ok(cell, `cell ${key} stored`);
    assert.equal(cell.reports, devices);
    for (let j = 0; j < 13; j++) {
      const sd = Math.sqrt(cell.noiseVar[j]);
      assert.ok(Math.abs(cell.sums[j] - sums[j]) <= 6 * sd + 1e-9, `${key}[${j}]: stored ${cell.sums[j]}, true ${sums[j]}, sd ${sd}`);
    }
  }
}

// Nearly no noise (z = 10^-5, the discrete Gaussian's floor of 4 grid units^2; a ledger that affords it): what is left is the rounding.
const NEARLY_EXACT = { noise: 1e-5 };
const BIG_BUDGET = 1e12;

test('a metrics round sums the devices\' days exactly (no noise: up to rounding); counts come back whole', async () => {
  const file = metricsFile(NEARLY_EXACT);
  const { server, url } = await metricsServer({ file, cohort: 4 });
  const devices = [];
  try {
    for (let i = 0; i < 4; i++) devices.push(await deviceWithDay(i, { file, renders: 1 + i, clicks: i % 3, purchases: i === 2 ? 1 : 0, budget: BIG_BUDGET }));
    const reports = devices.map((d) => d.experiments.report(today() - 1));
    const results = await Promise.all(devices.map((d) => d.experiments.send({ server: url, policy: FAST })));
    for (const r of results) {
      assert.equal(r.status, 'sent');
      assert.deepEqual(r.secure, [today() - 1]);
      assert.deepEqual(r.local, []);
    }
    for (const d of devices) assert.deepEqual(d.experiments.pendingDays(), []);
    const stored = storedCells(server, file.version);
    assertSumsMatch(stored, trueSums(reports), { devices: 4 });
    // With (nearly) no noise the variance left is the rounding's: counts (users, impressions,
    // clicks, purchases) round back to the exact integers.
    const truth = trueSums(reports);
    for (const [key, sums] of truth) for (const j of [0, 1, 2, 4]) assert.equal(Math.round(stored.get(key).sums[j]) + 0, sums[j], `${key}[${j}]`);
    const summary = server.ops.summary();
    assert.equal(summary.reports, 4);
    assert.equal(summary.privacy.transport, 'secure-aggregation');
    assert.equal(summary.privacy.secureCohorts, 1);
    assert.equal(server.ops.store.transportCounts(file.version).local, 0);
    // Nothing of one device is kept once the round closed.
    const db = server.store.db;
    for (const table of ['secagg_metrics_members', 'secagg_metrics_shares', 'secagg_metrics_masked', 'secagg_metrics_unmask']) {
      assert.equal(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n, 0, table);
    }
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

test('a device that drops after sharing its keys: the others\' sum is intact, its day stays pending', async () => {
  const file = metricsFile({ noise: 1 });
  const { server, url } = await metricsServer({ file, cohort: 5 });
  const devices = [];
  try {
    for (let i = 0; i < 5; i++) devices.push(await deviceWithDay(i, { file, renders: 2, clicks: 1 + (i % 2), purchases: i % 2 }));
    const reports = devices.map((d) => d.experiments.report(today() - 1));
    const results = await Promise.all(devices.map((d, i) => d.experiments.send({ server: url, policy: FAST, aggregation: 'secure', _dropAfter: i === 4 ? 'share' : null })));
    for (const r of results.slice(0, 4)) assert.deepEqual(r.secure, [today() - 1]);
    assert.deepEqual(results[4].sent, []);
    assert.deepEqual(results[4].pending, [today() - 1]);
    assert.deepEqual(devices[4].experiments.pendingDays(), [today() - 1], 'the dropped device keeps its day');
    const stored = storedCells(server, file.version);
    assertSumsMatch(stored, trueSums(reports.slice(0, 4)), { devices: 4 });
    // The noise is the distributed Gaussian: its variance is what the intervals carry, far below
    // the local path's 4 z^2 C^2 b_j^2 for four devices.
    const cell = [...stored.values()][0];
    const C = Math.sqrt(13 * 4);
    for (let j = 0; j < 13; j++) {
      const local = 4 * (C * COORDINATE_BOUNDS[j]) ** 2;
      assert.ok(cell.noiseVar[j] > 0 && cell.noiseVar[j] < local, `noise variance ${cell.noiseVar[j]} vs local ${local}`);
    }
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

test('one device alone: no cohort forms in its wait, the day takes the local-noise fallback; secure-only keeps it pending', async () => {
  const file = metricsFile({ noise: 1 });
  const { server, url } = await metricsServer({ file, cohort: 10 });
  const rec = await deviceWithDay(0, { file, renders: 1, clicks: 1 });
  try {
    const strict = await rec.experiments.send({ server: url, aggregation: 'secure', policy: { ...FAST, cohortWaitMs: 300 } });
    assert.deepEqual(strict.sent, []);
    assert.deepEqual(strict.pending, [today() - 1]);
    const auto = await rec.experiments.send({ server: url, policy: { ...FAST, cohortWaitMs: 300 } });
    assert.deepEqual(auto.local, [today() - 1]);
    assert.deepEqual(server.ops.store.transportCounts(file.version), { local: 1, secure: 0, cohorts: 0 });
    assert.equal(server.ops.summary().privacy.transport, 'local-gaussian');
  } finally {
    rec.dispose();
    await server.close();
  }
  // A server without secure metrics rounds: the fallback at once.
  const off = await metricsServer({ file, metricsSecure: false });
  const again = await deviceWithDay(1, { file, renders: 1 });
  try {
    const started = Date.now();
    const sent = await again.experiments.send({ server: off.url });
    assert.deepEqual(sent.local, [today() - 1]);
    assert.ok(Date.now() - started < 5000);
  } finally {
    again.dispose();
    await off.server.close();
  }
});

test('a device that sends out-of-bound metrics moves the sum by at most the clip; the device side clamps to the bounds', async () => {
  const file = metricsFile(NEARLY_EXACT);
  const { server, url } = await metricsServer({ file, cohort: 4 });
  const devices = [];
  try {
    for (let i = 0; i < 3; i++) devices.push(await deviceWithDay(i, { file, renders: 1, clicks: 1, budget: BIG_BUDGET }));
    const reports = devices.map((d) => d.experiments.report(today() - 1));
    // The device's own code clamps: a report claiming 10^6 impressions becomes the bound.
    const shape = metricsVectorShape({ layout: reports[0].layout, file }, []);
    const inflated = { ...reports[0], values: reports[0].values.map((v, i) => (i % 13 === 1 ? 1e6 : v)) };
    assert.ok(normalizedVector(inflated, shape).every((v) => v >= 0 && v <= 1));
    // A hostile device bypasses it: 10^6 times the bound on one coordinate of its masked input.
    const core = await loadCore();
    const round = await (await fetch(`${url}/v1/secagg-metrics/round?day=${today() - 1}`)).json();
    const hostileValues = new Float32Array(shape.length);
    hostileValues[1] = 1e6;
    const hostile = runSecureRound({
      core, server: url, token: await register(url), round: { round_id: round.round_id, secure: round.secure }, base: 'v1/secagg-metrics',
      maskedInput: (params, index, peers, secrets, selfSeed) => core.secaggMaskValues(hostileValues, JSON.stringify(params), index, crypto.getRandomValues(new Uint8Array(32)), selfSeed, peers, secrets).masked,
      chargeable: () => ({ affordable: true }), charge: () => {}, policy: FAST,
    });
    const results = await Promise.all([hostile, ...devices.map((d) => d.experiments.send({ server: url, policy: FAST }))]);
    assert.equal(results[0].status, 'completed');
    const stored = storedCells(server, file.version);
    const key = reports[0].layout[0].join('/');
    const honest = trueSums(reports).get(key)[1];
    const clip = shape.sensitivity * COORDINATE_BOUNDS[1];  // the L2 clip, in impressions
    const moved = stored.get(key).sums[1] - honest;
    assert.ok(moved > 0 && moved <= clip + 6 * Math.sqrt(stored.get(key).noiseVar[1]), `moved by ${moved}, clip ${clip}`);
    // A masked input of the wrong length is refused with a named error, and nothing is stored.
    const next = await (await fetch(`${url}/v1/secagg-metrics/round?day=${today() - 1}`)).json();
    const response = await fetch(`${url}/v1/secagg-metrics/${next.round_id}/masked`, {
      method: 'POST', headers: { authorization: `Bearer ${await register(url)}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(64),
    });
    assert.equal(response.status, 403);
    assert.equal((await response.json()).error.code, 'NOT_A_MEMBER');
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
});

test('the metrics round route: a day outside the window and an unknown round are named 404s', async () => {
  const { server, url } = await metricsServer({ cohort: 3 });
  try {
    for (const day of [today(), today() + 3, today() - 30, 'x']) {
      const response = await fetch(`${url}/v1/secagg-metrics/round?day=${day}`);
      assert.equal(response.status, 404);
      assert.equal((await response.json()).error.code, 'NO_METRICS_ROUND');
    }
    const response = await fetch(`${url}/v1/secagg-metrics/999/state`);
    assert.equal(response.status, 404);
    const round = await (await fetch(`${url}/v1/secagg-metrics/round`)).json();
    assert.equal(round.kind, 'metrics');
    assert.equal(round.day, today() - 1);
    assert.equal(round.secure.stage, 'advertise');
    assert.equal(round.sensitivity, Math.sqrt(52));
  } finally {
    await server.close();
  }
});

test('the statistics read the cohort sums: each CTR is within its stated noise of the truth, a restart keeps the open round', async () => {
  const { postSecureDay, simExperimentsFile, simulatedReports } = await import('../../tools/ops-sim.mjs');
  const file = simExperimentsFile({ noise: 0.002 });
  const { server, url, dataDir } = await metricsServer({ file, cohort: 15, metricsSecure: { deadlineMs: 3000 } });
  let restarted = null;
  try {
    const day = { day: today() - 1, users: 90, seed: 5, ctr: { control: 0.03, div03: 0.15 } };
    const posted = await postSecureDay(server.core, url, file, day);
    assert.deepEqual(posted, { secure: 90, local: 0, cohorts: 6 });
    // The truth: the same simulated phones' clipped reports, summed here.
    const truth = { control: [0, 0], div03: [0, 0] };
    for (const r of simulatedReports(server.core, file, day)) {
      r.layout.forEach(([e, v], c) => { if (e === 'diversity') { truth[v][0] += r.values[c * 13 + 2]; truth[v][1] += r.values[c * 13 + 1]; } });
    }
    const experiment = server.ops.summary().experiments.find((e) => e.id === 'diversity');
    // The noise of the six cohort sums is in each interval, and shown as its share: each CTR lies
    // within 6 stated noise standard deviations of the true one.
    for (const v of ['control', 'div03']) {
      const m = experiment.totals[v].ctr;
      assert.ok(m.noiseVariance > 0 && m.variance >= m.noiseVariance && m.noiseShare > 0 && m.noiseShare <= 1, JSON.stringify(m));
      const trueCtr = truth[v][0] / truth[v][1];
      assert.ok(Math.abs(m.value - trueCtr) <= 6 * Math.sqrt(m.noiseVariance), `${v}: ${m.value} vs ${trueCtr} (noise sd ${Math.sqrt(m.noiseVariance)})`);
    }
    assert.ok(experiment.comparisons[0].ctr.sequentialP <= 1);
    const srm = experiment.srm;
    assert.equal(srm.flagged, false);
    // A device advertises in the next round; the server restarts; the round and its member are still there.
    const round = await (await fetch(`${url}/v1/secagg-metrics/round?day=${today() - 2}`)).json();
    const { register } = await import('./secagg-helpers.js');
    const { generateKeyPair, b64url } = await import('../../js/federated/secagg-crypto.js');
    const token = await register(url);
    const keys = [await generateKeyPair('X25519', true), await generateKeyPair('X25519', false)];
    const advertised = await fetch(`${url}/v1/secagg-metrics/${round.round_id}/advertise`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ curve: 'X25519', mask_pk: b64url(keys[0].publicRaw), enc_pk: b64url(keys[1].publicRaw) }),
    });
    assert.equal(advertised.status, 200);
    await server.close();
    restarted = await metricsServer({ file, cohort: 15, dataDir, metricsSecure: { deadlineMs: 3000 } });
    const again = await (await fetch(`${restarted.url}/v1/secagg-metrics/round?day=${today() - 2}`)).json();
    assert.equal(again.round_id, round.round_id);
    assert.equal(again.secure.members, 1);
    assert.equal(restarted.server.ops.store.transportCounts(file.version).secure, 90, 'the sums survived');
  } finally {
    if (restarted) await restarted.server.close();
    else await server.close();
  }
});

test('an empty round of a day that left the window is closed when a later day opens', async () => {
  let now = Date.now();
  const { server, url } = await metricsServer({ cohort: 3, metricsSecure: { clock: () => now } });
  try {
    const first = await (await fetch(`${url}/v1/secagg-metrics/round`)).json();
    now += 10 * 86400000;
    const later = await (await fetch(`${url}/v1/secagg-metrics/round`)).json();
    assert.equal(later.day, first.day + 10);
    const rows = server.ops.rounds.list();
    assert.equal(rows.find((r) => r.id === first.round_id).state, 'aborted');
    assert.equal(rows.find((r) => r.id === later.round_id).state, 'open');
    assert.equal(server.ops.rounds.rounds.size, 1);
  } finally {
    await server.close();
  }
});

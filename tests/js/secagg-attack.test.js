// THE ATTACK, played by the server: from everything the server receives (every request body of
// every device), stores (its SQLite file, read through a second connection) and logs in a round,
// recover each device's history items with the gradient-structure attack: the dense part of an
// update is proportional to (v_i . x) x, so each row's projection on the top singular vector fits
// c (v_i . u) except on the history rows; the rows with the largest residuals are the guess.
// Against today's plaintext upload it recovers nearly all items (the test is real); against
// secure aggregation it is at chance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createRecommender } from '../../js/index.js';
import { f32Bundle, gaussianRows, itemIds, rng } from '../../tools/bundle-fixtures.mjs';
import { recordingFetch, secureServer, waitFor } from './secagg-helpers.js';
import { getStatus } from './federated-helpers.js';

const require = createRequire(import.meta.url);
const ITEMS = 400;
const DIM = 16;
const DEVICES = 12;
const HISTORY = 5;
const ROWS = gaussianRows(ITEMS, DIM, 11).map((v) => v * 0.3);
const bundle = () => f32Bundle(ROWS, itemIds(ITEMS), DIM);

function histories() {
  const random = rng(2024);
  return Array.from({ length: DEVICES }, () => {
    const picked = new Set();
    while (picked.size < HISTORY) picked.add(Math.floor(random() * ITEMS));
    return [...picked];
  });
}

/** The attack on one update matrix G (ITEMS x DIM): the HISTORY rows it names. */
export function gradientAttack(G) {
  let u = new Float64Array(DIM).fill(1 / Math.sqrt(DIM));
  for (let iter = 0; iter < 100; iter++) {  // top right singular vector: power iteration on G^T G
    const gu = new Float64Array(ITEMS);
    for (let i = 0; i < ITEMS; i++) for (let j = 0; j < DIM; j++) gu[i] += G[i * DIM + j] * u[j];
    const next = new Float64Array(DIM);
    for (let i = 0; i < ITEMS; i++) for (let j = 0; j < DIM; j++) next[j] += G[i * DIM + j] * gu[i];
    const norm = Math.hypot(...next) || 1;
    u = next.map((v) => v / norm);
  }
  const p = new Float64Array(ITEMS);
  const q = new Float64Array(ITEMS);
  for (let i = 0; i < ITEMS; i++) for (let j = 0; j < DIM; j++) { p[i] += G[i * DIM + j] * u[j]; q[i] += ROWS[i * DIM + j] * u[j]; }
  let pq = 0;
  let qq = 0;
  for (let i = 0; i < ITEMS; i++) { pq += p[i] * q[i]; qq += q[i] * q[i]; }
  const c = pq / qq;  // least squares p ~ c q
  const residual = Array.from({ length: ITEMS }, (_, i) => [Math.abs(p[i] - c * q[i]), i]);
  residual.sort((a, b) => b[0] - a[0]);
  return residual.slice(0, HISTORY).map(([, i]) => i);
}

function hits(guess, truth) { return guess.filter((i) => truth.includes(i)).length; }

/** Decodes an int8 update payload (core/include/zhixuan/federated/payload.hpp) as the server can. */
function decodeInt8Payload(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(bytes[6], 2, 'int8 encoding');
  const rows = view.getUint32(36, true);
  const dim = view.getUint16(40, true);
  const body = 43 + bytes[42];
  const out = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const scale = view.getFloat32(body + 4 * r, true);
    for (let j = 0; j < dim; j++) out[r * dim + j] = scale * view.getInt8(body + 4 * rows + r * dim + j);
  }
  return out;
}

function sqliteTables(dataDir) {
  const Database = require('better-sqlite3');
  const db = new Database(path.join(dataDir, 'zhixuan-server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t}`).all()]));
  } finally {
    db.close();
  }
}

async function devicesFor(url, extra) {
  const truth = histories();
  const sent = truth.map(() => []);
  const devices = await Promise.all(truth.map(async () => {
    const rec = await createRecommender({ model: bundle() });
    rec.federated.setConsent(true, { epsilonBudget: Infinity });
    return rec;
  }));
  const results = await Promise.all(devices.map((rec, d) => rec.federated.participate({
    server: url, history: truth[d].map((i) => `item${i}`), fetch: recordingFetch(sent[d]), ...extra,
  })));
  return { truth, sent, results };
}

test('the attack recovers the history items from plaintext int8 uploads (the test is real)', async (t) => {
  const { server, url, dataDir } = await secureServer({ modelBytes: bundle(), aggregation: 'plain', encoding: 'int8', quorum: 100, noiseMultiplier: 1, clip: 1 });
  try {
    const { truth, sent, results } = await devicesFor(url, { aggregation: 'plain' });
    for (const r of results) assert.equal(r.status, 'submitted');
    let recovered = 0;
    for (let d = 0; d < DEVICES; d++) {
      const upload = sent[d].find((m) => m.method === 'POST' && /\/updates$/.test(m.url));
      recovered += hits(gradientAttack(decodeInt8Payload(upload.body)), truth[d]);
    }
    // The same from what the server stored.
    const stored = sqliteTables(dataDir).updates;
    assert.equal(stored.length, DEVICES);
    let fromDisk = 0;
    for (const row of stored) {
      const G = decodeInt8Payload(new Uint8Array(row.payload));
      const best = Math.max(...truth.map((t) => hits(gradientAttack(G), t)));
      fromDisk += best;
    }
    t.diagnostic(`plaintext: ${recovered} of ${DEVICES * HISTORY} items from the uploads, ${fromDisk} from the SQLite file`);
    assert.ok(recovered >= 50, `recovered ${recovered} of ${DEVICES * HISTORY} history items from the plaintext uploads`);
    assert.ok(fromDisk >= 50, `recovered ${fromDisk} from the SQLite file`);
  } finally {
    await server.close();
  }
});

test('against secure aggregation the same attack, on everything the server sees, is at chance', async (t) => {
  const { server, url, dataDir, logs } = await secureServer({ modelBytes: bundle(), quorum: DEVICES, noiseMultiplier: 1, clip: 1 });
  const snapshots = [];
  const watcher = setInterval(() => { try { snapshots.push(sqliteTables(dataDir)); } catch { /* mid-checkpoint */ } }, 40);
  try {
    const { truth, sent, results } = await devicesFor(url, { secure: { minCohort: 3, pollMs: 30 } });
    clearInterval(watcher);
    snapshots.push(sqliteTables(dataDir));
    for (const r of results) assert.equal(r.status, 'completed', JSON.stringify(r));
    await waitFor(async () => (await getStatus(url)).round === 2);
    // Everything each device sent: keys, sealed shares, its masked input, its unmask answer.
    const params = snapshots.map((s) => s.secagg_rounds?.find((r) => r.id === 1 && r.params)).find(Boolean)?.params;
    assert.ok(params, 'a snapshot caught the round in progress');
    let recovered = 0;
    const deviceOfIndex = new Map();
    for (let d = 0; d < DEVICES; d++) {
      const bodies = sent[d].filter((m) => m.method === 'POST');
      assert.deepEqual(bodies.map((m) => m.url.split('/').pop()), ['clients', 'advertise', 'shares', 'masked', 'unmask']);
      const masked = bodies.find((m) => m.url.endsWith('/masked')).body;
      deviceOfIndex.set(new DataView(masked.buffer, masked.byteOffset).getUint32(16, true), d);
      const decoded = server.core.secaggDecodeMasked(params, masked);
      assert.ok(!decoded.zxError, decoded.zxError?.message);
      recovered += hits(gradientAttack(decoded.values), truth[d]);
      // No plaintext gradient-like vector anywhere else: the other bodies are JSON of keys and shares.
      for (const m of bodies.filter((b) => !b.url.endsWith('/masked') && b.body)) {
        const json = JSON.parse(new TextDecoder().decode(m.body));
        assert.ok(JSON.stringify(json).length < 20_000, 'a small JSON message');
      }
    }
    // Chance: 5 guesses among 400 rows per device, 60 items in all: 0.75 expected hits;
    // P(7 or more) < 2e-5.
    t.diagnostic(`secure aggregation: ${recovered} of ${DEVICES * HISTORY} items from the bodies (chance 0.75)`);
    assert.ok(recovered <= 6, `recovered ${recovered} of ${DEVICES * HISTORY} (chance 0.75)`);
    // What the server stored during the round: only masked inputs and shares, each masked input
    // as opaque as the bytes above (the attack on each stored row is the same as on the bodies).
    let storedHits = 0;
    const seen = new Set();
    for (const snap of snapshots) {
      for (const row of snap.secagg_masked ?? []) {
        if (seen.has(row.idx)) continue;
        seen.add(row.idx);
        const G = server.core.secaggDecodeMasked(params, new Uint8Array(row.bytes)).values;
        storedHits += hits(gradientAttack(G), truth[deviceOfIndex.get(row.idx)]);
      }
    }
    t.diagnostic(`secure aggregation: ${storedHits} from the stored masked inputs`);
    assert.ok(storedHits <= 6, `hits on the stored masked inputs: ${storedHits} (chance 0.75 over all)`);
    // After the round: nothing per device remains on disk, and the logs name no item.
    const after = sqliteTables(dataDir);
    for (const t of ['secagg_members', 'secagg_shares', 'secagg_masked', 'secagg_unmask', 'updates']) assert.equal(after[t].length, 0, t);
    assert.ok(!logs.some((l) => /item\d/.test(l)), 'no item id in the logs');
  } finally {
    clearInterval(watcher);
    await server.close();
  }
});

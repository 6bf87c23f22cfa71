// The aggregation server under load (issue 17): DEVICES real HTTP clients on loopback, each on its
// own connection, upload into one round at once; `zhixuan serve` runs as a child process (plain
// aggregation, quorum = every device), so the round closes exactly when the last update is in.
// Checked: every upload acknowledged exactly once (202), the acknowledgements carry each count
// 1..N exactly once (none lost, none counted twice), the closed round holds N, the database
// passes PRAGMA integrity_check. Measured: acknowledgement latency (one device at a time first,
// the baseline, then all at once) and the server's peak resident memory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRecommender } from '../js/index.js';
import { checkerboardBundle } from './bundle-fixtures.mjs';
import { killHard, peakRss, startServerChild } from './server-child.mjs';
import { operatorGet, percentile, registerDevices, request, upload } from './server-http.mjs';

const require = createRequire(import.meta.url);
const OPERATOR = 'load-test-operator-token-000000';

export async function runLoad({ devices = 2000, sequential = 30, rows = 200, dim = 32, dataDir } = {}) {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'zx-load-'));
  const modelPath = path.join(dir, 'model.safetensors');
  writeFileSync(modelPath, checkerboardBundle(rows, dim));
  const total = sequential + devices;
  const { child, url, pid } = await startServerChild([
    '--model', modelPath, '--data', path.join(dir, 'state'), '--port', '0', '--aggregation', 'plain', '--quorum', String(total),
    '--clip', '0.5', '--operator-token', OPERATOR, '--max-connections', String(devices + 512),
    '--requests-per-ip-per-minute', '1000000', '--registrations-per-ip-per-minute', '1000000',
  ]);
  try {
    const round = (await request(`${url}/v1/round`)).body;
    const tokens = await registerDevices(url, total);
    const rec = await createRecommender({ model: checkerboardBundle(rows, dim) });
    rec.federated.setConsent(true, { epsilonBudget: Infinity });
    const payloads = tokens.map((_, i) => rec.federated.computeUpdate(round, { history: [`item${i % rows}`, `item${(i * 7 + 3) % rows}`, `item${(i * 13 + 5) % rows}`] }));
    rec.dispose();

    const acks = [];
    const sequentialMs = [];
    for (let i = 0; i < sequential; i++) {
      const r = await upload(url, round.round_id, tokens[i], payloads[i]);
      acks.push(r);
      sequentialMs.push(r.ms);
    }
    const rssBefore = await peakRss(pid);
    const started = performance.now();
    const burst = await Promise.all(tokens.slice(sequential).map((token, i) =>
      upload(url, round.round_id, token, payloads[sequential + i]).catch((error) => ({ status: 0, body: { error: { code: error.code ?? error.message } }, ms: NaN }))));
    const wallMs = performance.now() - started;
    acks.push(...burst);

    const failures = acks.filter((a) => a.status !== 202);
    const counts = acks.filter((a) => a.status === 202).map((a) => a.body.accepted).sort((a, b) => a - b);
    const countsExact = counts.length === total && counts.every((c, i) => c === i + 1);
    let status;
    for (let tries = 0; tries < 200; tries++) {
      status = (await operatorGet(url, '/v1/status', OPERATOR)).body;
      if (status.rounds_closed >= 1) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const peak = await peakRss(pid);
    await killHard(child);
    const Database = require('better-sqlite3');
    const db = new Database(path.join(dir, 'state', 'zhixuan-server.sqlite'), { readonly: true });
    const integrity = db.pragma('integrity_check', { simple: true });
    const closed = db.prepare('SELECT accepted FROM rounds WHERE id = ?').get(round.round_id);
    db.close();
    const burstMs = burst.map((a) => a.ms).filter(Number.isFinite).sort((a, b) => a - b);
    const seqSorted = [...sequentialMs].sort((a, b) => a - b);
    return {
      devices, sequential, total, payloadBytes: payloads[0].byteLength,
      acknowledged: counts.length, failures: failures.map((f) => `${f.status} ${f.body?.error?.code}`),
      countsExact, closedAccepted: closed?.accepted ?? null, statusClosed: status?.last_closed ?? null, integrity,
      sequentialP50: percentile(seqSorted, 0.5), sequentialP99: percentile(seqSorted, 0.99),
      p50: percentile(burstMs, 0.5), p99: percentile(burstMs, 0.99), max: burstMs.at(-1), wallMs,
      rssBeforeBurst: rssBefore, peakRss: peak,
    };
  } finally {
    await killHard(child);
  }
}

// Crash tests of the aggregation server (issue 17): `zhixuan serve` (plain aggregation) is killed
// with SIGKILL KILLS times across many rounds while devices upload, each time at one of:
//   upload                 a random instant while updates arrive
//   update:stored          an update committed, its 202 not yet sent        (js/server/faults.js)
//   aggregate:start        the quorum is in, not yet summed
//   close:in-transaction   the next model written inside the closing transaction
//   close:committed        the close committed, the server not yet reopened
// then restarted on the same data directory. After every kill the database (opened by this tool,
// the server dead) must pass PRAGMA integrity_check and hold no half-applied round: one open
// round, each closed round followed by a round on its model, no stored update of a closed round;
// every acknowledged update stored (open round) or counted (closed round), nothing counted that
// was never sent, and the restarted server's count equals the stored one.
//   node tools/server-faults.mjs [--kills 50] [--quorum 8] [--devices 24] [--seed 1]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRecommender } from '../js/index.js';
import { checkerboardBundle, rng } from './bundle-fixtures.mjs';
import { killHard, startServerChild } from './server-child.mjs';
import { registerDevices, request, upload } from './server-http.mjs';

const require = createRequire(import.meta.url);
export const MODES = ['upload', 'update:stored', 'aggregate:start', 'close:in-transaction', 'close:committed'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Ledger {
  constructor() { this.rounds = new Map(); }
  of(round) {
    if (!this.rounds.has(round)) this.rounds.set(round, { attempted: new Set(), acked: new Set(), stored: new Set(), payloads: new Map() });
    return this.rounds.get(round);
  }
}

/** The database as a crash left it: the invariants, as a list of violations (empty: all hold). */
export function checkDatabase(file, ledger) {
  const Database = require('better-sqlite3');
  const db = new Database(file);  // not readonly: opening recovers the WAL as the server would
  const bad = [];
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') bad.push(`integrity_check: ${integrity}`);
    const rounds = db.prepare('SELECT id, base_version, state, accepted, next_version FROM rounds ORDER BY id').all();
    const open = rounds.filter((r) => r.state === 'open');
    if (open.length !== 1 || open[0].id !== rounds.at(-1).id) bad.push(`open rounds: ${open.map((r) => r.id)} of ${rounds.length}`);
    const byId = new Map(rounds.map((r) => [r.id, r]));
    for (const r of rounds.filter((x) => x.state === 'closed')) {
      const next = byId.get(r.id + 1);
      if (!r.next_version || !next || next.base_version !== r.next_version) bad.push(`round ${r.id} closed without its successor on ${r.next_version}`);
      const l = ledger.of(r.id);
      if (r.accepted < l.acked.size + [...l.stored].filter((t) => !l.acked.has(t)).length) bad.push(`round ${r.id}: ${r.accepted} counted < ${l.acked.size} acknowledged`);
      if (r.accepted > l.attempted.size) bad.push(`round ${r.id}: ${r.accepted} counted > ${l.attempted.size} ever sent`);
    }
    const current = db.prepare('SELECT version FROM models ORDER BY seq DESC LIMIT 1').get()?.version;
    if (open[0] && current !== open[0].base_version) bad.push(`the open round is on ${open[0]?.base_version}, the newest model is ${current}`);
    const strays = db.prepare('SELECT round_id, COUNT(*) AS n FROM updates WHERE round_id != ? GROUP BY round_id').all(open[0]?.id ?? -1);
    for (const s of strays) bad.push(`${s.n} stored updates of round ${s.round_id}, which is not open`);
    if (open[0]) {
      const stored = new Set(db.prepare('SELECT client_token FROM updates WHERE round_id = ?').all(open[0].id).map((u) => u.client_token));
      const l = ledger.of(open[0].id);
      for (const t of l.acked) if (!stored.has(t)) bad.push(`round ${open[0].id}: an acknowledged update is lost`);
      for (const t of stored) if (!l.attempted.has(t)) bad.push(`round ${open[0].id}: a stored update was never sent`);
      return { bad, openRound: open[0].id, storedOpen: stored.size, closed: rounds.length - 1 };
    }
    return { bad, openRound: null, storedOpen: 0, closed: rounds.length };
  } finally {
    db.close();
  }
}

/** Devices uploading into whatever round is open until the server goes away (or `stop()`). */
function drive(url, tokens, ledger, random, state) {
  let stopped = false;
  const done = (async () => {
    for (;;) {
      if (stopped) return;
      let round;
      try { round = (await request(`${url}/v1/round`)).body; } catch { return; }
      if (state.version !== round.base_version) {
        let model;
        try { model = await request(`${url}/v1/model`); } catch { return; }
        if (model.headers['x-zhixuan-model-version'] !== round.base_version) continue;  // closed meanwhile
        state.rec?.dispose();
        state.rec = await createRecommender({ model: new Uint8Array(model.body) });
        state.rec.federated.setConsent(true, { epsilonBudget: Infinity });
        state.version = round.base_version;
      }
      const l = ledger.of(round.round_id);
      const candidates = tokens.filter((t) => !l.acked.has(t) && !l.stored.has(t) && !l.stale?.has(t));
      const batch = [];
      while (batch.length < 3 && candidates.length) batch.push(candidates.splice(Math.floor(random() * candidates.length), 1)[0]);
      if (!batch.length) { await sleep(10); continue; }
      const sends = batch.map((token) => {
        if (!l.payloads.has(token)) {
          const i = tokens.indexOf(token);
          l.payloads.set(token, state.rec.federated.computeUpdate(round, { history: [`item${i % 40}`, `item${(i * 7 + round.round_id) % 40}`] }));
        }
        l.attempted.add(token);
        return upload(url, round.round_id, token, l.payloads.get(token));
      });
      const answers = await Promise.allSettled(sends);
      let down = false;
      answers.forEach((a, k) => {
        const token = batch[k];
        if (a.status === 'rejected') { down = true; return; }
        const { status, body } = a.value;
        const code = body?.error?.code;
        if (status === 202) l.acked.add(token);
        else if (code === 'DUPLICATE_UPDATE') l.stored.add(token);  // stored before an earlier kill, not acknowledged then
        else if (code === 'STALE_ROUND' || code === 'ROUND_NOT_OPEN') (l.stale ??= new Set()).add(token);
        else state.unexpected.push(`${status} ${code}`);
      });
      if (down) return;
    }
  })();
  return { done, stop: () => { stopped = true; } };
}

export async function runFaults({ kills = 50, quorum = 8, devices = 24, seed = 1, log = () => {} } = {}) {
  const random = rng(seed);
  const dir = mkdtempSync(path.join(tmpdir(), 'zx-faults-'));
  const modelPath = path.join(dir, 'model.safetensors');
  writeFileSync(modelPath, checkerboardBundle(40, 16));
  const dbFile = path.join(dir, 'state', 'zhixuan-server.sqlite');
  const args = ['--model', modelPath, '--data', path.join(dir, 'state'), '--port', '0', '--aggregation', 'plain', '--quorum', String(quorum),
    '--clip', '0.5', '--operator-token', 'faults-tool-operator-token-0000', '--updates-per-client-per-minute', '100000',
    '--requests-per-ip-per-minute', '10000000', '--registrations-per-ip-per-minute', '100000'];
  const ledger = new Ledger();
  const state = { rec: null, version: null, unexpected: [] };
  const report = { kills: [], violations: [], byMode: Object.fromEntries(MODES.map((m) => [m, 0])), pointMissed: 0 };
  let tokens;
  {
    const { child, url } = await startServerChild(args);
    tokens = await registerDevices(url, devices);
    await killHard(child);
  }
  for (let k = 0; k < kills; k++) {
    const mode = k < MODES.length ? MODES[k] : MODES[Math.floor(random() * MODES.length)];
    const before = checkDatabase(dbFile, ledger);
    let hit = null;
    let server;
    let killNow;
    const killed = new Promise((resolve) => { killNow = resolve; });
    const env = mode === 'upload' ? {} : { ZHIXUAN_FAULT_POINTS: mode, ZHIXUAN_FAULT_PAUSE_MS: '5000' };
    const onLine = (line, child) => {
      if (!line.startsWith('zhixuan fault point:')) return;
      hit = line.slice(21).trim();
      child.kill('SIGKILL');  // the server waits at the point: it dies there
      killNow();
    };
    try {
      server = await startServerChild(args, { env, onLine });
    } catch (error) {
      server = null;  // stopped at its point while recovering (killed by onLine), or could not start
      if (!hit) report.violations.push(`kill ${k}: the server did not restart: ${error.message.slice(0, 300)}`);
    }
    if (server) {
      const resumed = (await request(`${server.url}/v1/round`).catch(() => null))?.body;
      if (resumed && resumed.round_id === before.openRound && resumed.accepted !== before.storedOpen) {
        report.violations.push(`kill ${k}: the restarted server counts ${resumed.accepted}, ${before.storedOpen} are stored`);
      }
      const driver = drive(server.url, tokens, ledger, random, state);
      if (mode === 'upload') setTimeout(killNow, 30 + random() * 600);
      else setTimeout(killNow, 15_000);
      await killed;
      await killHard(server.child);
      driver.stop();
      await driver.done;
    }
    if (mode !== 'upload' && !hit) report.pointMissed++;
    const after = checkDatabase(dbFile, ledger);
    report.byMode[mode]++;
    report.kills.push({ mode, hit, openRound: after.openRound });
    for (const v of after.bad) report.violations.push(`kill ${k} (${mode}): ${v}`);
    log(`kill ${k + 1}/${kills} ${mode}${mode !== 'upload' ? (hit ? ' (at the point)' : ' (point not reached)') : ''}: open round ${after.openRound}, ${after.storedOpen} stored, ${after.bad.length} violations`);
  }
  // A last clean start: it must come up, serve the round it recovered, and count what is stored.
  const last = checkDatabase(dbFile, ledger);
  try {
    const { child, url } = await startServerChild(args);
    const round = (await request(`${url}/v1/round`)).body;
    await killHard(child);
    if (round.round_id === last.openRound && round.accepted !== last.storedOpen) report.violations.push(`final: counts ${round.accepted}, ${last.storedOpen} stored`);
  } catch (error) {
    report.violations.push(`final: the server did not restart: ${error.message.slice(0, 300)}`);
  }
  state.rec?.dispose();
  const closed = [...ledger.rounds.keys()].filter((r) => r < (last.openRound ?? 0));
  report.roundsClosed = last.closed;
  report.acknowledged = [...ledger.rounds.values()].reduce((n, l) => n + l.acked.size, 0);
  report.storedUnacknowledged = [...ledger.rounds.values()].reduce((n, l) => n + l.stored.size, 0);  // resent: 409 DUPLICATE_UPDATE
  report.roundsTouched = closed.length + 1;
  report.unexpected = state.unexpected;
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (v.startsWith('--') ? [...acc, [v.slice(2), all[i + 1]]] : acc), []));
  const started = performance.now();
  const report = await runFaults({
    kills: Number(args.kills ?? 50), quorum: Number(args.quorum ?? 8), devices: Number(args.devices ?? 24), seed: Number(args.seed ?? 1),
    log: (m) => console.log(m),
  });
  console.log(`\n${report.kills.length} kills (${Object.entries(report.byMode).map(([m, n]) => `${m} ${n}`).join(', ')}; fault point not reached ${report.pointMissed}), ` +
    `${report.roundsClosed} rounds closed, ${report.acknowledged} updates acknowledged, ${report.storedUnacknowledged} stored but cut off before their 202 (resent: 409 DUPLICATE_UPDATE, counted once), ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`unexpected answers: ${report.unexpected.length ? report.unexpected.join('; ') : 'none'}`);
  console.log(`violations: ${report.violations.length ? report.violations.join('\n  ') : 'none (integrity_check ok after every kill, no half-applied round, every acknowledged update counted once)'}`);
  process.exit(report.violations.length || report.unexpected.length ? 1 : 0);
}

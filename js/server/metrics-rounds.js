// Metrics through secure aggregation: the devices' daily metric vectors (metrics_report.hpp, plus
// the extra blocks of js/metrics-vector.js) are summed by the same SecAgg+ stages as the model
// rounds (secagg-server.js), so the server learns only a cohort's sum, with distributed discrete
// Gaussian noise sized for t survivors instead of local noise on every report.
//
//   GET  /v1/secagg-metrics/round?day=D         the open metrics round of day D (created on demand)
//   POST /v1/secagg-metrics/:round/advertise    ... the stages of secagg-server.js, same bodies
//   GET  /v1/secagg-metrics/:round/state
//
// A metrics round sums one UTC day of one experiments file version: the day's open round is
// created when a device first asks for it (days from yesterday back to `lookbackDays`), closes at
// `cohortTarget` members or at its deadline with `minCohort`, and the next round of the same day
// opens for the devices that come later. Rounds of different days run side by side (one
// SecureAggregation each, over the same tables `secagg_metrics_*`, round ids from metric_rounds).
//
// What the server stores of a closed round: the decoded sum (in the file's units) added to
// metric_cells with its noise variance, and the round's row (day, version, survivors). Nothing of
// one device (the secagg tables keep a round's messages only while it runs).
import { SecureAggregation } from './secagg-server.js';
import { HttpError } from './http-error.js';
import { denormalizeSum, metricsVectorShape } from '../metrics-vector.js';

export const METRICS_SECURE_DEFAULTS = Object.freeze({
  minCohort: 10,            // a metrics round starts with at least this many devices ...
  cohortTarget: 200,        // ... and closes advertise early at this many
  deadlineMs: 10 * 60_000,  // advertise waits this long (extended while fewer than minCohort came)
  stageMs: 60_000,          // each later stage
  scaleBits: 16,            // C s = 2^16 grid units: a count is known to ~1e-4 of its bound per device
  lookbackDays: 7,          // days before yesterday a device may still report
});

export class MetricsRounds {
  /** `ops`: the OpsService (store, layouts, server); `http`: {HttpError, send, readBody}. */
  constructor(ops, http, options = {}) {
    this.ops = ops;
    this.http = http;
    this.o = { ...METRICS_SECURE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    for (const [key, min] of [['minCohort', 2], ['cohortTarget', 2], ['deadlineMs', 1], ['stageMs', 1], ['scaleBits', 1], ['lookbackDays', 0]]) {
      if (!Number.isInteger(this.o[key]) || this.o[key] < min) throw new TypeError(`metricsSecure.${key} must be an integer >= ${min}`);
    }
    if (this.o.scaleBits > 24) throw new TypeError('metricsSecure.scaleBits must be at most 24');
    if (this.o.cohortTarget < this.o.minCohort) throw new TypeError('metricsSecure.cohortTarget must be >= metricsSecure.minCohort');
    this.clock = this.o.clock ?? Date.now;
    this.db = ops.server.store.db;
    this.db.exec(`CREATE TABLE IF NOT EXISTS metric_rounds (
      id INTEGER PRIMARY KEY, version TEXT NOT NULL, day INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('open','done','aborted')),
      survivors INTEGER, opened_at INTEGER NOT NULL, closed_at INTEGER)`);
    this.rounds = new Map();  // `${version}/${day}` -> SecureAggregation of that day's open round
  }

  /** Resumes the rounds a restart left open. */
  start() {
    for (const row of this.db.prepare("SELECT id, version, day FROM metric_rounds WHERE state = 'open'").all()) this._instance(row.version, row.day, row.id);
  }

  close() { for (const secure of this.rounds.values()) secure.close(); }

  _today() { return Math.floor(this.clock() / 86400000); }

  _openRow(version, day) {
    const info = this.db.prepare("INSERT INTO metric_rounds (version, day, state, opened_at) VALUES (?, ?, 'open', ?)").run(version, day, Date.now());
    return Number(info.lastInsertRowid);
  }

  _instance(version, day, id = null) {
    const key = `${version}/${day}`;
    let secure = this.rounds.get(key);
    if (secure) return secure;
    this._prune();
    const state = { id: id ?? this._openRow(version, day) };
    secure = new SecureAggregation(this.ops.server, this.http, this._kind(version, day, state));
    this.rounds.set(key, secure);
    secure.attach();
    return secure;
  }

  // A day that left the window with an empty round open: nobody can join it any more.
  _prune() {
    const oldest = this._today() - 1 - this.o.lookbackDays;
    for (const [key, secure] of this.rounds) {
      const day = Number(key.slice(key.lastIndexOf('/') + 1));
      if (day >= oldest || secure.row?.stage !== 'advertise' || secure.store.memberCount(secure.roundId) > 0) continue;
      secure.close();
      this.rounds.delete(key);
      this.db.transaction(() => {
        secure.store.clearRound(secure.roundId, 'aborted', { reason: 'the day left the window' });
        this.db.prepare("UPDATE metric_rounds SET state = 'aborted', closed_at = ? WHERE id = ? AND state = 'open'").run(Date.now(), secure.roundId);
      })();
    }
  }

  // What a metrics round sums and where the sum goes (the kind interface of secagg-server.js).
  _kind(version, day, state) {
    const layout = () => this.ops._layout(version);
    const shape = () => metricsVectorShape(layout(), this.ops.extrasFor(version));
    const mark = (id, outcome, survivors = null) => this.db.prepare('UPDATE metric_rounds SET state = ?, survivors = ?, closed_at = ? WHERE id = ?').run(outcome, survivors, Date.now(), id);
    return {
      name: 'metrics',
      prefix: '/v1/secagg-metrics/',
      tables: 'secagg_metrics',
      options: { ...this.o, neighbours: this.o.neighbours ?? null },
      roundId: () => state.id,
      deadlineMs: () => this.o.deadlineMs,
      noiseMultiplier: () => layout().noiseMultiplier,
      shape: () => ({ length: shape().length, clip: shape().sensitivity }),
      describe: () => ({ kind: 'metrics', experiments_version: version, day, cells: layout().layout.length, extras: shape().extras, sensitivity: shape().sensitivity }),
      abort: (id) => mark(id, 'aborted'),
      close: (id, sum, survivors, done) => {
        const params = JSON.parse(this.rounds.get(`${version}/${day}`).store.round(id).params);
        const { values, noiseVar } = denormalizeSum(sum.values, params, survivors, shape());
        this.db.transaction(() => {
          this.ops.store.addCohortSum({ version, day, round: id, layout: layout().layout, values, noiseVar, devices: survivors, extras: shape().extras });
          mark(id, 'done', survivors);
          done({ experiments_version: version, day });
        })();
        this.ops.generation++;
        this.ops.cohortSummed({ experiments_version: version, day });
        return true;
      },
      // The same day stays open for devices that come later (a new round id).
      next: () => { state.id = this._openRow(version, day); },
    };
  }

  /** Routes /v1/secagg-metrics/…; false when the path is not ours. */
  async handle(req, res, url) {
    if (!url.pathname.startsWith('/v1/secagg-metrics/')) return false;
    if (req.method === 'GET' && url.pathname === '/v1/secagg-metrics/round') {
      const current = this.ops.store.currentExperimentsFile();
      if (!current) throw new HttpError(404, 'NO_EXPERIMENTS', 'no experiments file is published');
      const day = url.searchParams.has('day') ? Number(url.searchParams.get('day')) : this._today() - 1;
      const today = this._today();
      if (!Number.isSafeInteger(day) || day >= today || day < today - 1 - this.o.lookbackDays) {
        throw new HttpError(404, 'NO_METRICS_ROUND', `no metrics round for day ${url.searchParams.get('day')}: days ${today - 1 - this.o.lookbackDays}..${today - 1} are open`);
      }
      await this._instance(current.version, day).handle(req, res, url);
      return true;
    }
    const id = Number(/^\/v1\/secagg-metrics\/(\d{1,15})\//.exec(url.pathname)?.[1]);
    const row = Number.isSafeInteger(id) ? this.db.prepare('SELECT version, day FROM metric_rounds WHERE id = ?').get(id) : null;
    if (!row) { req.resume(); throw new HttpError(404, 'NOT_FOUND', `no metrics round at ${url.pathname}`); }
    await this._instance(row.version, row.day).handle(req, res, url);
    return true;
  }

  /** The rounds for the dashboard: newest first. */
  list(limit = 30) {
    return this.db.prepare('SELECT id, version, day, state, survivors, opened_at, closed_at FROM metric_rounds ORDER BY id DESC LIMIT ?').all(limit);
  }
}

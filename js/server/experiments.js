// The ops side of `zhixuan serve`: ships the experiments file, receives the devices' daily metric
// vectors (aggregates only: metrics_report.hpp), stores their sums in SQLite (metrics-store.js)
// and serves the operator dashboard behind a token.
//
//   GET  /v1/experiments        the experiments file in force (JSON)
//   POST /v1/metrics            one device-day report (JSON, noised on the device); 202: the
//                               fallback for a cohort too small (docs/experiments.md); with the
//                               device's client token (Authorization: Bearer, POST /v1/clients),
//                               one report per client, file version and day
//   /v1/secagg-metrics/…        the metrics through secure aggregation (metrics-rounds.js): the
//                               server learns only each cohort's sum, with distributed noise
//   GET  /ops                   the dashboard (operator token: Authorization: Bearer T, the
//   GET  /ops/api/summary       zx_ops cookie, or ?token=T once, which sets the cookie); 401 without
//   GET  /ops/api/events        server-sent events: the summary again whenever new data arrived
//   GET  /ops/dashboard.js, /ops/dashboard.css
//   POST /ops/api/fold-slots    (operator token) folds the bandits' summed statistics of the file in
//                               force into the next file's priors and publishes it (slots-fold.js)
//
// Reports are validated against the layout and noise the same C++ core derives from the file
// (the server module holds the ops room): a wrong layout, a sigma that is not the file's, values
// out of range or a version the server never shipped are 400/409, and nothing is stored.
import { readFile } from 'node:fs/promises';
import { bearer, operatorTokenOf, requireClient, sameToken } from './access.js';
import { MetricsStore } from './metrics-store.js';
import { MetricsRounds } from './metrics-rounds.js';
import { extraBlocks } from '../metrics-extras.js';
import { foldSlotsFile, slotsSummary } from './slots-fold.js';
import { ZhixuanError } from '../errors.js';
import { HttpError } from './http-error.js';
import { addInto, difference, emptyAggregate, metricsOf, msprtLook, srmCheck, VALUES, MIXING_RELATIVE_SD, SRM_ALPHA } from './experiments-stats.js';

const MAX_REPORT_BYTES = 4 << 20;
const DASHBOARD_FILES = {
  '/ops': ['index.html', 'text/html; charset=utf-8'],
  '/ops/': ['index.html', 'text/html; charset=utf-8'],
  '/ops/dashboard.js': ['dashboard.js', 'text/javascript; charset=utf-8'],
  '/ops/dashboard.css': ['dashboard.css', 'text/css; charset=utf-8'],
  '/ops/slots-panel.js': ['slots-panel.js', 'text/javascript; charset=utf-8'],
};
const SEQUENTIAL_ALPHA = 0.05;
// What a local-noise report holds (metrics_report.hpp's report, noised by js/ops.js noisedReport).
const LOCAL_REPORT_FIELDS = new Set(['experiments_version', 'day', 'layout', 'values', 'sigma', 'noise_multiplier', 'sensitivity', 'delta', 'noised']);

function sendJson(res, status, body, headers = {}) {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': data.byteLength, 'cache-control': 'no-store', ...res.zxCors, ...headers });
  res.end(data);
}

function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

export class OpsService {
  /** @param server the AggregationServer (its core, store.db and log) */
  constructor(server, { experimentsPath, experimentsText, operatorToken, opsPushMs = 1000, metricsSecure = {}, assistTopics = null, foldSlots = 'off' } = {}) {
    this.server = server;
    this.experimentsPath = experimentsPath;
    this.experimentsText = experimentsText;
    this.operatorToken = operatorTokenOf(operatorToken);
    this.opsPushMs = opsPushMs;
    this.layouts = new Map();  // version -> {layout, sigma, noiseMultiplier, delta}
    this.generation = 0;       // bumps on every stored report: the SSE stream pushes when it moves
    this.streams = new Set();
    this.metricsSecure = metricsSecure;  // false: no secure metrics rounds (devices fall back to local noise)
    this.assistTopics = assistTopics;    // the FAQ topics the assistant's counts are reported for
    if (!['off', 'after-day'].includes(foldSlots)) throw new Error(`foldSlots must be 'off' or 'after-day', got ${String(foldSlots)}`);
    this.foldSlotsAfterDay = foldSlots === 'after-day';
  }

  /** The extra blocks of a version's metrics vector (metrics-extras.js): assistant topics, slot arms. */
  extrasFor(version) {
    const layout = this._layout(version);
    return layout ? extraBlocks(layout.file, { assistTopics: this.assistTopics }) : [];
  }

  async start() {
    const core = this.server.core;
    if (typeof core.OpsRuntime !== 'function') throw new Error('the server module was built without the ops room');
    this.runtime = new core.OpsRuntime();
    this.store = new MetricsStore(this.server.store.db);
    const text = this.experimentsText ?? (this.experimentsPath ? await readFile(this.experimentsPath, 'utf8') : null);
    if (text !== null && text !== undefined) this.publish(text);
    if (this.metricsSecure !== false) {
      this.rounds = new MetricsRounds(this, { HttpError, send: sendJson, readBody: this.server.readBody }, this.metricsSecure);
      this.rounds.start();
    }
    this.timer = setInterval(() => this._push(), this.opsPushMs);
    this.timer.unref?.();
  }

  close() {
    clearInterval(this.timer);
    this.rounds?.close();
    for (const res of this.streams) res.end();
    this.runtime?.delete();
  }

  /** Validates (the devices' own parser) and stores a new experiments file; throws the core's named error. */
  publish(text) {
    try {
      this.runtime.load(text);
    } catch (error) {
      if (!(error instanceof ZhixuanError)) throw error;
      throw new Error(`the experiments file is not valid: ${error.code}: ${error.message}`);
    }
    const version = JSON.parse(text).version;
    this.store.addExperimentsFile(version, text);
    this.layouts.delete(version);
    this.generation++;
    return version;
  }

  /**
   * The bandits' loop: folds the slot statistics the devices reported for the file in force into
   * the next file's priors and publishes it (GET /v1/experiments then ships it). Null when the
   * file has no bandits or nothing was reported for it.
   */
  foldSlots() {
    const current = this.store.currentExperimentsFile();
    const next = current ? foldSlotsFile(this.server.core, this.store, current.text) : null;
    if (!next) return null;
    this.publish(next.text);
    return { version: next.version, from: next.from, reports: next.reports, days: next.days, rounds: next.rounds };
  }

  /**
   * metrics-rounds.js: a secure round summed a day of `version`. With `foldSlots: 'after-day'` the
   * file in force is folded then (after the round's answer: the fold publishes a file). Rounds of
   * an older version are stored, not folded: their devices keep those statistics (slots-reported.js).
   */
  cohortSummed({ experiments_version: version, day }) {
    if (!this.foldSlotsAfterDay) return;
    setImmediate(() => {
      if (this.store.currentExperimentsFile()?.version !== version) return;
      try {
        const folded = this.foldSlots();
        if (folded) this.server.log(`slots folded after day ${day}: ${folded.from} -> ${folded.version} (${folded.reports} reports)`);
      } catch (error) {
        this.server.log(`slots not folded after day ${day}: ${error.message}`);
      }
    });
  }

  _foldSlotsRoute(req, res, url) {
    req.resume();
    if (!this._authorized(req, url)) throw new HttpError(401, 'UNAUTHORIZED', 'folding the slots needs the operator token', { 'www-authenticate': 'Bearer realm="zhixuan-ops"' });
    const folded = this.foldSlots();
    sendJson(res, folded ? 200 : 409, folded ?? { error: { code: 'NOTHING_TO_FOLD', message: 'the file in force has no bandits, or no device reported their statistics yet' } });
    return true;
  }

  _layout(version) {
    if (!this.layouts.has(version)) {
      const file = this.store.experimentsFile(version);
      if (!file) return null;
      const runtime = new this.server.core.OpsRuntime();
      try {
        try {
          runtime.load(file.text);
        } catch (error) {
          if (error instanceof ZhixuanError) return null;
          throw error;
        }
        const empty = JSON.parse(runtime.report(0).report);
        this.layouts.set(version, { layout: empty.layout, sigma: empty.sigma, noiseMultiplier: empty.noise_multiplier, delta: empty.delta, file: JSON.parse(file.text) });
      } finally {
        runtime.delete();
      }
    }
    return this.layouts.get(version);
  }

  // Errors go up to the server's one answer (server.js `_handle`: named codes, 507 on a full disk).
  /** Routes ops requests; false when the path is not ours. */
  async handle(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /v1/experiments') return this._getExperiments(res);
    if (route === 'POST /v1/metrics') return await this._postMetrics(req, res);
    if (url.pathname.startsWith('/v1/secagg-metrics/')) {
      if (!this.rounds) { req.resume(); throw new HttpError(404, 'SECURE_METRICS_OFF', 'this server takes metrics with local noise only'); }
      return await this.rounds.handle(req, res, url);
    }
    if (route === 'POST /ops/api/fold-slots') return this._foldSlotsRoute(req, res, url);
    if (url.pathname === '/v1/experiments' || url.pathname === '/v1/metrics') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`);
    if (url.pathname === '/ops' || url.pathname.startsWith('/ops/')) return await this._dashboard(req, res, url);
    return false;
  }

  _getExperiments(res) {
    const file = this.store.currentExperimentsFile();
    if (!file) throw new HttpError(404, 'NO_EXPERIMENTS', 'no experiments file is published');
    const data = Buffer.from(file.text);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': data.byteLength, 'cache-control': 'no-store', ...res.zxCors });
    res.end(data);
    return true;
  }

  async _postMetrics(req, res) {
    let client;
    try {
      client = requireClient(req, this.server.store);
    } catch (error) {
      req.resume();
      throw error;
    }
    if ((req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/json') {
      req.resume();
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'metrics reports are application/json');
    }
    let report;
    try {
      report = JSON.parse(Buffer.from(await this.server.readBody(req, MAX_REPORT_BYTES)).toString('utf8'));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, 'MALFORMED_REPORT', 'the report is not JSON');
    }
    const { version, day, values } = this._checkReport(report);
    if (!this.store.addReport(version, day, this._layout(version).layout, values, this._layout(version).sigma, client)) {
      throw new HttpError(409, 'DUPLICATE_REPORT', `this client already reported day ${day} of '${version.slice(0, 128)}'`);
    }
    this.generation++;
    sendJson(res, 202, { stored: true, version, day });
    return true;
  }

  _checkReport(report) {
    const bad = (message) => new HttpError(400, 'MALFORMED_REPORT', message);
    if (!report || typeof report !== 'object' || Array.isArray(report)) throw bad('the report must be an object');
    // The experiment cells only: the extra blocks (assistant topics, slot arms) ride in secure
    // rounds alone (docs/experiments.md), so a fallback report naming anything else is refused.
    const unknown = Object.keys(report).find((key) => !LOCAL_REPORT_FIELDS.has(key));
    if (unknown !== undefined) throw bad(`unknown field '${unknown.slice(0, 64)}': a local report carries the experiment cells only`);
    const version = report.experiments_version;
    if (typeof version !== 'string') throw bad('experiments_version must be a string');
    const expected = this._layout(version);
    if (!expected) throw new HttpError(409, 'UNKNOWN_EXPERIMENTS_VERSION', `experiments file version '${version.slice(0, 128)}' was never published here`);
    if (!Number.isSafeInteger(report.day) || report.day < 0) throw bad('day must be a UTC day number');
    const today = Math.floor(Date.now() / 86400000);
    if (report.day > today) throw bad('day is in the future');
    if (!Array.isArray(report.layout) || report.layout.length !== expected.layout.length ||
        report.layout.some((cell, i) => !Array.isArray(cell) || cell.length !== 4 || cell.some((s, j) => s !== expected.layout[i][j]))) {
      throw bad("layout is not the file's cell layout");
    }
    if (!Array.isArray(report.sigma) || report.sigma.length !== VALUES || report.sigma.some((s, j) => Math.abs(s - expected.sigma[j]) > 1e-9 * Math.max(1, expected.sigma[j]))) {
      throw bad("sigma is not the file's noise");
    }
    const values = report.values;
    if (!Array.isArray(values) || values.length !== expected.layout.length * VALUES) throw bad(`values must hold ${expected.layout.length * VALUES} numbers`);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // A clipped value lies in [0, bound]; the noise is Gaussian with the file's sigma: beyond 40
      // sigma (or a bound without noise) is not a noised honest value.
      const sigma = expected.sigma[i % VALUES];
      const bound = sigma > 0 ? 40 * sigma : 0;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < -bound || v > bound + 4e6 + 1) throw bad(`values[${i}] is out of range`);
    }
    return { version, day: report.day, values };
  }

  _authorized(req, url) {
    return sameToken(bearer(req), this.operatorToken) || sameToken(cookie(req, 'zx_ops'), this.operatorToken) || sameToken(url.searchParams.get('token'), this.operatorToken);
  }

  async _dashboard(req, res, url) {
    if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`);
    if (!this._authorized(req, url)) throw new HttpError(401, 'UNAUTHORIZED', 'the dashboard needs the operator token', { 'www-authenticate': 'Bearer realm="zhixuan-ops"' });
    if (url.searchParams.has('token')) {  // keep the token out of the address bar and the history
      res.writeHead(303, { location: url.pathname, 'set-cookie': `zx_ops=${encodeURIComponent(this.operatorToken)}; HttpOnly; SameSite=Strict; Path=/ops`, 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    if (url.pathname === '/ops/api/summary') {
      sendJson(res, 200, this.summary());
      return true;
    }
    if (url.pathname === '/ops/api/events') return this._stream(req, res);
    const file = DASHBOARD_FILES[url.pathname];
    if (!file) throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
    const data = await readFile(new URL(`./dashboard/${file[0]}`, import.meta.url));
    res.writeHead(200, { 'content-type': file[1], 'content-length': data.byteLength, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:" });
    res.end(data);
    return true;
  }

  _stream(req, res) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`data: ${JSON.stringify(this.summary())}\n\n`);
    res.zxGeneration = this.generation;
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
    return true;
  }

  _push() {
    if (this.streams.size === 0) return;
    const rounds = this._rounds().length ? this._rounds()[0] : null;
    const metrics = this.rounds?.list(1)[0];
    const marker = `${this.generation}/${rounds?.id}/${rounds?.state}/${metrics?.id}/${metrics?.state}`;
    let payload = null;
    for (const res of this.streams) {
      if (res.zxMarker === marker) continue;
      payload ??= `data: ${JSON.stringify(this.summary())}\n\n`;
      res.write(payload);
      res.zxMarker = marker;
    }
  }

  _rounds() {
    try {
      return this.server.store.db.prepare('SELECT id, state, accepted, opened_at, closed_at, next_version FROM rounds ORDER BY id DESC LIMIT 30').all();
    } catch {
      return [];  // the round tables belong to the federated side; their shape may change
    }
  }

  _models() {
    try {
      return this.server.store.db.prepare('SELECT seq, version, created_at FROM models ORDER BY seq').all();
    } catch {
      return [];
    }
  }

  _epsilonPerDay(noiseMultiplier, delta) {
    if (!(noiseMultiplier > 0)) return Infinity;
    try {
      return this.server.core.federatedEpsilon?.(1, noiseMultiplier, 1, delta).epsilon ?? null;
    } catch (error) {
      if (error instanceof ZhixuanError) return null;
      throw error;
    }
  }

  // Where the numbers came from: device-days through secure cohorts (distributed noise) and
  // device-days noised locally (the fallback), and what one day costs a device either way.
  _privacy(version, layout) {
    const counts = this.store.transportCounts(version);
    const transport = counts.secure && counts.local ? 'mixed' : counts.local ? 'local-gaussian' : 'secure-aggregation';
    return {
      noiseMultiplier: layout.noiseMultiplier, delta: layout.delta, sigma: layout.sigma,
      epsilonPerDay: this._epsilonPerDay(layout.noiseMultiplier, layout.delta), transport,
      secureDeviceDays: counts.secure, secureCohorts: counts.cohorts, localDeviceDays: counts.local,
    };
  }

  /** Everything the dashboard shows, computed from the stored sums. */
  summary() {
    const current = this.store.currentExperimentsFile();
    const base = { generatedAt: Date.now(), models: this._models(), rounds: this._rounds(), modelVersion: this.server.model?.version ?? null };
    if (!current) return { ...base, experimentsVersion: null, experiments: [] };
    const layout = this._layout(current.version);
    const file = layout.file;
    const cells = this.store.cells(current.version);
    const experiments = [];
    const definitions = [];
    if (file.holdout) {
      definitions.push({ id: '__holdout__', description: '长期对照组 (holdout)', variants: [
        { id: 'holdout', weight: file.holdout.percent, control: true }, { id: 'rest', weight: 100 - file.holdout.percent }] });
    }
    for (const e of file.experiments) {
      const controlIndex = Math.max(0, e.variants.findIndex((v) => v.control));
      definitions.push({ ...e, variants: e.variants.map((v, i) => ({ id: v.id, weight: v.weight ?? 1, control: i === controlIndex, params: v.params ?? {} })) });
    }
    for (const def of definitions) experiments.push(this._experimentSummary(def, cells.filter((c) => c.experiment === def.id)));
    return {
      ...base,
      experimentsVersion: current.version,
      reports: this.store.reportCount(current.version),
      privacy: this._privacy(current.version, layout),
      metricsRounds: this.rounds?.list(10) ?? [],
      test: { alpha: SEQUENTIAL_ALPHA, mixingRelativeSd: MIXING_RELATIVE_SD, srmAlpha: SRM_ALPHA },
      experiments,
      slots: this._slotsSummary(current.text),
    };
  }

  // The slots panel must not take the rest of the dashboard down with it.
  _slotsSummary(text) {
    try {
      return slotsSummary(this.server.core, this.store, text);
    } catch (error) {
      if (!(error instanceof ZhixuanError)) throw error;
      this.server.log(`slots summary skipped: ${error.code}: ${error.message}`);
      return [];
    }
  }

  _experimentSummary(def, cells) {
    const variants = def.variants.map((v) => v.id);
    const control = def.variants.find((v) => v.control).id;
    const days = [...new Set(cells.map((c) => c.day))].sort((a, b) => a - b);
    const group = (key) => {
      const out = {};
      for (const c of cells) {
        const k = key(c);
        out[k] ??= Object.fromEntries(variants.map((v) => [v, emptyAggregate()]));
        if (out[k][c.variant]) addInto(out[k][c.variant], { sums: c.sums, noiseVar: c.noiseVar, reports: c.reports });
      }
      return out;
    };
    const metricsBy = (groups) => Object.fromEntries(Object.entries(groups).map(([k, byVariant]) => [k, Object.fromEntries(Object.entries(byVariant).map(([v, agg]) => [v, metricsOf(agg)]))]));
    // Cumulative aggregates at the end of each day: the looks of the sequential test and the series.
    const running = Object.fromEntries(variants.map((v) => [v, emptyAggregate()]));
    const byDay = group((c) => c.day);
    const series = [];
    const pValues = {};
    for (const day of days) {
      for (const v of variants) addInto(running[v], byDay[day][v]);
      const point = { day, variants: {} };
      for (const v of variants) point.variants[v] = metricsOf(running[v]);
      for (const v of variants) {
        if (v === control) continue;
        pValues[v] ??= { ctr: 1, cvr: 1, revenuePerUser: 1 };
        for (const metric of ['ctr', 'cvr', 'revenuePerUser']) {
          const c = point.variants[control][metric];
          const diff = difference(c, point.variants[v][metric]);
          pValues[v][metric] = msprtLook(diff, c?.value ?? 0, pValues[v][metric]).p;
        }
      }
      series.push(point);
    }
    const totals = Object.fromEntries(variants.map((v) => [v, metricsOf(running[v])]));
    const comparisons = variants.filter((v) => v !== control).map((v) => {
      const out = { variant: v };
      for (const metric of ['ctr', 'cvr', 'revenuePerUser']) {
        const diff = difference(totals[control][metric], totals[v][metric]);
        const p = pValues[v]?.[metric] ?? 1;
        const verdict = !diff ? 'no-data' : p <= SEQUENTIAL_ALPHA ? (diff.estimate > 0 ? 'better' : 'worse') : 'inconclusive';
        out[metric] = { ...diff, sequentialP: p, verdict };
      }
      return out;
    });
    const srm = srmCheck(variants.map((v) => running[v].sums[0]), def.variants.map((v) => v.weight), variants.map((v) => running[v].noiseVar[0]));
    return {
      id: def.id, description: def.description ?? '', layer: def.layer ?? null, slots: def.slots ?? null, control,
      variants: def.variants, days, totals, series, comparisons, srm,
      bySlot: metricsBy(group((c) => c.slot)), byChannel: metricsBy(group((c) => c.channel)),
    };
  }
}

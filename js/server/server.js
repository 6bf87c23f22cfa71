// The aggregation server: Node http on 127.0.0.1, state in SQLite (store.js), every payload
// validated and aggregated by the same C++ core the devices run (wasm in Node, core.js).
//
//   GET  /v1/model[?version=V]       the current (or a given) model bundle, safetensors bytes
//   GET  /v1/round                   the open round's config (JSON)
//   GET  /v1/status                  model version, round, accepted updates, epsilon spent
//                                    (operator: Authorization: Bearer <operator token>, access.js)
//   POST /v1/clients                 registers a device: {token}
//   POST /v1/models                  (operator) publishes a model bundle: a fresh round on it (operator.js)
//   POST /v1/rounds/:id/updates      one update payload (application/octet-stream),
//                                    Authorization: Bearer <token>; 202 once stored durably
//
// Errors are JSON {error: {code, message}} with a status: 400 malformed, 401 unknown client,
// 404, 409 stale round / wrong version / duplicate / replay, 408 body too slow, 413 too large, 415,
// 422 norm over the bound, 429 flood, 503 too many connections, 507 disk full (limits.js).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadCore, withHeapBytes } from './core.js';
import { ZhixuanError } from '../errors.js';
import { RateLimiter } from './rate-limit.js';
import { Store } from './store.js';
import { SecureAggregation } from './secagg-server.js';
import { OpsService } from './experiments.js';
import { HttpError, storageError } from './http-error.js';
import { LIMIT_DEFAULTS, bodyReader, checkLimits, closeAfter, createTransport } from './limits.js';
import { operatorTokenOf, requireOperator } from './access.js';
import { faultPoint } from './faults.js';
import { handleOperator } from './operator.js';

export { HttpError };

const CORE_STATUS = { MALFORMED_PAYLOAD: 400, INVALID_ARGUMENT: 422, MODEL_MISMATCH: 409, TOO_LARGE: 413 };

export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8787,
  quorum: 10,               // aggregate once this many updates are stored
  minUpdates: 1,            // at the deadline, aggregate if at least this many, else extend
  deadlineMs: 10 * 60_000,
  clip: 1.0,
  noiseMultiplier: 0.0,
  noiseMode: 'central',     // 'central' | 'local' | 'none'
  encoding: 'f16',          // 'f16' | 'int8'
  serverLearningRate: 1.0,
  maxRowStep: 0,            // cap on one row's L2 change per round (0: none)
  samplingRate: null,       // q for the accountant; null: quorum / registered clients
  delta: 1e-5,
  windowRows: 0,            // 0: dense over every row; else a public rotating window of rows
  updatesPerClientPerMinute: 6,
  requestsPerIpPerMinute: 6000,
  registrationsPerIpPerMinute: 600,
  corsOrigins: [],          // origins of pages allowed to call the server ('*' for any)
  aggregation: 'secure',    // 'secure' (secagg-server.js) | 'plain' (each update seen alone)
  secure: {},               // options of secure aggregation (secagg-server.js SECURE_DEFAULTS)
  metricsSecure: {},        // the metrics' secure rounds (metrics-rounds.js METRICS_SECURE_DEFAULTS); false: local noise only
  assistTopics: null,       // FAQ topics whose counts the metrics rounds carry (js/metrics-extras.js)
  foldSlots: 'off',         // 'after-day': fold the bandits' statistics once a day's cohort is summed (slots-fold.js)
  closeRetryMs: 2000,       // a round whose close could not be written (full disk) tries again after this
  ...LIMIT_DEFAULTS,        // connections, body and header timeouts (limits.js)
});

// The core's errors (ZhixuanError, js/errors.js: the core is loaded through raiseCoreErrors) as
// HTTP answers.
function coreCall(call) {
  try {
    return call();
  } catch (error) {
    if (!(error instanceof ZhixuanError)) throw error;
    throw new HttpError(CORE_STATUS[error.code] ?? 400, error.code, error.message);
  }
}

function corsHeaders(req, origins) {
  const origin = req.headers.origin;
  if (!origin || !(origins.includes('*') || origins.includes(origin))) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-expose-headers': 'x-zhixuan-model-version',
    'access-control-max-age': '600',
    vary: 'origin',
  };
}

function sendError(res, e) {
  if (e.headers.connection === 'close') closeAfter(res);
  send(res, e.status, { error: { code: e.code, message: e.message } }, e.headers);
}

function send(res, status, body, headers = {}) {
  const isBytes = body instanceof Uint8Array;
  const data = isBytes ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': isBytes ? 'application/octet-stream' : 'application/json; charset=utf-8',
    'content-length': data.byteLength,
    'cache-control': 'no-store',
    ...res.zxCors,
    ...headers,
  });
  res.end(data);
}

/** The aggregation server; `await server.start()` then `server.url`. */
export class AggregationServer {
  constructor(options) {
    this.options = { ...DEFAULTS, ...options };
    const o = this.options;
    if (!o.dataDir) throw new TypeError('dataDir is required');
    if (!['central', 'local', 'none'].includes(o.noiseMode)) throw new TypeError("noiseMode must be 'central', 'local' or 'none'");
    if (!['f16', 'int8'].includes(o.encoding)) throw new TypeError("encoding must be 'f16' or 'int8'");
    if (!['secure', 'plain'].includes(o.aggregation)) throw new TypeError("aggregation must be 'secure' or 'plain'");
    if (o.aggregation === 'secure' && o.noiseMode === 'local') throw new TypeError("secure aggregation adds its noise on the devices: noiseMode 'central' or 'none'");
    for (const key of ['quorum', 'minUpdates', 'deadlineMs', 'updatesPerClientPerMinute', 'requestsPerIpPerMinute', 'registrationsPerIpPerMinute'])
      if (!Number.isInteger(o[key]) || o[key] < 1) throw new TypeError(`${key} must be an integer >= 1`);
    if (!Number.isInteger(o.windowRows) || o.windowRows < 0) throw new TypeError('windowRows must be an integer >= 0');
    checkLimits(o);
    o.operatorToken = operatorTokenOf(o.operatorToken);
    this.operatorToken = o.operatorToken;
    this.readBody = bodyReader(o.bodyTimeoutMs);
    this.log = o.log ?? (() => {});
    this.updateLimiter = new RateLimiter(o.updatesPerClientPerMinute);
    this.ipLimiter = new RateLimiter(o.requestsPerIpPerMinute);
    this.registrationLimiter = new RateLimiter(o.registrationsPerIpPerMinute);
  }

  async start() {
    const o = this.options;
    this.core = await loadCore();
    this.store = new Store(o.dataDir);
    if (this.store.modelCount() === 0) {
      if (!o.modelPath && !o.modelBytes) throw new Error('the data directory is empty: --model is required the first time');
      const bytes = o.modelBytes ?? new Uint8Array(await readFile(o.modelPath));
      this.store.addModel(this._modelInfo(bytes).modelVersion, bytes);
    }
    // Aggregated versions are named V.fedN after the newest model not made by aggregation (the
    // first one, or one the operator published: operator.js).
    this.rootVersion = this.store.currentModel().version.replace(/\.fed\d+$/, '');
    this._loadModel();
    if (!this.store.openRound()) this._insertRound(this.store.lastRoundId() + 1);
    this._openRoundFromStore();
    if (o.aggregation === 'secure') {
      this.secure = new SecureAggregation(this, { HttpError, send, readBody: this.readBody });
      this.secure.attach();
    }
    this.ops = new OpsService(this, o);  // experiments, metrics, dashboard (experiments.js)
    await this.ops.start();

    this.http = createTransport(o, (req, res) => this._handle(req, res), (res, error) => sendError(res, error));
    await new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(o.port, o.host, resolve);
    });
    const { port } = this.http.address();
    this.url = `${this.http.zxScheme}://${o.host}:${port}`;
    if (this.round.count() >= o.quorum) this._aggregate('quorum (after restart)');
    return this;
  }

  async close() {
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.retryTimer);
    this.secure?.close();
    this.ops?.close();
    if (this.http) await new Promise((resolve) => { this.http.close(resolve); this.http.closeAllConnections?.(); });
    this.round?.delete();
    this.store?.close();
  }

  _modelInfo(bytes) {
    const session = new this.core.Session();
    try {
      coreCall(() => withHeapBytes(this.core, bytes, (ptr, len) => session.load(ptr, len, '', false)));
      return session.info();
    } catch (error) {
      throw new Error(`the model bundle is not valid: ${error.message}`);
    } finally {
      session.delete();
    }
  }

  _loadModel() {
    const current = this.store.currentModel();
    this.model = { version: current.version, bytes: new Uint8Array(current.bytes) };
    this.model.items = this._modelInfo(this.model.bytes).items;
  }

  _roundConfig(id) {
    const o = this.options;
    const rows = this.model.items;
    let rowOffset = 0;
    let rowCount = 0;
    if (o.windowRows > 0 && o.windowRows < rows) {  // public rotating window, never chosen by a client
      rowOffset = ((id - 1) * o.windowRows) % rows;
      rowCount = Math.min(o.windowRows, rows - rowOffset);
    }
    const clients = Math.max(1, this.store.clientCount());
    return {
      round_id: id,
      base_version: this.model.version,
      clip: o.clip,
      noise_multiplier: o.noiseMode === 'none' ? 0 : o.noiseMultiplier,
      noise_mode: o.noiseMode,
      encoding: o.encoding,
      row_offset: rowOffset,
      row_count: rowCount,
      server_learning_rate: o.serverLearningRate,
      max_row_step: o.maxRowStep,
      sampling_rate: o.samplingRate ?? Math.min(1, o.quorum / clients),
      delta: o.delta,
      quorum: o.quorum,
    };
  }

  _insertRound(id) {
    const config = this._roundConfig(id);
    this.store.insertRound(id, this.model.version, JSON.stringify(config), Date.now() + this.options.deadlineMs);
  }

  // Rebuilds the in-memory aggregator from the stored round and its stored updates: after a
  // restart every acknowledged update is counted exactly once (the table's keys forbid twins).
  _openRoundFromStore() {
    const row = this.store.openRound();
    this.round?.delete();
    this.round = new this.core.FederatedRound();
    const opened = coreCall(() => withHeapBytes(this.core, this.model.bytes, (ptr, len) => this.round.open(ptr, len, row.config, this._maxPayloadGuess())));
    this.roundRow = row;
    this.roundConfig = { ...JSON.parse(row.config), ...JSON.parse(opened.config) };
    this.payloadBytes = opened.payloadBytes;
    for (const update of this.store.updates(row.id)) {
      try {
        withHeapBytes(this.core, new Uint8Array(update.payload), (ptr, len) => this.round.add(ptr, len));
      } catch (error) {
        if (!(error instanceof ZhixuanError)) throw error;
        this.log(`stored update of round ${row.id} no longer adds: ${error.message}`);
      }
    }
    this._scheduleDeadline();
  }

  _maxPayloadGuess() { return this.options.maxPayloadBytes ?? 0; }

  _scheduleDeadline() {
    clearTimeout(this.deadlineTimer);
    const wait = Math.max(0, this.roundRow.deadline_at - Date.now());
    this.deadlineTimer = setTimeout(() => this._onDeadline(), Math.min(wait, 2 ** 31 - 1));
    this.deadlineTimer.unref?.();
  }

  _onDeadline() {
    if (this.round.count() >= this.options.minUpdates) {
      this._aggregate('deadline');
    } else {
      const deadline = Date.now() + this.options.deadlineMs;
      this.store.extendDeadline(this.roundRow.id, deadline);
      this.roundRow = this.store.openRound();
      this._scheduleDeadline();
    }
  }

  _aggregate(reason) {
    const roundId = this.roundRow.id;
    const accepted = this.round.count();
    const nextVersion = `${this.rootVersion.slice(0, 100)}.fed${roundId}`;
    faultPoint('aggregate:start');
    try {
      const { model } = coreCall(() => this.round.finish(new Uint8Array(randomBytes(32)), nextVersion));
      const nextId = roundId + 1;
      const previous = this.model;
      this.model = { version: nextVersion, bytes: model, items: previous.items };
      const config = this._roundConfig(nextId);
      this.store.closeRound({
        roundId, accepted, nextVersion, modelBytes: model,
        nextRound: { id: nextId, config: JSON.stringify(config), deadlineAt: Date.now() + this.options.deadlineMs },
      });
      faultPoint('close:committed');
      this._openRoundFromStore();
      this.log(`round ${roundId} closed on ${reason} with ${accepted} updates: model ${nextVersion}`);
    } catch (error) {
      // The transaction did not commit (a full disk): stay on the stored model and round (the
      // aggregator still holds every update: finish is const) and try again a little later, since
      // no further upload may come to trigger it.
      this._loadModel();
      this.log(`round ${roundId} could not close: ${error.message}`);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        if (this.roundRow.id === roundId) this._aggregate(`${reason} (retry)`);
      }, this.options.closeRetryMs);
      this.retryTimer.unref?.();
    }
  }

  modelDim() { return this.model.dim ?? (this.model.dim = this._modelInfo(this.model.bytes).dim); }

  // Secure aggregation's hooks (secagg-server.js): a round that closes with the unmasked sum (the
  // model step and `inTransaction` commit together), or one that aborts (no model change).
  closeSecureRound(roundId, sum, count, inTransaction) {
    const nextVersion = `${this.rootVersion.slice(0, 100)}.fed${roundId}`;
    const stepper = new this.core.SecureRoundModel();
    try {
      coreCall(() => withHeapBytes(this.core, this.model.bytes, (ptr, len) => stepper.open(ptr, len)));
      const { model } = coreCall(() => stepper.apply(JSON.stringify(this.roundConfig), sum, count, nextVersion));
      const previous = this.model;
      this.model = { version: nextVersion, bytes: model, items: previous.items, dim: previous.dim };
      const nextId = roundId + 1;
      const config = this._roundConfig(nextId);
      this.store.db.transaction(() => {
        inTransaction(nextVersion);
        this.store.closeRound({
          roundId, accepted: count, nextVersion, modelBytes: model,
          nextRound: { id: nextId, config: JSON.stringify(config), deadlineAt: Date.now() + this.options.deadlineMs },
        });
      })();
      this._openRoundFromStore();
      return true;
    } catch (error) {
      this._loadModel();
      this.log(`round ${roundId} could not close: ${error.message}`);
      return false;
    } finally {
      stepper.delete();
    }
  }

  abortRound(roundId) {
    this.store.db.prepare("UPDATE rounds SET state = 'closed', closed_at = ?, accepted = 0, next_version = ? WHERE id = ? AND state = 'open'")
      .run(Date.now(), this.model.version, roundId);
    this._insertRound(roundId + 1);
  }

  _privacy() {
    const c = this.roundConfig;
    const closed = this.store.closedRounds();
    if (c.noise_mode === 'none' || !(c.noise_multiplier > 0)) return { delta: c.delta, perRound: Infinity, total: closed ? Infinity : 0 };
    const q = c.noise_mode === 'local' ? 1 : c.sampling_rate;
    const eps = (steps) => coreCall(() => this.core.federatedEpsilon(q, c.noise_multiplier, steps, c.delta)).epsilon;
    return { delta: c.delta, samplingRate: q, noiseMultiplier: c.noise_multiplier, perRound: eps(1), total: eps(closed), rounds: closed };
  }

  async _handle(req, res) {
    try {
      const ip = req.socket.remoteAddress ?? '?';
      const wait = this.ipLimiter.take(ip);
      if (wait) throw new HttpError(429, 'RATE_LIMITED', 'too many requests from this address', { 'retry-after': Math.ceil(wait / 1000) });
      const url = new URL(req.url, 'http://localhost');
      res.zxCors = corsHeaders(req, this.options.corsOrigins);
      if (req.method === 'OPTIONS') {  // CORS preflight of a page on another origin
        req.resume();
        res.writeHead(Object.keys(res.zxCors).length ? 204 : 403, res.zxCors);
        return res.end();
      }
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /v1/model') return this._getModel(url, res);
      if (url.pathname.startsWith('/v1/secagg/')) {
        if (!this.secure) { req.resume(); throw new HttpError(404, 'SECURE_AGGREGATION_OFF', 'this server runs plain aggregation'); }
        return await this.secure.handle(req, res, url);
      }
      if (route === 'GET /v1/round') return send(res, 200, { ...this.roundConfig, ...(this.secure?.publicRound() ?? { aggregation: 'plain' }), accepted: this.round.count(), payload_bytes: this.payloadBytes, deadline_at: this.roundRow.deadline_at });
      if (route === 'GET /v1/status') {
        requireOperator(req, this.operatorToken);
        const last = this.store.lastClosedRound();
        return send(res, 200, {
          model_version: this.model.version, round: this.roundRow.id, accepted: this.round.count(), quorum: this.options.quorum,
          rounds_closed: this.store.closedRounds(), last_closed: last ? { round: last.id, accepted: last.accepted, model_version: last.next_version } : null,
          privacy: this._privacy(),
        });
      }
      if (route === 'POST /v1/clients') return this._register(ip, req, res);
      const match = /^\/v1\/rounds\/([^/]+)\/updates$/.exec(url.pathname);
      if (match && req.method === 'POST') return await this._postUpdate(match[1], req, res);
      if (await handleOperator(this, req, res, url, send)) return;
      if (await this.ops.handle(req, res, url)) return;
      if (match || ['/v1/model', '/v1/round', '/v1/status', '/v1/clients'].includes(url.pathname)) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`);
      throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`);
    } catch (error) {
      const full = storageError(error);
      if (full) this.log(`storage full: ${error.message}`);
      else if (!(error instanceof HttpError)) this.log(`internal error: ${error.stack ?? error}`);
      if (!res.headersSent) sendError(res, full ?? (error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', 'internal server error')));
    }
  }

  _getModel(url, res) {
    const version = url.searchParams.get('version');
    const model = version ? this.store.model(version) : { version: this.model.version, bytes: this.model.bytes };
    if (!model) throw new HttpError(404, 'UNKNOWN_MODEL_VERSION', `no model version '${version}'`);
    send(res, 200, new Uint8Array(model.bytes), { 'x-zhixuan-model-version': model.version });
  }

  _register(ip, req, res) {
    req.resume();
    const wait = this.registrationLimiter.take(ip);
    if (wait) throw new HttpError(429, 'RATE_LIMITED', 'too many registrations from this address', { 'retry-after': Math.ceil(wait / 1000) });
    const token = randomBytes(16).toString('hex');
    this.store.registerClient(token);
    send(res, 201, { token });
  }

  async _postUpdate(roundParam, req, res) {
    const auth = /^Bearer ([0-9a-f]{32})$/.exec(req.headers.authorization ?? '');
    if (!auth) { req.resume(); throw new HttpError(401, 'UNAUTHORIZED', 'Authorization: Bearer <client token> is required'); }
    const token = auth[1];
    if (this.secure) { req.resume(); throw new HttpError(409, 'PLAIN_UPLOAD_DISABLED', 'this server runs secure aggregation: updates go through /v1/secagg/'); }
    if (!this.store.hasClient(token)) { req.resume(); throw new HttpError(401, 'UNKNOWN_CLIENT', 'this client token is not registered'); }
    const wait = this.updateLimiter.take(token);
    if (wait) { req.resume(); throw new HttpError(429, 'RATE_LIMITED', 'too many updates from this client', { 'retry-after': Math.ceil(wait / 1000) }); }
    if ((req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/octet-stream') {
      req.resume();
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'updates are application/octet-stream');
    }
    const limit = this.options.maxPayloadBytes ?? this.payloadBytes;
    const body = await this.readBody(req, limit);
    // The round may have closed while the body arrived: check against the round open now.
    const roundId = Number(roundParam);
    const open = this.roundRow.id;
    if (!Number.isSafeInteger(roundId)) throw new HttpError(404, 'NOT_FOUND', `'${roundParam}' is not a round id`);
    if (roundId !== open) {
      throw new HttpError(409, roundId < open ? 'STALE_ROUND' : 'ROUND_NOT_OPEN', `round ${roundId} is not open (the open round is ${open})`);
    }
    if (this.store.hasUpdate(open, token)) throw new HttpError(409, 'DUPLICATE_UPDATE', `this client already sent its update for round ${open}`);
    const { nonce } = coreCall(() => withHeapBytes(this.core, body, (ptr, len) => this.round.validate(ptr, len)));
    if (this.store.hasNonce(nonce)) throw new HttpError(409, 'REPLAY', 'this payload (nonce) was already received');
    this.store.addUpdate(open, token, nonce, body);  // committed (WAL, synchronous=FULL) before the answer
    faultPoint('update:stored');
    coreCall(() => this.round.addValidated(nonce));  // the update validate decoded, not decoded again
    const accepted = this.round.count();
    send(res, 202, { round: open, accepted, quorum: this.options.quorum });
    if (accepted >= this.options.quorum) setImmediate(() => { if (this.roundRow.id === open) this._aggregate('quorum'); });
  }
}

/** Starts a server; resolves once it listens. */
export async function startAggregationServer(options) {
  const server = new AggregationServer(options);
  try {
    await server.start();
  } catch (error) {
    await server.close().catch(() => {});  // what did open (the database) is closed again
    throw error;
  }
  return server;
}

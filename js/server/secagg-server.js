// The server's side of secure aggregation (Bonawitz et al., CCS 2017, over SecAgg+'s neighbour
// graph, Bell et al., CCS 2020): it relays keys and encrypted shares, collects masked inputs, and
// learns only the sum of the survivors' updates. Each member shares and masks only with its k
// neighbours (js/federated/secagg-graph.js); k comes from the cohort, the dropout and corruption
// rates the operator declares (secagg_graph.hpp), or is set directly (secure.neighbours).
//
//   GET  /v1/secagg/round                 the open secure round: stage, curve, declared policy
//   POST /v1/secagg/:round/advertise      {curve, mask_pk, enc_pk} (base64url raw keys) -> {index}
//   POST /v1/secagg/:round/shares         {shares: [{to, ciphertext}]}: one per neighbour
//   POST /v1/secagg/:round/masked         the masked input (application/octet-stream)
//   POST /v1/secagg/:round/unmask         {self_shares: [{of, share}], key_shares: [{of, share}]}
//   GET  /v1/secagg/:round/state          what this member needs for the stage it is in
// All with Authorization: Bearer <client token>. Errors are {error: {code, message}}: 400
// MALFORMED_MESSAGE / WRONG_LENGTH / SHARES_INCOMPLETE, 401 UNAUTHORIZED, 403 NOT_A_MEMBER,
// 409 OUT_OF_STAGE / DUPLICATE_MESSAGE / DUPLICATE_KEY / STALE_ROUND / ROUND_NOT_OPEN,
// 422 SHARE_FOR_NON_MEMBER / SENDER_MISMATCH / SHARE_INDEX_MISMATCH / SHARES_MISMATCH_SURVIVORS.
//
// Stages close when every member expected has answered, or at the stage deadline: advertise with
// at least min_cohort members (else the deadline is extended: nothing was shared yet), the later
// stages with at least t answers, else the round aborts, having revealed nothing (without t
// unmask answers no seed or key can be rebuilt). t = floor(n/2) + 1 for n members (or the
// operator's fraction of n, secure.threshold): the fewest
// inputs a sum may cover; a device's secrets need t_k = floor((k+1)/2) + 1 of its neighbourhood.
// Unmasking streams: each masked input and each pair correction goes into one running sum.
import { randomBytes } from 'node:crypto';
import { fromB64url, importPrivate, importPublic, publicKeyBytes, sharedSecret } from '../federated/secagg-crypto.js';
import { degreeFor, neighbourhoods } from '../federated/secagg-graph.js';
import { SecAggStore } from './secagg-store.js';
import { usableWorker } from './secagg-unmask-worker.js';
import { ZhixuanError } from '../errors.js';

export const SECURE_DEFAULTS = Object.freeze({
  curve: 'X25519',
  minCohort: 10,           // the advertise stage waits for this many devices
  cohortTarget: null,      // closes advertise early at this many (default: quorum)
  scaleBits: 12,           // C s = 2^scale_bits grid units
  blockLog2: 14,           // rotation block 2^14
  stageMs: 60_000,         // deadline of each stage after advertise
  dropout: 0.1,            // the neighbour graph holds with this fraction of the cohort dropping ...
  corruption: 0.1,         // ... and this fraction colluding with the server (secagg_graph.hpp)
  neighbours: null,        // k set directly (default: the rule's k for the cohort)
  threshold: null,         // t as a fraction of the cohort, ceil(threshold n) (default: floor(n/2) + 1)
});

const SHARE_BYTES = 45;
const SEALED_SHARE_BYTES = 12 + 2 * SHARE_BYTES + 16;
const JSON_LIMIT = 4 << 20;

/**
 * t for a cohort of n: a majority, or ceil(fraction n) when the operator sets a fraction. Each
 * device's noise is sized for t survivors, so a larger t leaves the sum of all n less over-noised
 * (n / t times the declared variance) at the same charged epsilon; the round then aborts once more
 * than n - t devices drop (docs/secure-aggregation.md, "The threshold").
 */
export function thresholdFor(n, fraction = null) {
  const majority = Math.floor(n / 2) + 1;
  return fraction === null ? majority : Math.min(n, Math.max(majority, Math.ceil(fraction * n - 1e-9)));
}

/**
 * The model rounds' kind: what a secure round sums (a model delta of the server's open round), and
 * what happens to the sum (the server's model step). The metrics rounds are another kind
 * (js/server/metrics-rounds.js): same stages, same code, their own tables and URL prefix.
 */
export function modelRoundKind(server) {
  const config = () => server.roundConfig;
  return {
    name: 'model',
    prefix: '/v1/secagg/',
    tables: 'secagg',
    options: server.options.secure ?? {},
    roundId: () => server.roundRow.id,
    deadlineMs: () => server.options.deadlineMs,
    noiseMultiplier: () => (config().noise_mode === 'none' ? 0 : config().noise_multiplier),
    shape: () => ({ length: (config().row_count || server.model.items) * server.modelDim(), clip: config().clip }),
    describe: () => ({}),
    abort: (id) => server.abortRound(id),
    // `done(outcome)` runs inside the model step's transaction.
    close: (id, sum, survivors, done) => server.closeSecureRound(id, sum.values, survivors, (nextVersion) => done({ model_version: nextVersion })),
    next: () => { if (server.store.openRound().id !== server.roundRow.id) server._openRoundFromStore(); },
  };
}

function hex(bytes) { return Buffer.from(bytes).toString('hex'); }

export class SecureAggregation {
  /**
   * `server`: the AggregationServer (store, core, log); `http`: {HttpError, send, readBody};
   * `kind`: what the rounds sum and where the sum goes (default: the model rounds).
   */
  constructor(server, http, kind = modelRoundKind(server)) {
    this.server = server;
    this.http = http;
    this.kind = kind;
    this.o = { ...SECURE_DEFAULTS, ...kind.options };
    this.o.cohortTarget = this.o.cohortTarget ?? server.options.quorum;
    if (!['X25519', 'P-256'].includes(this.o.curve)) throw new TypeError("secure.curve must be 'X25519' or 'P-256'");
    if (!(Number.isInteger(this.o.minCohort) && this.o.minCohort >= 2)) throw new TypeError('secure.minCohort must be an integer >= 2');
    for (const rate of ['dropout', 'corruption']) {
      if (!(this.o[rate] >= 0 && this.o[rate] < 1)) throw new TypeError(`secure.${rate} must be in [0, 1)`);
    }
    if (!(this.o.dropout + this.o.corruption < 1)) throw new TypeError('secure.dropout + secure.corruption must be below 1');
    if (this.o.neighbours !== null && !(Number.isInteger(this.o.neighbours) && this.o.neighbours >= 2)) throw new TypeError('secure.neighbours must be an integer >= 2');
    if (this.o.threshold !== null && !(this.o.threshold > 0.5 && this.o.threshold <= 1)) throw new TypeError('secure.threshold must be a fraction in (0.5, 1]');
    this.graphs = new Map();  // round id -> its neighbour graph (derived from the stored members)
    this.store = new SecAggStore(server.store.db, kind.tables);
    this.log = server.log;
    this.timer = null;
    this.busy = null;  // the stage transition running, if any
  }

  get core() { return this.server.core; }
  get roundId() { return this.kind.roundId(); }
  get row() { return this.store.round(this.roundId); }

  /** Called once the server's round is open (start, and after each close). */
  attach() {
    this.store.insertRound(this.roundId, Date.now() + this.kind.deadlineMs());
    // After a restart mid-round the devices could not reach the server for a while: the stage
    // gets a fresh window (a later deadline reveals nothing).
    const row = this.row;
    if (['share', 'masked', 'unmask'].includes(row.stage)) this.store.extendDeadline(row.id, Math.max(row.stage_deadline, Date.now() + this.o.stageMs));
    this._schedule();
    // A restart may find a stage whose members all answered, or a deadline already past.
    setImmediate(() => this._maybeAdvance('restart'));
  }

  close() {
    clearTimeout(this.timer);
    this.unmasker?.close();
  }

  publicRound() {
    const row = this.row;
    return {
      aggregation: 'secure',
      ...this.kind.describe(),
      secure: {
        round_id: this.roundId, stage: row.stage, stage_deadline: row.stage_deadline, curve: this.o.curve,
        min_cohort: this.o.minCohort, cohort_target: this.o.cohortTarget, members: this.store.memberCount(this.roundId),
        noise_multiplier: this.kind.noiseMultiplier(), noise: 'distributed-discrete-gaussian',
        scale_bits: this.o.scaleBits, block_log2: this.o.blockLog2, threshold_rule: this.o.threshold === null ? 'floor(n/2)+1' : `max(floor(n/2)+1, ceil(${this.o.threshold}n))`,
        graph: { kind: 'harary', dropout: this.o.dropout, corruption: this.o.corruption, neighbours: this.o.neighbours },
      },
    };
  }

  _error(status, code, message) { return new this.http.HttpError(status, code, message); }

  _schedule() {
    clearTimeout(this.timer);
    const row = this.row;
    if (!row || row.stage === 'done' || row.stage === 'aborted') return;
    const wait = Math.max(0, row.stage_deadline - Date.now());
    this.timer = setTimeout(() => this._maybeAdvance('deadline'), Math.min(wait, 2 ** 31 - 1));
    this.timer.unref?.();
  }

  // ---- HTTP ----

  async handle(req, res, url) {
    const { send } = this.http;
    const prefix = this.kind.prefix;
    if (req.method === 'GET' && url.pathname === `${prefix}round`) return send(res, 200, { round_id: this.roundId, ...this.publicRound() });
    const match = url.pathname.startsWith(prefix) ? /^([^/]+)\/(advertise|shares|masked|unmask|state)$/.exec(url.pathname.slice(prefix.length)) : null;
    if (!match) { req.resume(); throw this._error(404, 'NOT_FOUND', `no route ${url.pathname}`); }
    const [, roundParam, action] = match;
    const isPost = action !== 'state';
    if ((req.method === 'POST') !== isPost) { req.resume(); throw this._error(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`); }
    const token = this._token(req);
    const roundId = Number(roundParam);
    if (!Number.isSafeInteger(roundId)) { req.resume(); throw this._error(404, 'NOT_FOUND', `'${roundParam}' is not a round id`); }
    if (action === 'state') return send(res, 200, this._state(roundId, token));
    if (roundId !== this.roundId) {
      req.resume();
      throw this._error(409, roundId < this.roundId ? 'STALE_ROUND' : 'ROUND_NOT_OPEN', `round ${roundId} is not open (the open round is ${this.roundId})`);
    }
    if (this.busy) await this.busy;  // a transition in flight decides the stage first
    const body = action === 'masked' ? await this._bytes(req) : await this._json(req);
    if (roundId !== this.roundId) throw this._error(409, 'STALE_ROUND', `round ${roundId} closed while the message arrived`);
    const answer = await this[`_${action}`](token, body);
    send(res, 200, answer);
    setImmediate(() => this._maybeAdvance(action));
  }

  _token(req) {
    const auth = /^Bearer ([0-9a-f]{32})$/.exec(req.headers.authorization ?? '');
    if (!auth) { req.resume(); throw this._error(401, 'UNAUTHORIZED', 'Authorization: Bearer <client token> is required'); }
    if (!this.server.store.hasClient(auth[1])) { req.resume(); throw this._error(401, 'UNKNOWN_CLIENT', 'this client token is not registered'); }
    return auth[1];
  }

  async _json(req) {
    if ((req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/json') {
      req.resume();
      throw this._error(415, 'UNSUPPORTED_MEDIA_TYPE', 'this message is application/json');
    }
    const bytes = await this.http.readBody(req, JSON_LIMIT);
    try {
      const value = JSON.parse(Buffer.from(bytes).toString('utf8'));
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
      return value;
    } catch (error) {
      throw this._error(400, 'MALFORMED_MESSAGE', `the body is not a JSON object: ${error.message}`);
    }
  }

  async _bytes(req) {
    if ((req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/octet-stream') {
      req.resume();
      throw this._error(415, 'UNSUPPORTED_MEDIA_TYPE', 'a masked input is application/octet-stream');
    }
    const row = this.row;
    const limit = row.params ? this._layout(row).maskedBytes : 64;
    return this.http.readBody(req, limit);
  }

  _stageIs(row, stage) {
    if (row.stage !== stage) throw this._error(409, 'OUT_OF_STAGE', `the round is in stage '${row.stage}', not '${stage}'`);
  }

  _memberOf(token) {
    const member = this.store.member(this.roundId, token);
    if (!member) throw this._error(403, 'NOT_A_MEMBER', 'this client is not a member of the round');
    return member;
  }

  _layout(row) { return this.core.secaggLayout(row.params); }

  // k for a cohort of n: the operator's, or the rule's; even below n - 1 (a Harary graph's).
  _degree(n) {
    const k = this.o.neighbours ?? degreeFor(this.core, n, this.o);
    return k >= n - 1 ? n - 1 : k + (k % 2);
  }

  /** {graph: Map index -> neighbour indices, degree, threshold} of a round past advertise. */
  async _graph(row) {
    const cached = this.graphs.get(row.id);
    if (cached) return cached;
    const members = this.store.members(row.id).map((m) => ({ index: m.idx, mask_pk: m.mask_pk, enc_pk: m.enc_pk }));
    const graph = await neighbourhoods(this.core, JSON.parse(row.params), members);
    this.graphs.clear();  // one round at a time
    this.graphs.set(row.id, graph);
    return graph;
  }

  async _advertise(token, body) {
    const row = this.row;
    if (this.store.member(this.roundId, token)) throw this._error(409, 'DUPLICATE_MESSAGE', 'this client already advertised its keys for the round');
    this._stageIs(row, 'advertise');
    if (body.curve !== this.o.curve) throw this._error(400, 'MALFORMED_MESSAGE', `the round's curve is ${this.o.curve}`);
    for (const key of ['mask_pk', 'enc_pk']) {
      let raw;
      try { raw = fromB64url(body[key]); } catch { throw this._error(400, 'MALFORMED_MESSAGE', `${key} is not base64url`); }
      if (raw.byteLength !== publicKeyBytes(this.o.curve)) throw this._error(400, 'MALFORMED_MESSAGE', `${key} must be a raw ${this.o.curve} public key`);
      try { await importPublic(this.o.curve, raw); } catch { throw this._error(400, 'MALFORMED_MESSAGE', `${key} is not a ${this.o.curve} public key`); }
      if (this.store.hasKey(this.roundId, body[key])) throw this._error(409, 'DUPLICATE_KEY', `${key} is already another member's key`);
    }
    if (body.mask_pk === body.enc_pk) throw this._error(400, 'MALFORMED_MESSAGE', 'the two keys must differ');
    if (this.store.memberCount(this.roundId) >= this.o.cohortTarget) throw this._error(409, 'OUT_OF_STAGE', 'the cohort is full');
    const index = this.store.addMember(this.roundId, token, body.mask_pk, body.enc_pk);
    return { round: this.roundId, index };
  }

  async _shares(token, body) {
    // The graph first: past this await the checks and the insert run without yielding.
    const graph = this.row.params ? await this._graph(this.row) : null;
    const row = this.row;
    const member = this._memberOf(token);
    if (this.store.hasShares(this.roundId, member.idx)) throw this._error(409, 'DUPLICATE_MESSAGE', 'this member already sent its shares');
    this._stageIs(row, 'share');
    if (!Array.isArray(body.shares)) throw this._error(400, 'MALFORMED_MESSAGE', 'shares must be an array');
    const others = new Set(graph.graph.get(member.idx));
    const seen = new Set();
    for (const s of body.shares) {
      if (!s || typeof s !== 'object' || !Number.isSafeInteger(s.to) || typeof s.ciphertext !== 'string') throw this._error(400, 'MALFORMED_MESSAGE', 'each share is {to, ciphertext}');
      if (!others.has(s.to)) throw this._error(422, 'SHARE_FOR_NON_MEMBER', `device ${s.to} is not a neighbour of this member in the round`);
      if (seen.has(s.to)) throw this._error(400, 'MALFORMED_MESSAGE', `two shares for device ${s.to}`);
      seen.add(s.to);
      let raw;
      try { raw = fromB64url(s.ciphertext); } catch { throw this._error(400, 'MALFORMED_MESSAGE', 'a ciphertext is not base64url'); }
      if (raw.byteLength !== SEALED_SHARE_BYTES) throw this._error(400, 'MALFORMED_MESSAGE', `a sealed share is ${SEALED_SHARE_BYTES} bytes`);
    }
    if (seen.size !== others.size) throw this._error(400, 'SHARES_INCOMPLETE', `shares for ${seen.size} of the ${others.size} neighbours`);
    this.store.addShares(this.roundId, member.idx, body.shares);
    return { round: this.roundId, accepted: true };
  }

  async _masked(token, bytes) {
    const row = this.row;
    const member = this._memberOf(token);
    if (this.store.hasMasked(this.roundId, member.idx)) throw this._error(409, 'DUPLICATE_MESSAGE', 'this member already sent its masked input');
    this._stageIs(row, 'masked');
    if (!JSON.parse(row.shared).includes(member.idx)) throw this._error(403, 'NOT_A_MEMBER', 'this member did not share its keys in time');
    const layout = this._layout(row);
    if (bytes.byteLength !== layout.maskedBytes) throw this._error(400, 'WRONG_LENGTH', `a masked input of this round is ${layout.maskedBytes} bytes, got ${bytes.byteLength}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes[0] !== 0x5a || bytes[1] !== 0x58 || bytes[2] !== 0x53 || bytes[3] !== 0x4d || bytes[4] !== 1 || bytes[5] !== layout.bits || bytes[6] || bytes[7]) {
      throw this._error(400, 'MALFORMED_MESSAGE', 'not a masked input of this round (header)');
    }
    if (view.getBigUint64(8, true) !== BigInt(this.roundId)) throw this._error(400, 'MALFORMED_MESSAGE', 'the masked input names another round');
    if (view.getUint32(16, true) !== member.idx) throw this._error(422, 'SENDER_MISMATCH', 'the masked input names another sender');
    if (view.getUint32(20, true) !== layout.padded) throw this._error(400, 'WRONG_LENGTH', 'wrong coordinate count');
    const usedBits = (layout.padded * layout.bits) % 8;
    if (usedBits && (bytes[bytes.byteLength - 1] >> usedBits)) throw this._error(400, 'MALFORMED_MESSAGE', 'padding bits are not zero');
    this.store.addMasked(this.roundId, member.idx, bytes);
    return { round: this.roundId, accepted: true };
  }

  async _unmask(token, body) {
    const graph = this.row.params ? await this._graph(this.row) : null;
    const row = this.row;
    const member = this._memberOf(token);
    if (this.store.hasUnmask(this.roundId, member.idx)) throw this._error(409, 'DUPLICATE_MESSAGE', 'this member already answered the unmasking');
    this._stageIs(row, 'unmask');
    const survivors = JSON.parse(row.survivors);
    const shared = JSON.parse(row.shared);
    if (!survivors.includes(member.idx)) throw this._error(403, 'NOT_A_MEMBER', 'only survivors answer the unmasking');
    const check = (list, name, expected) => {
      if (!Array.isArray(list)) throw this._error(400, 'MALFORMED_MESSAGE', `${name} must be an array`);
      const of = new Set();
      for (const s of list) {
        if (!s || !Number.isSafeInteger(s.of) || typeof s.share !== 'string') throw this._error(400, 'MALFORMED_MESSAGE', `each of ${name} is {of, share}`);
        let raw;
        try { raw = fromB64url(s.share); } catch { throw this._error(400, 'MALFORMED_MESSAGE', 'a share is not base64url'); }
        if (raw.byteLength !== SHARE_BYTES) throw this._error(400, 'MALFORMED_MESSAGE', `a share is ${SHARE_BYTES} bytes`);
        if (new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, true) !== member.idx) throw this._error(422, 'SHARE_INDEX_MISMATCH', 'a share is not this member\'s');
        if (of.has(s.of)) throw this._error(400, 'MALFORMED_MESSAGE', `two shares of device ${s.of}`);
        of.add(s.of);
      }
      const want = new Set(expected);
      if (of.size !== want.size || [...of].some((i) => !want.has(i))) throw this._error(422, 'SHARES_MISMATCH_SURVIVORS', `${name} must cover exactly devices [${expected.join(', ')}]`);
    };
    const near = new Set([member.idx, ...graph.graph.get(member.idx)]);
    check(body.self_shares, 'self_shares', survivors.filter((i) => near.has(i)));
    check(body.key_shares, 'key_shares', shared.filter((i) => near.has(i) && i !== member.idx && !survivors.includes(i)));
    this.store.addUnmask(this.roundId, member.idx, JSON.stringify({ self_shares: body.self_shares, key_shares: body.key_shares }));
    return { round: this.roundId, accepted: true };
  }

  _state(roundId, token) {
    const row = this.store.round(roundId);
    if (!row) throw this._error(404, 'NOT_FOUND', `no secure round ${roundId}`);
    if (row.stage === 'done' || row.stage === 'aborted') return { round_id: roundId, stage: row.stage, ...JSON.parse(row.outcome ?? '{}') };
    const member = this._memberOf(token);
    const out = { round_id: roundId, stage: row.stage, stage_deadline: row.stage_deadline, index: member.idx };
    if (row.stage === 'advertise') return out;
    out.params = JSON.parse(row.params);
    out.members = this.store.members(roundId).map((m) => ({ index: m.idx, mask_pk: m.mask_pk, enc_pk: m.enc_pk }));
    if (row.stage === 'share') return out;
    const shared = JSON.parse(row.shared);
    out.shared = shared;
    if (shared.includes(member.idx)) out.inbox = this.store.inbox(roundId, member.idx, shared);
    if (row.stage === 'unmask') out.survivors = JSON.parse(row.survivors);
    return out;
  }

  // ---- stage transitions (each one SQLite transaction) ----

  _maybeAdvance(reason) {
    if (this.busy) {
      this.again = true;  // a message stored while a transition ran: look again once it is done
      return this.busy;
    }
    this.again = false;
    this.busy = this._advance(reason).catch((error) => this.log(`secure ${this.kind.name} round ${this.roundId}: ${error.stack ?? error}`)).finally(() => {
      this.busy = null;
      if (this.again) setImmediate(() => this._maybeAdvance('again'));
    });
    return this.busy;
  }

  async _advance(reason) {
    for (;;) {
      const row = this.row;
      if (!row || row.stage === 'done' || row.stage === 'aborted') return;
      const due = Date.now() >= row.stage_deadline;
      const next = await this._step(row, due);
      if (!next) break;
    }
    this._schedule();
  }

  // One transition if its condition holds; true when something changed.
  async _step(row, due) {
    const id = row.id;
    const stageMs = this.o.stageMs;
    if (row.stage === 'advertise') {
      const members = this.store.members(id);
      if (members.length >= this.o.cohortTarget || (due && members.length >= this.o.minCohort)) {
        const n = members.length;
        const t = thresholdFor(n, this.o.threshold);
        const z = this.kind.noiseMultiplier();
        const { length, clip } = this.kind.shape();
        const params = {
          round_id: id, length, block_log2: this.o.blockLog2,
          clip, scale_bits: this.o.scaleBits, noise_variance: this.core.secaggNoiseVariance(z, this.o.scaleBits, t),
          cohort: n, threshold: t, rotation_seed: hex(randomBytes(32)),
          neighbours: this._degree(n),
        };
        let layout;
        try {
          layout = this.core.secaggLayout(JSON.stringify(params));
        } catch (error) {
          if (!(error instanceof ZhixuanError)) throw error;
          return this._abort(id, `params: ${error.message}`);
        }
        this.store.setStage(id, 'share', Date.now() + stageMs, { params: JSON.stringify(params) });
        this.log(`secure ${this.kind.name} round ${id}: ${n} members, threshold ${t}, ${params.neighbours} neighbours each, ${layout.bits} bits a value`);
        return true;
      }
      if (due) { this.store.extendDeadline(id, Date.now() + this.kind.deadlineMs()); return false; }
      return false;
    }
    const members = this.store.members(id).map((m) => m.idx);
    const t = JSON.parse(row.params).threshold;
    if (row.stage === 'share') {
      const senders = this.store.shareSenders(id);
      if (senders.length === members.length || due) {
        if (senders.length < t) return this._abort(id, `${senders.length} members shared keys, the threshold is ${t}`);
        this.store.setStage(id, 'masked', Date.now() + stageMs, { shared: JSON.stringify(senders) });
        return true;
      }
      return false;
    }
    const shared = JSON.parse(row.shared);
    if (row.stage === 'masked') {
      const senders = this.store.maskedSenders(id);
      if (senders.length === shared.length || due) {
        if (senders.length < t) return this._abort(id, `${senders.length} masked inputs, the threshold is ${t}`);
        this.store.setStage(id, 'unmask', Date.now() + stageMs, { survivors: JSON.stringify(senders) });
        return true;
      }
      return false;
    }
    if (row.stage === 'unmask') {
      const survivors = JSON.parse(row.survivors);
      const answers = this.store.unmaskAnswers(id);
      if (answers.length === survivors.length || due) {
        if (answers.length < t) return this._abort(id, `${answers.length} unmask answers, the threshold is ${t}`);
        await this._finish(row, answers);
        return true;
      }
      return false;
    }
    return false;
  }

  _abort(id, reason) {
    const db = this.server.store.db;
    db.transaction(() => {
      this.store.clearRound(id, 'aborted', { reason });
      this.kind.abort(id);
    })();
    this.log(`secure ${this.kind.name} round ${id} aborted: ${reason}`);
    this._afterClose();
    return false;
  }

  async _finish(row, answers) {
    const id = row.id;
    const survivors = JSON.parse(row.survivors);
    const shared = JSON.parse(row.shared);
    const dropped = shared.filter((i) => !survivors.includes(i));
    const members = new Map(this.store.members(id).map((m) => [m.idx, m]));
    const bodies = answers.map((a) => JSON.parse(a.body));
    let sum;
    try {
      const { graph, threshold: tk } = await this._graph(row);
      // One device's secret from the shares its neighbourhood's answers hold (t_k of them).
      const collect = (kind, of) => {
        const parts = [];
        for (const body of bodies) {
          const found = body[kind].find((s) => s.of === of);
          if (found) parts.push(fromB64url(found.share));
          if (parts.length === tk) break;
        }
        if (parts.length < tk) throw new Error(`device ${of}'s ${kind}: ${parts.length} shares answered, ${tk} needed`);
        const packed = new Uint8Array(parts.length * SHARE_BYTES);
        parts.forEach((p, i) => packed.set(p, i * SHARE_BYTES));
        try {
          return this.core.secaggShamirCombine(packed, tk).secret;
        } catch (error) {
          throw new Error(`device ${of}'s ${kind}: ${error.message}`);
        }
      };
      // The mask streams run in a worker thread, one input at a time, so the server keeps
      // answering while it unmasks (js/server/secagg-unmask-worker.js).
      const stream = this.unmasker = usableWorker(this.unmasker);
      try {
        await stream.open(row.params);
        for (const idx of this.store.maskedSenders(id)) await stream.addMasked(this.store.maskedOf(id, idx), collect('self_shares', idx));
        const alive = new Set(survivors);
        for (const v of dropped) {
          const key = await importPrivate(this.o.curve, collect('key_shares', v), fromB64url(members.get(v).mask_pk));
          for (const u of graph.get(v)) {
            if (alive.has(u)) await stream.addCorrection(u, v, await sharedSecret(this.o.curve, key, fromB64url(members.get(u).mask_pk)));
          }
        }
        sum = await stream.finish();
      } catch (error) {
        await stream.discard().catch(() => {});
        throw error;
      }
    } catch (error) {
      return this._abort(id, `unmasking failed: ${error.message}`);
    }
    this.lastSum = { round: id, modular: sum.modular, values: sum.values, survivors: survivors.length };
    const closed = this.kind.close(id, sum, survivors.length, (outcome) => {
      this.store.clearRound(id, 'done', { ...outcome, survivors: survivors.length, dropped: dropped.length });
    });
    if (!closed) return this._abort(id, `the ${this.kind.name} step failed`);
    this.log(`secure ${this.kind.name} round ${id} closed: ${survivors.length} survivors, ${dropped.length} dropped after sharing`);
    this._afterClose();
    return true;
  }

  _afterClose() {
    this.kind.next();
    this.store.insertRound(this.roundId, Date.now() + this.kind.deadlineMs());
    this._schedule();
  }
}

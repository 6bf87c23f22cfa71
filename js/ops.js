// rec.experiments: A/B experiments, attribution and private metrics on the device (the ops room,
// core/include/zhixuan/ops/). The experiments file decides the variant from a stable id; the list a
// variant produces is what recommend() returns (params(slot) is merged into recommend()'s options by
// recommend(slot, options) below: no second ranking path); exposure is recorded when a list is
// rendered, never at assignment; clicks, carts and purchases are attributed on the device to the
// render they came from. Only one thing leaves the device: a day's dense, clipped vector over the
// file's fixed cell layout (metrics_report.hpp), charged to the device's privacy ledger, either
//   - masked in a secure-aggregation metrics round with this device's share of the distributed
//     noise (js/federated/secagg-metrics.js; the server learns only the cohort's sum), or
//   - as the fallback when no cohort forms (one device, a server without secure metrics rounds):
//     noised locally (`sendLocalDp`) and posted alone.
import { ZhixuanError } from './errors.js';
import { assistValues, slotsValues } from './metrics-extras.js';

export { Slots } from './slots.js';  // rec.slots: the slot bandits, part of the ops room

const EVENT_TYPES = new Map([['click', 'click'], ['add_to_cart', 'cart'], ['cart', 'cart'], ['purchase', 'purchase']]);
const SECONDS_PER_DAY = 86400;

/** A standard normal draw from the platform's CSPRNG (Box-Muller on two 53-bit uniforms). */
export function cryptoGaussian() {
  const words = new Uint32Array(4);
  globalThis.crypto.getRandomValues(words);
  const u1 = ((words[0] >>> 5) * 67108864 + (words[1] >>> 6) + 1) / 9007199254740993;  // (0, 1)
  const u2 = ((words[2] >>> 5) * 67108864 + (words[3] >>> 6)) / 9007199254740992;      // [0, 1)
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function checkString(value, name, { optional = false } = {}) {
  if (optional && (value === undefined || value === null)) return '';
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw new ZhixuanError('INVALID_ARGUMENT', `${name} must be a string of 1..256 characters`);
  return value;
}

function randomRenderId() {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return ((BigInt(words[0] & 0x1fffff) << 32n) | BigInt(words[1])).toString();
}

export class Experiments {
  /** @internal created by Recommender#experiments */
  /** @internal created by Recommender#experiments; `kept` ({saved, save}) keeps the last good file and the attribution state with the profile */
  constructor(recommender, kept = null) {
    this._rec = recommender;
    this._kept = kept;
    const core = recommender._core;
    if (typeof core.OpsRuntime !== 'function') throw new ZhixuanError('FEATURE_NOT_LOADED', 'rec.experiments needs the full module (the ops room)');
    this._runtime = new core.OpsRuntime();
    this._version = null;
    this._lastError = null;
    this._user = { stableId: '', channel: '', isNew: false, segment: '' };
    this._now = () => Date.now() / 1000;
    this._fileText = null;
    this._saving = Promise.resolve();
    this._restore(kept?.saved);
  }

  // What the profile kept: the last good file (so an offline reload renders the same variants)
  // and the attribution state (impressions in the window, days not yet sent). A bad record is
  // skipped with a warning, never thrown at construction.
  _restore(saved) {
    if (!saved || typeof saved !== 'object') return;
    try {
      if (typeof saved.file === 'string') this._loadText(saved.file);
      if (typeof saved.state === 'string') this._live().restoreState(saved.state);
    } catch (error) {
      console.warn(`zhixuan profile: stored experiments skipped (${error.message})`);
    }
  }

  _save() {
    if (!this._kept || !this._runtime) return this._saving;
    const record = { file: this._fileText, state: this._runtime.stateJson() };
    this._saving = this._saving.then(() => this._kept.save(record)).catch((error) => console.warn(`zhixuan profile: experiments not stored (${error.message})`));
    return this._saving;
  }

  /** Resolves once the file and attribution state are stored with the profile. */
  flush() { return this._saving; }

  /** The version of the experiments file in force (null: none, every slot renders the control). */
  get version() { return this._version; }

  /** The last load error ({code, message}) or null. */
  get lastError() { return this._lastError; }

  /**
   * Loads an experiments file (JSON text or the parsed object). A bad file throws a ZhixuanError
   * (MALFORMED_EXPERIMENTS, UNKNOWN_PARAMETER, OVERLAPPING_ALLOCATION, UNKNOWN_MODEL_VERSION,
   * TOO_LARGE) and changes nothing: the last good file stays in force.
   */
  load(file) {
    const text = typeof file === 'string' ? file : JSON.stringify(file);
    if (typeof text !== 'string') throw new TypeError('the experiments file must be JSON text or an object');
    const changed = this._fileText !== text;
    try {
      this._loadText(text);
    } catch (error) {
      this._lastError = { code: error.code, message: error.message };
      throw error;
    }
    this._lastError = null;
    if (changed) this._save();
    const slots = this._loadSlots(text);
    return slots ? { version: this._version, slots } : { version: this._version };
  }

  // A file with a "bandits" member also configures rec.slots (one file, one refresh: docs/slots.md).
  // A bad bandits member does not unload good experiments: it is reported, and rec.slots keeps
  // its last good file.
  _loadSlots(text) {
    if (!Object.hasOwn(JSON.parse(text), 'bandits')) return null;
    try {
      return this._rec.slots.load(text);
    } catch (error) {
      return { error: { code: error.code ?? 'MALFORMED_EXPERIMENTS', message: error.message } };
    }
  }

  _loadText(text) {
    this._live().load(text);
    this._version = JSON.parse(text).version;
    this._fileText = text;
  }

  /**
   * Fetches GET {server}/v1/experiments and loads it. Never throws for a bad or missing file:
   * resolves {status: 'kept', error} and the last good file stays in force.
   */
  async refresh({ server, fetch: fetchImpl = globalThis.fetch } = {}) {
    try {
      const response = await fetchImpl(new URL('v1/experiments', String(server).endsWith('/') ? String(server) : `${server}/`), { cache: 'no-store' });
      if (!response.ok) throw new ZhixuanError(`HTTP_${response.status}`, `experiments file: HTTP ${response.status}`);
      return { status: 'loaded', ...this.load(await response.text()) };
    } catch (error) {
      this._lastError = { code: error.code ?? 'FETCH_FAILED', message: error.message };
      return { status: 'kept', version: this._version, error: this._lastError };
    }
  }

  /**
   * Who the user is for assignment: `stableId` (the same id on every device of the user gives the
   * same variants), channel, whether the user is new, segment.
   */
  setUser({ stableId, channel, isNew = false, segment } = {}) {
    if (typeof isNew !== 'boolean') throw new ZhixuanError('INVALID_ARGUMENT', 'isNew must be a boolean');
    this._user = { stableId: checkString(stableId, 'stableId'), channel: checkString(channel, 'channel', { optional: true }), isNew, segment: checkString(segment, 'segment', { optional: true }) };
  }

  /** @internal a clock override for simulations and tests: () => seconds since the epoch */
  _setClock(now) { this._now = now; }

  _context() {
    if (!this._user.stableId) throw new ZhixuanError('INVALID_ARGUMENT', 'call rec.experiments.setUser({stableId}) first');
    return { ...this._user, now: Math.floor(this._now()) };
  }

  /** The user's assignment in one experiment: {experiment, variant, inExperiment, reason, control}. */
  assignment(experimentId) {
    return JSON.parse(this._live().assign(checkString(experimentId, 'experimentId'), this._context()));
  }

  /**
   * The variant this user sees in an experiment: the assigned variant, the control's id when the
   * user is not in it (not targeted, not allocated, held out, not running), null for an unknown
   * experiment or no file. Assignment only: nothing is recorded.
   */
  variant(experimentId) {
    const a = this.assignment(experimentId);
    return a.inExperiment ? a.variant : a.control;
  }

  /** The recommend() options the user's variants set for a slot ({} with no file: the control). */
  params(slot) {
    return JSON.parse(this._live().slot(checkString(slot, 'slot'), this._context())).params;
  }

  /**
   * The slot's list: recommend() with the variants' params merged over `options` (the one
   * ranking path), recorded as a render (exposure + one impression per item).
   * @returns the recommend() result plus {renderId, slot, arms, params}
   */
  recommend(slot, options = {}) {
    checkString(slot, 'slot');
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const { list = 'recommend', ...baseOptions } = options;
    const { arms, params } = JSON.parse(this._live().slot(slot, this._context()));
    const { modelVersion, layout, coldStart, ...recommendOptions } = params;
    if (modelVersion !== undefined && modelVersion !== this._rec.info.modelVersion) {
      // The variant wants a model this device has not loaded: render the control, record nothing
      // (an exposure of a variant the user did not see would bias it).
      const result = this._rec.recommend(baseOptions);
      return { ...result, renderId: null, slot, arms: [], params: {}, modelVersionMismatch: modelVersion };
    }
    const result = this._rec.recommend({ ...baseOptions, ...recommendOptions });
    const renderId = this.recordRender(slot, result.ids, { list, arms });
    return { ...result, renderId, slot, arms, params };
  }

  /**
   * Records a list actually rendered in a slot (for lists not made by recommend(slot), and the
   * bandits' slots): its arms default to the user's arms for the slot. Returns the render id.
   */
  recordRender(slot, ids, { list = 'list', arms, propensities, channel, renderId = randomRenderId() } = {}) {
    checkString(slot, 'slot');
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' && typeof id !== 'number')) throw new ZhixuanError('INVALID_ARGUMENT', 'ids must be an array of item ids');
    if (typeof renderId !== 'string' || !/^[1-9][0-9]{0,15}$/.test(renderId)) throw new ZhixuanError('INVALID_ARGUMENT', 'renderId must be a decimal id (a bandit choice\'s)');
    // A render whose arms and channel are given (a bandit's, rec.slots.shown) needs no assignment.
    const context = arms !== undefined && channel !== undefined ? { channel, now: Math.floor(this._now()) } : this._context();
    const renderArms = arms ?? JSON.parse(this._live().slot(slot, context)).arms;
    if (!Array.isArray(renderArms) || renderArms.some((a) => !Array.isArray(a) || a.length !== 2 || a.some((s) => typeof s !== 'string'))) {
      throw new ZhixuanError('INVALID_ARGUMENT', 'arms must be [[experiment, variant], ...]');
    }
    if (propensities !== undefined && !(propensities instanceof Float64Array)) throw new ZhixuanError('INVALID_ARGUMENT', 'propensities must be a Float64Array');
    this._live().addRender({
      renderId, slot, list: checkString(list, 'list'), channel: channel ?? context.channel, time: context.now,
      arms: renderArms, items: ids.map(String), propensities,
    });
    this._save();
    return renderId;
  }

  /**
   * Attributes an event (the profile's shape: {type, item, value?, ts?}) to the render it came
   * from; types click, add_to_cart (or cart) and purchase (value: amount paid, else the catalog
   * price). Returns the touch ({renderId, slot, list, position, arms, amount, ...}) or null.
   */
  track(event) {
    if (!event || typeof event !== 'object') throw new TypeError('event must be an object {type, item, value?, ts?}');
    const type = EVENT_TYPES.get(event.type);
    if (!type) return null;  // views, favorites, ...: not a conversion of a render
    const item = String(event.item);
    let amount = 0;
    if (type === 'purchase') amount = event.value ?? this._rec.item(item)?.price ?? 0;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) throw new ZhixuanError('INVALID_ARGUMENT', 'a purchase amount must be a finite number >= 0');
    const time = event.ts !== undefined ? Math.floor(event.ts / 1000) : Math.floor(this._now());
    const { touch } = this._live().observe(type, item, amount, time);
    const attributed = JSON.parse(touch);
    if (!attributed) return null;
    this._save();
    return { ...attributed, amount };
  }

  /** Days (UTC day numbers) with counts not yet reported. */
  pendingDays() { return Array.from(this._live().days()); }

  /**
   * The day's clipped, NOT yet noised report (metrics_report.hpp). Stays on the device; see send().
   * @returns {{experiments_version: string, day: number, layout: string[][], values: number[], sigma: number[], noise_multiplier: number, sensitivity: number, delta: number}}
   */
  report(day) {
    if (!Number.isSafeInteger(day)) throw new ZhixuanError('INVALID_ARGUMENT', 'day must be a UTC day number (Math.floor(seconds / 86400))');
    return JSON.parse(this._live().report(day).report);
  }

  /** The accountant parameters of one day's report: one Gaussian release, q = 1. */
  _mechanism(report) {
    return { round_id: 0, base_version: 'metrics', noise_mode: 'local', sampling_rate: 1, noise_multiplier: report.noise_multiplier, delta: report.delta };
  }

  /** What one day of metrics costs in epsilon (at the file's delta), on the same accountant as the federated rounds. */
  epsilonPerDay() {
    const report = this._dummyReport();
    const core = this._rec._core;
    const ledger = core.federatedLedgerNew(Infinity).ledger;
    return core.federatedLedgerStatus(ledger, JSON.stringify(this._mechanism(report))).epsilonAfter;
  }

  _dummyReport() {
    if (!this._version) throw new ZhixuanError('INVALID_ARGUMENT', 'no experiments file is loaded');
    return this.report(0);
  }

  /**
   * Sends every finished day (before today, UTC), charging the device's privacy ledger
   * (rec.federated: consent required) once per day; sent days are forgotten.
   * `aggregation`: 'auto' (default: the day's secure metrics round, local noise when no cohort
   * forms), 'secure' (never local: a day without a cohort stays pending), 'local'.
   * `assistant` (createAssistant) and `slots` (rec.slots, or true for this recommender's own, which
   * also works through a worker): their counts since the last report ride
   * in the first secure round as the extra blocks the server declares (js/metrics-extras.js).
   * `policy`: the secure round's (secagg-client.js SECURE_DEFAULTS, `cohortWaitMs`).
   * Resolves {status: 'sent', sent: [day...], secure: [day...], local: [day...], pending: [day...],
   * epsilonSpent} or {status: 'declined', reason, sent}.
   */
  async send({ server, fetch: fetchImpl = globalThis.fetch, transport = null, aggregation = transport ? 'local' : 'auto', assistant = null, slots = null, policy = {}, _dropAfter = null } = {}) {
    if (!server) throw new TypeError('send needs { server }');
    if (!['auto', 'secure', 'local'].includes(aggregation)) throw new ZhixuanError('INVALID_ARGUMENT', "aggregation must be 'auto', 'secure' or 'local'");
    const federated = this._rec.federated;
    if (!federated.consent) return { status: 'declined', reason: 'no-consent' };
    const today = Math.floor(this._now() / SECONDS_PER_DAY);
    const out = { status: 'sent', sent: [], secure: [], local: [], pending: [] };
    const mechanism = this._mechanism(this._dummyReport());
    const done = (day, how) => {
      this._live().dropDaysBefore(day + 1);
      out.sent.push(day);
      out[how].push(day);
      this._save();
    };
    for (const day of this.pendingDays().filter((d) => d < today)) {
      const report = this.report(day);
      if (aggregation !== 'local') {
        const extras = this._extraValues(assistant, slots);
        // Loaded here, at send()'s await: the secure-aggregation client is a chunk of its own that
        // a page fetches only when it first takes part in a round (README, rooms loaded when used).
        const { sendSecureMetrics } = await import('./federated/secagg-metrics.js');
        const result = await withClientToken(federated, server, fetchImpl, () => sendSecureMetrics({
          core: this._rec._core, federated, server, report, file: JSON.parse(this._fileText), extraValues: extras.values, fetch: fetchImpl, policy, dropAfter: _dropAfter,
        }));
        if (result.status === 'completed') {
          extras.sent({ version: report.experiments_version, day, round: result.round });
          done(day, 'secure');
          continue;
        }
        if (result.status === 'declined' && result.reason === 'privacy-budget') return { ...out, status: 'declined', reason: 'privacy-budget' };
        // No cohort for this day (a server without secure rounds, too few devices): the fallback.
        const fallback = result.status === 'declined' && ['no-secure-round', 'cohort-too-small'].includes(result.reason);
        if (aggregation === 'secure' || !fallback) {
          out.pending.push(day);  // aborted, dropped, declined otherwise: nothing summed, retried later
          continue;
        }
      }
      // The server takes a local report from a client it registered (the token is fetched before
      // the charge: a failed registration costs nothing); a custom transport authenticates itself.
      const token = transport ? null : await federated._clientToken(server, fetchImpl);
      if (!chargeLedger(federated, this._rec._core, this._mechanism(report))) return { ...out, status: 'declined', reason: 'privacy-budget' };
      if (transport) await transport({ server, report, fetch: fetchImpl });
      else await sendLocalDp({ server, report, token, fetch: fetchImpl, renewToken: () => federated._clientToken(server, fetchImpl, { renew: true }) });
      done(day, 'local');
    }
    // Epsilon at the file's delta (the ledger keeps RDP; epsilon depends on the delta asked for).
    return { ...out, epsilonSpent: federated.privacy(mechanism).epsilonSpent };
  }

  // The assistant's and the bandits' counts since they were last sent, and what to do once sent.
  // The bandit keeps what it reported (slots-reported.js): the base of the next difference, and
  // each report's part, which a folded file's priors already hold.
  _extraValues(assistant, slots) {
    const bandit = slots === true ? this._rec.slots : slots || null;
    const slotStats = bandit ? bandit.stats() : null;
    const assistStats = assistant ? assistant.stats() : null;
    const previous = bandit ? bandit._reportedBase() : null;
    return {
      // From the blocks the round declares (js/metrics-extras.js).
      values: (blocks) => ({ ...assistValues(assistStats, blocks), ...slotsValues(slotStats, previous, blocks) }),
      sent: (where) => {
        assistant?.resetStats();
        if (slotStats) bandit._markReported(where, slotStats);
      },
    };
  }

  /** Attribution state (impressions in the window, unreported days), for the host's storage. */
  exportState() { return this._live().stateJson(); }

  importState(state) {
    if (typeof state !== 'string') throw new TypeError('state must be what exportState returned');
    this._live().restoreState(state);
    this._save();
  }

  /** @internal rec.forget(): the attribution state is the user's (what was shown and clicked) */
  _forget() {
    if (!this._runtime) return;
    const file = this._fileText;
    this._runtime.delete();
    this._runtime = new this._rec._core.OpsRuntime();
    if (file) this._loadText(file);
  }

  _live() {
    this._rec._live();
    if (!this._runtime) throw new ZhixuanError('DISPOSED', 'this recommender was disposed');
    return this._runtime;
  }

  /** @internal called by Recommender#dispose */
  _dispose() {
    this._runtime?.delete();
    this._runtime = null;
  }
}

/**
 * Runs `attempt` (a metrics round, which fetches the device's client token itself) and, when the
 * server no longer knows the token (UNKNOWN_CLIENT: its state was reset), registers again and
 * runs it once more. A refused token sends nothing of the day (advertise is the first message).
 */
async function withClientToken(federated, server, fetchImpl, attempt) {
  try {
    return await attempt();
  } catch (error) {
    if (error?.code !== 'UNKNOWN_CLIENT') throw error;
    await federated._clientToken(server, fetchImpl, { renew: true });
    return attempt();
  }
}

/**
 * The seam to the device's privacy ledger (js/federated): charges one release of `mechanism`
 * and answers false (charging nothing) when it would exceed the budget.
 */
function chargeLedger(federated, core, mechanism) {
  const json = JSON.stringify(mechanism);
  const state = federated.exportState();
  const status = core.federatedLedgerStatus(state.ledger, json);
  if (!status.affordable) return false;
  federated.importState({ ...state, ledger: core.federatedLedgerCharge(state.ledger, json).ledger });
  return true;
}

/**
 * The local-noise fallback's report: Gaussian noise from the CSPRNG on every value. It names the
 * public shape (file version, day, layout, the file's noise) and the noised values, nothing else:
 * not the report's un-noised `cells_dropped`, and no extra block (those ride in secure rounds only).
 */
export function noisedReport(report, gaussian = cryptoGaussian) {
  const values = report.values.map((v, i) => v + report.sigma[i % report.sigma.length] * gaussian());
  const { experiments_version, day, layout, sigma, noise_multiplier, sensitivity, delta } = report;
  return { experiments_version, day, layout, values, sigma, noise_multiplier, sensitivity, delta, noised: 'local-gaussian' };
}

/**
 * POSTs the noised report with the device's client token (the federated one, issued by this
 * server). Resolves the server's answer; a 409 DUPLICATE_REPORT (the day was stored, its answer
 * lost) counts as sent. A 401 UNKNOWN_CLIENT (the server lost its state) gets a new token from
 * `renewToken` and the same noised body once more (the same release: no second noise draw).
 * Other refusals throw a ZhixuanError with the server's code.
 */
export async function sendLocalDp({ server, report, token, fetch: fetchImpl, renewToken = null }) {
  const body = JSON.stringify(noisedReport(report));
  const post = (bearer) => fetchImpl(new URL('v1/metrics', String(server).endsWith('/') ? String(server) : `${server}/`), {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body,
  });
  let response = await post(token);
  let refusal = response.ok ? null : await refusalOf(response);
  if (refusal?.code === 'UNKNOWN_CLIENT' && renewToken) {
    response = await post(await renewToken());
    refusal = response.ok ? null : await refusalOf(response);
  }
  if (!refusal) return response.json();
  if (refusal.code === 'DUPLICATE_REPORT') return { stored: true, duplicate: true };
  const error = new ZhixuanError(refusal.code, `metrics report: ${refusal.message}`);
  error.status = response.status;
  throw error;
}

// The server's named code (js/federated/transport.js reads it the same way; not imported here,
// which would put the federated chunk in every page that loads the ops room).
async function refusalOf(response) {
  const answer = await response.json().catch(() => null);
  return { code: answer?.error?.code ?? `HTTP_${response.status}`, message: answer?.error?.message ?? `HTTP ${response.status}` };
}

// rec.federated: opt-in participation in federated rounds. The user vector is folded in on the
// device and never leaves it; the only thing sent is the clipped (optionally noised), quantized
// gradient payload the core builds (core/include/zhixuan/federated/federated.hpp). A privacy ledger
// (epsilon spent under the server's accountant parameters) declines rounds beyond the budget.
import { ZhixuanError } from '../errors.js';
import { fetchModel, fetchRound, postUpdate, registerClient, serverUrl } from './transport.js';

const DEFAULT_BUDGET = 8;

function randomBytes(n) {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

function configJson(roundConfig) {
  if (roundConfig === null || typeof roundConfig !== 'object' || Array.isArray(roundConfig)) throw new TypeError('roundConfig must be the object the server publishes');
  return JSON.stringify(roundConfig);
}

export class Federated {
  /** @internal created by Recommender#federated; `kept` ({saved, history, save}) keeps the state with the profile */
  constructor(recommender, kept = null) {
    this._rec = recommender;
    this._kept = kept;
    this._consent = false;
    this._forgotten = false;
    this._ledger = null;  // JSON string from the core
    this._token = null;
    this._tokenServer = null;  // the server the token was issued by: it is never shown to another
    this._historySource = null;
    try {
      if (kept?.saved) this.importState(kept.saved);
    } catch (error) {
      console.warn(`zhixuan federated: stored state skipped (${error.message})`);
    }
  }

  // Stores the state with the profile (when there is one); resolves once stored.
  _save() {
    this._saving = Promise.resolve(this._kept?.save(this.exportState()));
    return this._saving;
  }

  /** Opt in (or out) of federated rounds for this profile. `epsilonBudget`: total epsilon the device accepts. */
  setConsent(consent, options = {}) {
    if (typeof consent !== 'boolean') throw new TypeError('consent must be a boolean');
    const budget = options.epsilonBudget ?? DEFAULT_BUDGET;
    if (typeof budget !== 'number' || !(budget > 0)) throw new ZhixuanError('INVALID_ARGUMENT', 'epsilonBudget must be a number > 0 (Infinity for none)');
    if (consent && this._forgotten) this._forgotten = false;  // a fresh opt-in after forget()
    this._consent = consent;
    if (consent && !this._ledger) this._ledger = this._core().federatedLedgerNew(budget).ledger;
    return this._save();
  }

  get consent() { return this._consent; }

  /** Where computeUpdate reads the local history when none is passed: () => history array. */
  setHistorySource(fn) {
    if (fn !== null && typeof fn !== 'function') throw new TypeError('history source must be a function or null');
    this._historySource = fn;
  }

  /** Epsilon spent so far (and what one more round of `roundConfig` would bring it to). */
  privacy(roundConfig, { participationRate = 1 } = {}) {
    if (!this._ledger) return { rounds: 0, epsilonSpent: 0, budget: null };
    // q = 1 unless the device drew its own participation: never the rate the server declares.
    const status = this._core().federatedLedgerStatus(this._ledger, configJson({ ...(roundConfig ?? { round_id: 0, base_version: 'x' }), sampling_rate: participationRate }));
    return { rounds: status.rounds, epsilonSpent: status.epsilonSpent, budget: status.budget, epsilonAfterNextRound: status.epsilonAfter, affordable: status.affordable };
  }

  /**
   * The payload for one round: fold-in, gradient, clip, noise, quantize (all in the core), and
   * charges the privacy ledger. Throws NO_CONSENT, PRIVACY_BUDGET_SPENT, MODEL_MISMATCH (the
   * round is for another model version) or INVALID_ARGUMENT (no usable history).
   * @returns {Uint8Array}
   */
  computeUpdate(roundConfig, options = {}) {
    const session = this._rec._live();
    const json = configJson(roundConfig);
    if (!this._consent) throw new ZhixuanError('NO_CONSENT', 'federated participation needs setConsent(true) first');
    const history = options.history ?? this._historySource?.() ?? this._kept?.history();
    if (history === undefined || history === null) throw new ZhixuanError('INVALID_ARGUMENT', 'computeUpdate needs options.history (or setHistorySource)');
    const { rows, weights } = this._rec._history(history);
    const q = options.participationRate ?? 1;
    if (typeof q !== 'number') throw new ZhixuanError('INVALID_ARGUMENT', 'participationRate must be a number in [0, 1]');
    // One crossing: the budget checked, the update computed and the ledger charged (ComputeChargedUpdate).
    const update = this._core().federatedComputeUpdate(session, rows, weights, json, q, this._ledger, randomBytes(16), randomBytes(32));
    if (!update.affordable) {
      throw new ZhixuanError('PRIVACY_BUDGET_SPENT', `one more round would bring epsilon to ${update.epsilonAfter.toFixed(3)}, over the budget ${update.budget}`);
    }
    this._ledger = update.ledger;
    this._save().catch((error) => console.warn(`zhixuan federated: ledger not stored (${error.message})`));
    return update.payload;
  }

  /**
   * Sends a payload for a round. Resolves to the server's {round, accepted, quorum}. A server that
   * no longer knows the client token (UNKNOWN_CLIENT: its state was reset) gets the same payload
   * once more under a new registration (the same release: nothing charged again).
   */
  async submit({ server, roundConfig, payload, fetch: fetchImpl = globalThis.fetch }) {
    if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be the Uint8Array computeUpdate returned');
    if (!roundConfig || !Number.isSafeInteger(roundConfig.round_id)) throw new TypeError('roundConfig.round_id is required');
    try {
      return await postUpdate(server, roundConfig.round_id, await this._clientToken(server, fetchImpl), payload, fetchImpl);
    } catch (error) {
      if (error?.code !== 'UNKNOWN_CLIENT') throw error;
      return postUpdate(server, roundConfig.round_id, await this._clientToken(server, fetchImpl, { renew: true }), payload, fetchImpl);
    }
  }

  /**
   * @internal This device's client token at `server`: registered there on first use. A token
   * issued by one server is never sent to another (it would link the device across them, and
   * the other server does not know it). `renew`: register again (the server answered
   * UNKNOWN_CLIENT: it lost its state).
   */
  async _clientToken(server, fetchImpl, { renew = false } = {}) {
    const issuer = serverUrl(server, '').href;
    if (renew || !this._token || this._tokenServer !== issuer) {
      this._token = await registerClient(server, fetchImpl);
      this._tokenServer = issuer;
      await this._save();
    }
    return this._token;
  }

  /**
   * One round end to end: fetch the round, pick up a newer model (re-fold happens on the next
   * call), check consent and budget, compute, submit. Never throws for a declined round:
   * resolves {status: 'declined', reason} instead.
   */
  async participate({ server, history, fetch: fetchImpl = globalThis.fetch, aggregation = 'secure', participationRate, secure = {}, _dropAfter = null } = {}) {
    if (!server) throw new TypeError('participate needs { server }');
    if (!['secure', 'plain'].includes(aggregation)) throw new TypeError("aggregation must be 'secure' (default) or 'plain'");
    if (!this._consent || this._forgotten) return { status: 'declined', reason: 'no-consent' };
    // Secure aggregation's client (key agreement, Shamir shares, the SecAgg+ graph) is its own
    // chunk, fetched at the first round this device takes part in: a page that never takes
    // part never downloads it (README, "Rooms loaded when first used").
    const { drawParticipation, participateSecure } = await import('./secagg-device.js');
    const draw = drawParticipation(participationRate);
    if (!draw.sampled) return { status: 'declined', reason: 'not-sampled' };
    let round = await fetchRound(server, fetchImpl);
    if (round.base_version !== this._rec.info.modelVersion) {
      const model = await fetchModel(server, fetchImpl);
      this._rec.replaceModel(model.bytes);
      if (round.base_version !== this._rec.info.modelVersion) round = await fetchRound(server, fetchImpl);
      if (round.base_version !== this._rec.info.modelVersion) return { status: 'declined', reason: 'model-changed' };
    }
    if (!this._consent || this._forgotten) return { status: 'declined', reason: 'no-consent' };
    if (round.aggregation === 'secure') {
      return participateSecure(this, { server, history, round, fetch: fetchImpl, policy: secure, q: draw.q, dropAfter: _dropAfter });
    }
    if (aggregation !== 'plain') return { status: 'declined', reason: 'plain-aggregation' };
    const privacy = this.privacy(round, { participationRate: draw.q });
    if (!privacy.affordable) return { status: 'declined', reason: 'privacy-budget', epsilonSpent: privacy.epsilonSpent };
    let payload;
    try {
      payload = this.computeUpdate(round, { history, participationRate: draw.q });
    } catch (error) {
      if (error instanceof ZhixuanError && error.code === 'INVALID_ARGUMENT') return { status: 'declined', reason: 'no-history' };
      throw error;
    }
    await this._saving;  // the charged ledger is stored before the payload leaves
    const answer = await this.submit({ server, roundConfig: round, payload, fetch: fetchImpl });
    return { status: 'submitted', round: round.round_id, accepted: answer.accepted, bytes: payload.byteLength, epsilonSpent: this.privacy(round, { participationRate: draw.q }).epsilonSpent };
  }

  /** @internal called by Recommender#forget(): consent is withdrawn, no round is charged again. */
  _forget() {
    this._consent = false;
    this._forgotten = true;
    this._token = null;
    this._tokenServer = null;
    this._historySource = null;
  }

  /** Consent, ledger and client token, for the profile's storage. */
  exportState() {
    return { consent: this._consent, forgotten: this._forgotten, ledger: this._ledger, token: this._token, tokenServer: this._tokenServer };
  }

  importState(state) {
    if (!state || typeof state !== 'object') throw new TypeError('state must be what exportState returned');
    if (state.ledger !== null && state.ledger !== undefined) {
      this._core().federatedLedgerStatus(state.ledger, JSON.stringify({ round_id: 0, base_version: 'x' }));  // validates
    }
    this._consent = state.consent === true;
    this._forgotten = state.forgotten === true;
    this._ledger = state.ledger ?? null;
    // A token stored without its server (older state) is dropped: the device registers again.
    const issued = typeof state.token === 'string' && typeof state.tokenServer === 'string';
    this._token = issued ? state.token : null;
    this._tokenServer = issued ? state.tokenServer : null;
  }

  _core() { return this._rec._wasm(); }
}

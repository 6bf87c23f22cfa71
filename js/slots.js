// rec.slots: on-device bandits choose what fills each slot (the ops room's slot bandits,
// core/include/zhixuan/ops/slot_bandit.hpp). The slots and their arms come from the "bandits"
// member of the experiments file the server ships; every choice returns its exact action
// probability and a render id, so every render can be evaluated off-policy later (`zhixuan ope`);
// rewards (click, add-to-cart, purchase with its amount) update the posterior on the device, and
// only the posterior statistics (sums, stats()) are meant to leave it.
//
// Rewards come one way: a render shown with shown() is recorded in rec.experiments' attribution
// under the bandit's render id, so rec.track's clicks, carts and purchases attributed to it reach
// the bandit (Recommender#track -> Experiments#track's touch -> _rewardTouch). With a profile, the
// bandit's state (statistics, renders in their window) is kept with it across page loads.
import { ZhixuanError } from './errors.js';
import { checkReported, emptyReported, markReported, withoutFolded } from './slots-reported.js';

const EVENT_TYPES = new Map([['click', 'click'], ['add_to_cart', 'cart'], ['cart', 'cart'], ['purchase', 'purchase']]);
const DEVICES = new Set(['mobile', 'desktop', 'tablet']);

function optionalString(value, name) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || value.length > 256) throw new ZhixuanError('INVALID_ARGUMENT', `${name} must be a string of at most 256 characters`);
  return value;
}

function cryptoSeed() {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (words[0] & 0x1fffff) * 4294967296 + words[1];
}

/** The context a choice reads (documented in core/include/zhixuan/ops/slot_context.hpp). */
function checkContext(context) {
  if (context === null || typeof context !== 'object') throw new TypeError('context must be an object');
  const { channel, device, segment, hour = -1, score = 0, armScores, position = 0 } = context;
  if (!Number.isInteger(hour) || hour < -1 || hour > 23) throw new ZhixuanError('INVALID_ARGUMENT', `context.hour must be an integer 0..23, got ${String(hour)}`);
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new ZhixuanError('INVALID_ARGUMENT', 'context.score must be a finite number');
  if (!Number.isInteger(position) || position < 0 || position > 999) throw new ZhixuanError('INVALID_ARGUMENT', 'context.position must be an integer 0..999');
  let scores;
  if (armScores !== undefined) {
    if (!(armScores instanceof Float64Array || Array.isArray(armScores))) throw new ZhixuanError('INVALID_ARGUMENT', 'context.armScores must be an array of numbers (one per arm)');
    scores = Float64Array.from(armScores);
  }
  const dev = optionalString(device, 'context.device');
  return {
    channel: optionalString(channel, 'context.channel'), device: DEVICES.has(dev) ? dev : dev && 'other',
    segment: optionalString(segment, 'context.segment'), hour, score, armScores: scores, position,
  };
}

export class Slots {
  /** @internal created by Recommender#slots; `kept` ({saved, save}) keeps the file and the bandit's state with the profile */
  constructor(recommender, kept = null) {
    this._rec = recommender;
    this._kept = kept;
    const core = recommender._core;
    if (typeof core.SlotBandit !== 'function') throw new ZhixuanError('FEATURE_NOT_LOADED', 'rec.slots needs the ops room');
    this._bandit = new core.SlotBandit(cryptoSeed());
    this._now = () => Date.now() / 1000;
    this._version = null;
    this._fileText = null;
    this._saving = Promise.resolve();
    this.restoreError = null;
    // What this device reported, so a folded file's prior is not counted twice (slots-reported.js).
    this._reported = emptyReported();
    this._restore(kept?.saved);
  }

  // What the profile kept: the file, then the state read against it. A damaged record is not
  // thrown at construction: the bandit starts fresh from the file's priors, and restoreError
  // holds the named error (MALFORMED_PAYLOAD); the core never half-applies a state.
  _restore(saved) {
    if (!saved || typeof saved !== 'object') return;
    try {
      if (typeof saved.file === 'string') this._loadText(saved.file);
      const reported = saved.reported !== undefined ? checkReported(saved.reported) : emptyReported();
      if (typeof saved.state === 'string') this._live().restoreState(saved.state);
      this._reported = reported;
    } catch (error) {
      this.restoreError = { code: error.code ?? 'MALFORMED_PAYLOAD', message: error.message };
      console.warn(`zhixuan profile: stored slots state skipped (${error.message})`);
    }
  }

  _save() {
    if (!this._kept || !this._bandit) return this._saving;
    const record = { file: this._fileText, state: this._bandit.stateJson(), reported: this._reported };
    this._saving = this._saving.then(() => this._kept.save(record)).catch((error) => console.warn(`zhixuan profile: slots state not stored (${error.message})`));
    return this._saving;
  }

  /** Resolves once the file and the bandit's state are stored with the profile. */
  flush() { return this._saving; }

  /**
   * Loads the slots from an experiments file (JSON text or object; its "bandits" member). A bad
   * file throws (UNKNOWN_STRATEGY, MALFORMED_EXPERIMENTS, TOO_LARGE) and changes nothing; arms
   * that keep their slot, id and model keep what they learned, less what this device reported
   * for the days a folded file's priors already hold (its "bandits.folded": docs/slots.md).
   */
  load(file) {
    const text = typeof file === 'string' ? file : JSON.stringify(file);
    if (typeof text !== 'string') throw new TypeError('the experiments file must be JSON text or an object');
    const changed = this._fileText !== text;
    this._loadText(text);
    if (changed) {
      this._unfold(JSON.parse(text).bandits?.folded);
      this._save();
    }
    return { slots: this.slotNames() };
  }

  _loadText(text) {
    this._live().configure(text);
    this._version = JSON.parse(text).version ?? null;
    this._fileText = text;
  }

  // The folded file's priors hold the sums this device reported for the folded (version, day)s:
  // they leave its own statistics (and the base the next report is a difference from), once.
  _unfold(folded) {
    const { state, reported } = withoutFolded(this._live().stateJson(), this._reported, folded);
    if (state === null) return;
    this._live().restoreState(state);
    this._reported = reported;
  }

  /** @internal rec.experiments.send: the cumulative stats() last reported (null: none yet) */
  _reportedBase() { return this._reported.base; }

  /** @internal rec.experiments.send: `stats` (a stats() taken before the round) were reported in `where` {version, day, round} */
  _markReported(where, stats) {
    this._reported = markReported(this._reported, where, stats);
    this._save();
  }

  /** The declared slots' names, in file order. */
  slotNames() { return JSON.parse(this._live().stats()).slots.map((s) => s.slot); }

  /**
   * Chooses the arm that fills `slot` for this render.
   * @returns {{arm, strategy, item, propensity, probabilities, renderId}}: render the arm, keep the
   *   render id for reward(); `propensity` is the exact probability this arm had.
   */
  choose(slot, context = {}) {
    if (typeof slot !== 'string' || slot.length === 0 || slot.length > 256) throw new ZhixuanError('INVALID_ARGUMENT', 'slot must be a string of 1..256 characters');
    const checked = checkContext(context);
    const { index, ...choice } = this._live().choose(slot, checked, this._time());
    this._save();
    return { slot, channel: checked.channel, ...choice };
  }

  /**
   * Records what the chosen arm rendered (its items) in rec.experiments' attribution, under the
   * choice's render id: from then on rec.track's clicks, carts and purchases of these items are
   * this render's rewards (within the attribution window, then the slot's delay window).
   * @returns the render id
   */
  shown(choice, ids, { list } = {}) {
    if (!choice || typeof choice !== 'object' || typeof choice.renderId !== 'string' || typeof choice.slot !== 'string') {
      throw new ZhixuanError('INVALID_ARGUMENT', 'shown needs the choice that choose() returned');
    }
    const experiments = this._rec.experiments;
    return experiments.recordRender(choice.slot, ids, {
      list: list ?? choice.arm, arms: [], channel: choice.channel ?? '', renderId: choice.renderId,
      propensities: Float64Array.from(ids, () => choice.propensity),
    });
  }

  /**
   * @internal Recommender#track: an event attribution tied to a render (`touch`, with the
   * event's amount) is this bandit's reward when the render is one of its own.
   */
  _rewardTouch(touch, type) {
    if (!touch || !this._bandit) return null;
    try {
      return this.reward(touch.renderId, { type, value: touch.amount ?? 0 });
    } catch (error) {
      if (error instanceof ZhixuanError && error.code === 'UNKNOWN_RENDER') return null;  // an experiment's render, not a bandit's
      throw error;
    }
  }

  /**
   * A reward for a render: an event {type: 'click' | 'add_to_cart' | 'purchase', value?: amount}.
   * @returns 'applied' | 'added' | 'ignored' | 'duplicate' | 'late' (see the .d.ts)
   */
  reward(renderId, event) {
    if (typeof renderId !== 'string' || !/^[0-9]{1,16}$/.test(renderId)) throw new ZhixuanError('UNKNOWN_RENDER', `not a render id of rec.slots: ${String(renderId)}`);
    if (event === null || typeof event !== 'object') throw new TypeError('event must be an object');
    const type = EVENT_TYPES.get(event.type);
    if (!type) throw new ZhixuanError('INVALID_ARGUMENT', `event.type must be click, add_to_cart or purchase, got ${String(event.type)}`);
    const amount = event.value ?? 0;
    if (typeof amount !== 'number') throw new ZhixuanError('INVALID_ARGUMENT', 'event.value must be a number');
    const { outcome } = this._live().reward(renderId, type, amount, this._time());
    this._save();
    return outcome;
  }

  /** Closes the renders whose delay window has passed (choose and reward do it too). */
  advance() {
    this._live().advance(this._time());
    this._save();
  }

  /** The bandit's state (statistics, renders in their window) as text, for the host's storage. */
  exportState() { return this._live().stateJson(); }

  /** Restores exportState's text against the file in force; a damaged state throws MALFORMED_PAYLOAD and changes nothing. */
  importState(state) {
    if (typeof state !== 'string') throw new TypeError('state must be what exportState returned');
    this._live().restoreState(state);
    this._save();
  }

  /**
   * Posterior statistics per slot and arm: renders chosen, and per context cell the sums the
   * posterior is made of (n, sum, sumSq) with its mean and sd (linear slots: n and theta).
   */
  stats() { return JSON.parse(this._live().stats()); }

  /** @internal a clock override for simulations and tests: () => seconds since the epoch */
  _setClock(now) { this._now = now; }

  /** @internal a fresh bandit with a fixed seed (simulations, tests); keeps the config when given the file */
  _reseed(seed, file) {
    this._bandit?.delete();
    this._bandit = new this._rec._core.SlotBandit(seed);
    if (file !== undefined) this.load(file);
  }

  /** @internal rec.forget(): what was shown and clicked is the user's */
  _forget() {
    if (!this._bandit) return;
    this._bandit.delete();
    this._bandit = new this._rec._core.SlotBandit(cryptoSeed());
    this._reported = emptyReported();
    if (this._fileText) this._loadText(this._fileText);
  }

  _time() {
    const t = this._now();
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new ZhixuanError('INVALID_ARGUMENT', 'the clock gave a non-finite time');
    return t;
  }

  _live() {
    this._rec._live();
    if (!this._bandit) throw new ZhixuanError('DISPOSED', 'this recommender was disposed');
    return this._bandit;
  }

  /** @internal called by Recommender#dispose */
  _dispose() {
    this._bandit?.delete();
    this._bandit = null;
  }
}

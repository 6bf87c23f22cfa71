// rec.slots: on-device bandits choose what fills each slot (the ops room's slot bandits,
// core/include/zhixuan/ops/slot_bandit.hpp). The slots and their arms come from the "bandits"
// member of the experiments file the server ships; every choice returns its exact action
// probability and a render id, so every render can be evaluated off-policy later (`zhixuan ope`);
// rewards (click, add-to-cart, purchase with its amount) update the posterior on the device, and
// only the posterior statistics (sums, stats()) are meant to leave it.
import { ZhixuanError } from './errors.js';

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
  /** @internal created by Recommender#slots */
  constructor(recommender) {
    this._rec = recommender;
    const core = recommender._core;
    if (typeof core.SlotBandit !== 'function') throw new ZhixuanError('FEATURE_NOT_LOADED', 'rec.slots needs the ops room');
    this._bandit = new core.SlotBandit(cryptoSeed());
    this._now = () => Date.now() / 1000;
    this._version = null;
  }

  /**
   * Loads the slots from an experiments file (JSON text or object; its "bandits" member). A bad
   * file throws (UNKNOWN_STRATEGY, MALFORMED_EXPERIMENTS, TOO_LARGE) and changes nothing; arms
   * that keep their slot, id and model keep what they learned.
   */
  load(file) {
    const text = typeof file === 'string' ? file : JSON.stringify(file);
    if (typeof text !== 'string') throw new TypeError('the experiments file must be JSON text or an object');
    this._live().configure(text);
    this._version = JSON.parse(text).version ?? null;
    return { slots: this.slotNames() };
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
    const { index, ...choice } = this._live().choose(slot, checkContext(context), this._time());
    return { slot, ...choice };
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
    return this._live().reward(renderId, type, amount, this._time()).outcome;
  }

  /** Closes the renders whose delay window has passed (choose and reward do it too). */
  advance() { this._live().advance(this._time()); }

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

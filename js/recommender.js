// The Recommender: one loaded model (+ catalog) in the wasm core. Every call after
// createRecommender() resolves is synchronous.
import { ZhixuanError } from './errors.js';
import { checkIdList, checkK, checkObject, checkVector, filterJson } from './validate.js';
import { featureNotLoaded } from './core.js';

export class Recommender {
  /** @internal use createRecommender() */
  constructor(core, session, catalog, rooms = {}) {
    this._core = core;
    this._session = session;
    this._catalog = catalog;  // id -> catalog entry, for display
    this._rooms = rooms;  // the JS of the rooms loaded with the module: {text?, federated?} (js/core.js)
    this._refreshItems();
  }

  /** @internal the wasm Session (the loaded model and its rooms), for the SDK's own modules */
  _live() {
    if (!this._session) throw new ZhixuanError('DISPOSED', 'this recommender was disposed');
    return this._session;
  }

  /** @internal the wasm module, for the SDK's rooms */
  _wasm() {
    this._live();
    return this._core;
  }

  /** @internal the local profile (js/profile.js) or undefined */
  _localProfile() {
    return this._profile;
  }

  /** @internal set once by createRecommender */
  _attachProfile(profile) {
    this._profile = profile;
  }

  /** @internal the text room added rows (and these catalog entries) */
  _itemsAdded(entries) {
    for (const entry of entries) this._catalog.set(String(entry.id), entry);
    this._refreshItems();
  }

  /** @internal the JS of a room, or FEATURE_NOT_LOADED naming the option that loads it */
  _room(feature, what) {
    this._live();
    const room = this._rooms[feature];
    if (!room) throw featureNotLoaded(feature, what);
    return room;
  }

  /** @internal re-reads row order after items were added */
  _refreshItems() {
    const info = this._session.info();
    this._info = { modelVersion: info.modelVersion, dim: info.dim, items: info.items, dtype: info.dtype };
    // Cold start: the manifest and all ids leave wasm on first use only (ids to rows: the core).
    this._manifestCache = undefined;
    this._idsCache = null;
  }

  /** @internal every item id in row order (copied out of wasm once, when first needed) */
  get _ids() {
    if (!this._idsCache) this._idsCache = this._live().itemIds();
    return this._idsCache;
  }

  /**
   * @internal maps ids (or channel aliases) to rows; unknown ids throw UNKNOWN_ITEM unless lenient.
   * The core's id index answers in one crossing: a first history of a page no longer copies
   * every id out of wasm into a Map (100k ids: most of the first fold-in's time).
   */
  _rows(ids, name, lenient = false) {
    if (ids.length === 0) return new Int32Array(0);
    const found = this._live().rowsOf(ids);
    if (!found.includes(-1)) return found;
    if (!lenient) throw new ZhixuanError('UNKNOWN_ITEM', `${name} names item '${ids[found.indexOf(-1)]}', which the model does not know`);
    return found.filter((row) => row >= 0);
  }

  /** @internal rows + scores from the core -> public result */
  _result(top) {
    const ids = this._idsCache ? Array.from(top.rows, (row) => this._idsCache[row]) : this._live().itemIdsOf(top.rows);
    return { ids, scores: top.scores };
  }

  /** @internal parses `history` (ids or {item, weight}) into rows and weights */
  _history(history) {
    if (!Array.isArray(history)) throw new TypeError('history must be an array of item ids or {item, weight} objects');
    const ids = [];
    const weights = new Float32Array(history.length);
    history.forEach((entry, i) => {
      if (typeof entry === 'string' || typeof entry === 'number') {
        ids.push(String(entry));
        weights[i] = 1;
      } else if (entry && typeof entry === 'object' && (typeof entry.item === 'string' || typeof entry.item === 'number')) {
        ids.push(String(entry.item));
        const w = entry.weight ?? 1;
        if (typeof w !== 'number' || !Number.isFinite(w)) throw new ZhixuanError('INVALID_ARGUMENT', `history[${i}].weight is not a finite number`);
        weights[i] = w;
      } else {
        throw new TypeError(`history[${i}] must be an item id or {item, weight}`);
      }
    });
    return { rows: this._rows(ids, 'history'), weights };
  }

  /** Model facts: version, dimension, item count, dtype. */
  get info() {
    this._live();
    return { ...this._info };
  }

  /** The manifest shipped in the bundle. */
  get manifest() {
    const session = this._live();
    if (this._manifestCache === undefined) this._manifestCache = JSON.parse(session.manifestJson());
    return this._manifestCache;
  }

  /** Catalog items the model has no embedding for (cold items). */
  coldItems() {
    return this._live().coldItems();
  }

  /** The catalog entry of an item, or undefined. */
  item(id) {
    this._live();
    return this._catalog.get(String(id));
  }

  /** Folds a history into a user vector (implicit-ALS closed form, the model's hyperparameters). */
  foldIn(history) {
    const session = this._live();
    const { rows, weights } = this._history(history);
    return session.foldIn(rows, weights);
  }

  /**
   * Top-K for a user vector or a history.
   * @returns {{ids: string[], scores: Float32Array}}
   */
  recommend(options = {}) {
    if (options && typeof options === 'object' && (options.diversity || options.exploration)) {
      return this._room('text', 'recommend({diversity, exploration})').recommendReranked(this, options);
    }
    const session = this._live();
    const { userVector, history, k = 10, excludeSeen = true, exclude, filter } = checkObject(options, 'options');
    checkK(k);
    let vector;
    let seen = new Int32Array(0);
    if (userVector !== undefined) {
      vector = checkVector(userVector, this._info.dim, 'userVector');
    } else if (history !== undefined) {
      const parsed = this._history(history);
      vector = session.foldIn(parsed.rows, parsed.weights);
      seen = parsed.rows;
    } else if (this._profile && this._rooms.text && this._profile.seenRows().length === 0) {
      // A cold user (no events yet): popularity + onboarding interests + context, explained (js/text.js).
      return this._rooms.text.recommendCold(this, { k, filter, exclude, context: options.context });
    } else if (this._profile) {
      // The local profile (js/profile.js): seen items excluded, a reason per item.
      const top = this._profile.recommend(k, filterJson(filter), this._rows(checkIdList(exclude, 'exclude'), 'exclude', true));
      return { ...this._result(top), reasons: top.reasons };
    } else {
      throw new ZhixuanError('INVALID_ARGUMENT', 'recommend needs userVector or history');
    }
    const excludeRows = this._rows(checkIdList(exclude, 'exclude'), 'exclude', true);
    const rows = excludeSeen && seen.length ? Int32Array.from([...seen, ...excludeRows]) : excludeRows;
    return this._result(session.recommend(vector, k, rows, filterJson(filter)));
  }

  /**
   * Top-K for several user vectors at once (the matrix is read once for all).
   * @param {Float32Array[]} userVectors
   */
  recommendBatch(userVectors, options = {}) {
    const session = this._live();
    const { k = 10, filter } = checkObject(options, 'options');
    checkK(k);
    if (!Array.isArray(userVectors) || userVectors.length === 0) throw new TypeError('userVectors must be a non-empty array');
    const dim = this._info.dim;
    const flat = new Float32Array(userVectors.length * dim);
    userVectors.forEach((v, i) => flat.set(checkVector(v, dim, `userVectors[${i}]`), i * dim));
    return session.recommendBatch(flat, userVectors.length, k, filterJson(filter)).map((top) => this._result(top));
  }

  /** Items most similar to one item (cosine of embeddings). */
  similarItems(id, k = 10, options = {}) {
    const session = this._live();
    checkK(k);
    const [row] = this._rows([String(id)], 'similarItems');
    return this._result(session.similarItems(row, k, filterJson(checkObject(options, 'options').filter)));
  }

  /**
   * "Bought together": partners of an item mined by lift on the server (scores are lifts).
   * Throws UNSUPPORTED when the bundle carries no table.
   */
  alsoBought(id, k = 10) {
    const session = this._live();
    checkK(k);
    const [row] = this._rows([String(id)], 'alsoBought');
    return this._result(session.alsoBought(row, k));
  }

  // ---- content understanding and cold start (js/text.js) ----

  /** Embeds new catalog entries from their text; they are recommendable at once. Returns how many were added. */
  addItems(items) {
    return this._room('text', 'addItems').addItems(this, items);
  }

  /** Embeds the catalog items the model has no row for (coldItems()); returns how many. */
  embedColdItems() {
    return this._room('text', 'embedColdItems').embedColdItems(this);
  }

  /** Ranks the catalog for a typed query (TF-IDF cosine + a small semantic term). */
  search(query, options) {
    return this._room('text', 'search').search(this, query, options);
  }

  /** Onboarding interests (e.g. ['python', '考研']) that steer cold-user lists; kept with the profile (resolves once stored). */
  setInterests(interests) {
    this._room('text', 'setInterests').setInterests(this, interests);
    return Promise.resolve(this._profile?.setSetting('interests', [...interests]));
  }

  /** The onboarding interests in use (set now or stored with the profile). */
  interests() {
    return this._room('text', 'interests').getInterests(this);
  }

  /** The list for a user without events, every item explained (also what recommend() gives a new profile). */
  recommendCold(options) {
    return this._room('text', 'recommendCold').recommendCold(this, options);
  }

  /** A newer bundle of the same catalog; catalog, profile and text follow (Session::ReplaceModel). */
  replaceModel(bytes) {
    const session = this._live();
    if (!(bytes instanceof Uint8Array)) throw new TypeError('replaceModel needs the bundle as a Uint8Array');
    const core = this._core;
    const ptr = core._malloc(Math.max(1, bytes.byteLength));
    if (!ptr) throw new ZhixuanError('TOO_LARGE', `no wasm memory for a ${bytes.byteLength}-byte model`);
    try {
      core.HEAPU8.set(bytes, ptr);
      session.replaceModel(ptr, bytes.byteLength);
    } finally {
      core._free(ptr);
    }
    this._refreshItems();
  }

  /** Opt-in federated rounds: consent, privacy ledger, computeUpdate/submit/participate (js/federated). */
  get federated() {
    const profile = this._profile;  // with a profile, consent and ledger are kept with it and the profile is the default history
    if (!this._federated) this._federated = new (this._room('federated', 'rec.federated').Federated)(this, profile && { saved: this._savedFederated, history: () => profile.history(), save: (state) => profile.setSetting('federated', state) });
    return this._federated;
  }

  /** A/B experiments, attribution and private metrics (js/ops.js); metrics leave through rec.federated's ledger. */
  get experiments() {
    const profile = this._profile;  // with a profile, the last good file and the attribution state are kept with it
    if (!this._experiments) this._experiments = new (this._room('ops', 'rec.experiments').Experiments)(this, profile && { saved: this._savedExperiments, save: (record) => profile.setSetting('experiments', record) });
    return this._experiments;
  }

  /** Slot bandits: what fills each slot, chosen on the device with logged propensities (js/slots.js). */
  get slots() {
    const profile = this._profile;  // with a profile, the file and the bandit's state are kept with it
    if (!this._slots) this._slots = new (this._room('ops', 'rec.slots').Slots)(this, profile && { saved: this._savedSlots, save: (record) => profile.setSetting('slots', record) });
    return this._slots;
  }

  // ---- the local user profile (js/profile.js) ----

  /** @internal the profile, or a clear error when none is attached */
  _userProfile() {
    if (!this._profile) {
      this._room('profile', 'the profile (track, profile, exportProfile, importProfile, forget)');
      throw new ZhixuanError('UNSUPPORTED', 'this recommender has no profile (createRecommender({ profile: false }))');
    }
    return this._profile;
  }

  /** The profile's raw events, newest first (older ones live on folded per item: profile().counts). */
  events(options = {}) {
    const { limit = 1000 } = checkObject(options, 'options');
    if (!Number.isInteger(limit) || limit < 0) throw new ZhixuanError('INVALID_ARGUMENT', `options.limit must be an integer >= 0, got ${String(limit)}`);
    return this._userProfile().events(Math.min(limit, 2 ** 31 - 1));
  }

  /** @internal interests and federated state stored with the profile come back (a bad record is skipped) */
  async _restoreKept() {
    for (const name of ['interests', 'federated', 'experiments', 'slots']) {
      try {
        const value = await this._profile.getSetting(name);
        if (name === 'federated') this._savedFederated = value;
        else if (name === 'experiments') this._savedExperiments = value;
        else if (name === 'slots') this._savedSlots = value;
        else if (value !== undefined && this._rooms.text) this._rooms.text.setInterests(this, value);
      } catch (error) {
        console.warn(`zhixuan profile: stored ${name} skipped (${error.message})`);
      }
    }
  }

  /** Records an interaction; resolves true once it is stored (false: a duplicate id). */
  track(event) {
    const stored = this._userProfile().track(event);
    // Attribution of clicks, carts and purchases to their render (js/ops.js): an event the
    // profile took is never refused because attribution cannot use it (e.g. a refund's amount).
    // A touch of a bandit's render (rec.slots.shown) is its reward: the one reward path from track.
    try {
      const touch = this._experiments?.track(event);
      if (touch) this._slots?._rewardTouch(touch, event.type);
    } catch (error) { if (!(error instanceof ZhixuanError)) throw error; }
    return stored;
  }

  /** The readable profile: top tags, spending tier, segment, channels, recency, counts. */
  profile() {
    return this._userProfile().summary();
  }

  /** The profile as a versioned, checksummed blob (merge it on another device with importProfile). */
  exportProfile() {
    return this._userProfile().exportBlob();
  }

  /** Merges an exported profile into this one (union of events by id) and stores it. */
  importProfile(blob) {
    return this._userProfile().importBlob(blob);
  }

  /** Erases every local trace of the profile (storage included) and withdraws federated consent. */
  async forget() {
    this._federated?._forget();
    await this._experiments?.flush();  // a queued write must not bring the attribution back after the erase
    this._experiments?._forget();
    await this._slots?.flush();
    this._slots?._forget();
    this._savedFederated = undefined;
    this._savedExperiments = undefined;
    this._savedSlots = undefined;
    if (this._rooms.text) this._rooms.text.setInterests(this, []);
    await this._userProfile().forget();
  }

  /** Frees the wasm memory; any later call throws ZhixuanError('DISPOSED'). */
  dispose() {
    this._profile?.dispose();
    this._experiments?._dispose();
    this._slots?._dispose();
    this._rooms.text?.disposeText(this);
    if (this._session) {
      this._session.delete();
      this._session = null;
    }
  }
}

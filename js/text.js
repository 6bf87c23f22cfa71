// The text room: rec.addItems / rec.search / rec.setInterests / cold-user lists /
// recommend({diversity, exploration}). Validates and converts; the core does the work
// (core/include/zhixuan/text/: text.hpp, text_search.hpp, cold_start.hpp, diversity.hpp).
import { ZhixuanError } from './errors.js';
import { checkIdList, checkK, checkObject, checkVector, filterJson } from './validate.js';

const encoder = new TextEncoder();
const MAX_INTERESTS = 64;
const MAX_ADD_ITEMS = 100000;

/** Text as UTF-8 bytes: strings are encoded, bytes pass through (any content: the core never fails on it). */
function utf8(value, name) {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return encoder.encode(value);
}

// Lone UTF-16 surrogates cannot be UTF-8: they become U+FFFD (what TextEncoder does too).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed = (_key, value) => (typeof value === 'string' ? value.replace(LONE_SURROGATE, '\ufffd') : value);

function unitInterval(value, name) {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ZhixuanError('INVALID_ARGUMENT', `${name} must be a number in [0, 1], got ${String(value)}`);
  }
  return value;
}

function reasonOf(text) {
  if (text.startsWith('interest:')) return { kind: 'interest', interest: text.slice('interest:'.length) };
  if (text.startsWith('context:')) return { kind: 'context', context: text.slice('context:'.length) };
  return { kind: 'popular' };
}

// Each recommender's text room: {handle: the wasm TextRoom, interests}, made on first use.
const rooms = new WeakMap();

/** @internal the text room of a recommender */
function room(rec) {
  const session = rec._live();
  let r = rooms.get(rec);
  if (!r) {
    const { TextRoom } = rec._wasm();
    if (typeof TextRoom !== 'function') {
      throw new ZhixuanError('UNSUPPORTED', 'this build of the wasm core has no text room (wasm/bind_text.cpp)');
    }
    const handle = new TextRoom(session);
    try {
      handle.status();
    } catch (error) {
      handle.delete();
      throw error;
    }
    r = { handle, interests: [] };
    rooms.set(rec, r);
  }
  return r;
}

/** @internal frees the room (Recommender.dispose calls it before the session goes) */
export function disposeText(rec) {
  rooms.get(rec)?.handle.delete();
  rooms.delete(rec);
}

/** What the bundle offers: {canEmbed, hasIdf, hasPopularity, contextKeys}. */
export function textInfo(rec) {
  return room(rec).handle.info();
}

/** The featurizer of the core without IDF: {indices: Int32Array, values: Float32Array} (same hashes natively). */
export function featurizeText(core, text) {
  return core.featurizeText(utf8(text, 'text'));
}

/** Many strings in one crossing: CSR rows {offsets: Int32Array(n + 1), indices, values}. */
export function featurizeTexts(core, texts) {
  if (!Array.isArray(texts)) throw new TypeError('texts must be an array of strings');
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`texts[${i}] must be a string`);
  });
  return core.featurizeTexts(texts);
}

/**
 * Embeds catalog entries the model has never seen from their text and makes them
 * recommendable at once. All or nothing: on any error no item is added.
 */
export function addItems(rec, items) {
  const { handle } = room(rec);
  if (!Array.isArray(items) || items.length === 0) throw new TypeError('addItems needs a non-empty array of catalog items');
  if (items.length > MAX_ADD_ITEMS) throw new ZhixuanError('TOO_LARGE', `addItems takes at most ${MAX_ADD_ITEMS} items per call`);
  const seen = new Set();
  const texts = items.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new TypeError(`items[${i}] must be a catalog item object {id, title, ...}`);
    const id = typeof item.id === 'number' ? String(item.id) : item.id;
    if (typeof id !== 'string' || id === '') throw new ZhixuanError('INVALID_ARGUMENT', `items[${i}].id must be a non-empty string`);
    if (seen.has(id)) throw new ZhixuanError('INVALID_ARGUMENT', `item id '${id}' appears twice in addItems`);
    seen.add(id);
    return JSON.stringify(item, wellFormed);
  });
  const { added } = handle.addItems(texts);
  rec._itemsAdded(items);
  return added;
}

/** Embeds the catalog's items that the model has no row for; returns how many. */
export function embedColdItems(rec) {
  const { added } = room(rec).handle.embedColdItems();
  if (added > 0) rec._itemsAdded([]);
  return added;
}

/** Ranks the catalog for a typed query: {ids, scores}. */
export function search(rec, query, options = {}) {
  const { handle } = room(rec);
  const { k = 10, filter } = checkObject(options, 'options');
  checkK(k);
  if (typeof query !== 'string') throw new TypeError('query must be a string');
  if (query.length === 0) throw new ZhixuanError('INVALID_ARGUMENT', 'search query is empty');
  return rec._result(handle.search(utf8(query, 'query'), k, filterJson(filter)));
}

/** Onboarding interests (tags or free words) for cold-user lists. */
export function setInterests(rec, interests) {
  const r = room(rec);
  if (!Array.isArray(interests)) throw new TypeError('interests must be an array of strings');
  if (interests.length > MAX_INTERESTS) throw new ZhixuanError('TOO_LARGE', `at most ${MAX_INTERESTS} interests`);
  interests.forEach((v, i) => {
    if (typeof v !== 'string') throw new TypeError(`interests[${i}] must be a string`);
  });
  r.interests = [...interests];
}

export function getInterests(rec) {
  return [...room(rec).interests];
}

function contextArgs(context) {
  const { channel = '', hour, device = '' } = checkObject(context, 'context');
  if (typeof channel !== 'string') throw new TypeError('context.channel must be a string');
  if (typeof device !== 'string') throw new TypeError('context.device must be a string');
  if (hour !== undefined && (!Number.isInteger(hour) || hour < 0 || hour > 23)) {
    throw new ZhixuanError('INVALID_ARGUMENT', `context.hour must be an integer in 0..23, got ${String(hour)}`);
  }
  return [channel, hour ?? -1, device];
}

/**
 * The list for a user without events: popularity prior + interests + context, each
 * item explained. {ids, scores, reasons: [{kind: 'popular'|'interest'|'context', ...}], policy}.
 */
export function recommendCold(rec, options = {}) {
  const r = room(rec);
  const { k = 10, filter, exclude, context, interests } = checkObject(options, 'options');
  checkK(k);
  if (interests !== undefined) setInterests(rec, interests);
  const excludeRows = rec._rows(checkIdList(exclude, 'exclude'), 'exclude', true);
  const out = r.handle.cold(r.interests, ...contextArgs(context), k, filterJson(filter), excludeRows);
  return { ...rec._result(out), reasons: out.reasons.map(reasonOf), policy: out.policy };
}

/** @internal true when the options ask for re-ranking */
export function wantsRerank(options) {
  return !!options && typeof options === 'object' && (!!options.diversity || !!options.exploration);
}

/**
 * recommend() with diversity (MMR) and/or exploration (long-tail slots): asks for a pool
 * of the most relevant items, then re-ranks it in the core. Reasons follow their items.
 */
export function recommendReranked(rec, options) {
  const { handle } = room(rec);
  const diversity = unitInterval(options.diversity, 'diversity');
  const exploration = unitInterval(options.exploration, 'exploration');
  const k = checkK(options.k ?? 10);
  const { userVector, history, excludeSeen = true, exclude, filter } = checkObject(options, 'options');
  if (userVector !== undefined || history !== undefined) {
    // One crossing: the history folded in, the pool ranked and re-ranked, all in the core.
    let vector = null;
    let rows = null;
    let weights = null;
    let excluded = rec._rows(checkIdList(exclude, 'exclude'), 'exclude', true);
    if (userVector !== undefined) {
      vector = checkVector(userVector, rec.info.dim, 'userVector');
    } else {
      ({ rows, weights } = rec._history(history));
      if (excludeSeen) excluded = Int32Array.from([...rows, ...excluded]);
    }
    return rec._result(handle.recommend(vector, rows, weights, k, excluded, filterJson(filter), diversity, exploration));
  }
  const excludeRows = rec._rows(checkIdList(exclude, 'exclude'), 'exclude', true);
  if (rec._localProfile()) {
    // One crossing: the profile's pool, re-ranked, each item with its reason (RecommendFromProfile).
    const out = handle.recommendFromProfile(k, filterJson(filter), excludeRows, diversity, exploration);
    if (!out.cold) return { ...rec._result(out), reasons: out.reasons };
  }
  // A cold user's list (with its policy) is the pool here.
  const pool = rec.recommend({ ...options, diversity: 0, exploration: 0, k: handle.poolSize(k) });
  const rows = rec._rows(pool.ids, 'pool');
  const top = handle.rerank(rows, pool.scores, k, diversity, exploration);
  const out = rec._result(top);
  if (pool.reasons) {
    const reasonOfId = new Map(pool.ids.map((id, i) => [id, pool.reasons[i]]));
    // A long-tail item from outside the pool has no relevance reason: it fills an exploration slot.
    out.reasons = out.ids.map((id) => reasonOfId.get(id) ?? { kind: 'explore' });
  }
  if (pool.policy) out.policy = pool.policy;
  return out;
}

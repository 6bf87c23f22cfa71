/**
 * zhixuan: on-device recommendations for course platforms.
 * `createRecommender()` loads once (async); every method afterwards is synchronous.
 */

/** Stable error codes of {@link ZhixuanError}. */
export type ZhixuanErrorCode =
  | 'INVALID_ARGUMENT' | 'MALFORMED_MODEL' | 'MALFORMED_CATALOG' | 'MODEL_MISMATCH' | 'UNKNOWN_ITEM'
  | 'UNKNOWN_EVENT' | 'MALFORMED_PAYLOAD' | 'INTEGRITY' | 'TOO_LARGE' | 'IO' | 'MALFORMED_DATA'
  | 'UNSUPPORTED' | 'INTERNAL' | 'DISPOSED' | 'WASM_LOAD_FAILED' | 'FETCH_FAILED' | 'STORAGE' | 'QUOTA_EXCEEDED'
  | 'FEATURE_NOT_LOADED'
  | (string & {});

/**
 * Rooms beyond the lean core (load, recommend, foldIn, filters, similarItems, alsoBought), each
 * downloaded only when asked for: `'profile'` (the local profile: track, profile(), recommend()
 * without a history, export/import, forget), `'text'` (addItems, embedColdItems, search,
 * setInterests, recommendCold, recommend with diversity/exploration, explained lists for a
 * new profile) and `'federated'` (`rec.federated`).
 */
export type Feature = 'profile' | 'text' | 'federated';

/** The one error class the SDK throws for bad input and failed loads. */
export class ZhixuanError extends Error {
  /** A stable, machine-readable code, e.g. `'MALFORMED_MODEL'`. */
  readonly code: ZhixuanErrorCode;
  constructor(code: string, message: string);
}

/** Where bytes come from: in memory, a URL (fetched), or a file path (Node only). */
export type Source = ArrayBuffer | ArrayBufferView | string | URL;

/** A catalog entry. Only `id` is required. */
export interface CatalogItem {
  id: string;
  title?: string;
  description?: string;
  tags?: string[];
  /** Price in the platform's currency; missing means unknown. */
  price?: number;
  /** Channels the item is sold on (web, h5, app, mini-program, ...); missing: everywhere. */
  channels?: string[];
  /** Defaults to true; unavailable items are filtered out unless `filter.available === false`. */
  available?: boolean;
  /** Channel-specific ids of the same item, e.g. `{ 'mini-program': 'mp_1001' }`. */
  aliases?: Record<string, string>;
  [key: string]: unknown;
}

/** A catalog: `{ version?, model_version?, items }` or a bare array of items. */
export type Catalog = { version?: string; model_version?: string; items: CatalogItem[] } | CatalogItem[];

export interface CreateOptions {
  /** The safetensors bundle the server shipped. */
  model: Source;
  /** The catalog (object, JSON text, bytes, URL or path). Items missing from the model are reported as cold. */
  catalog?: Catalog | Source;
  /** Hex SHA-256 the model bytes must have; checked before use (`INTEGRITY` otherwise). */
  sha256?: string;
  /** Download progress when `model` is a URL. */
  onProgress?: (progress: { loaded: number; total: number }) => void;
  /** Where to fetch the .wasm file from (defaults to next to the module). */
  wasmUrl?: string | URL;
  /** The .wasm bytes, if you already have them (of the module `features` selects). */
  wasmBinary?: Uint8Array;
  /**
   * The rooms this page uses; the wasm module downloaded is the smallest holding them (lean,
   * lean + profile, or every room). Omitted: every room. `[]`: the lean module, under half the
   * download of the full one; `['profile']`: lean + the local profile. Using a room not asked
   * for throws `FEATURE_NOT_LOADED` naming this option. Without `'profile'` no profile is attached.
   */
  features?: Feature[];
  /** Run the recommender in a Web Worker (browsers): same API, every method returns a promise. */
  worker?: boolean;
}

/** Filters applied while selecting the top K. */
export interface Filter {
  /** Keep items with any of these tags. */
  tags?: string[];
  minPrice?: number;
  maxPrice?: number;
  /** Keep items sold on this channel. */
  channel?: string;
  /** `true` (default): only available items; `false`: include unavailable ones. */
  available?: boolean;
}

/** A history entry: an item id, or an id with a weight (default 1). */
export type HistoryEntry = string | { item: string; weight?: number };

export interface RecommendOptions {
  /** A user vector of the model's dimension. */
  userVector?: Float32Array | number[];
  /** Or a history to fold in on the device. */
  history?: HistoryEntry[];
  /** How many items (1..100000); fewer come back when fewer qualify. Default 10. */
  k?: number;
  /** Drop the history's items from the list (default true). */
  excludeSeen?: boolean;
  /** Item ids never to return (unknown ids are ignored). */
  exclude?: string[];
  filter?: Filter;
}

/** Parallel arrays, best first. */
export interface Recommendations {
  ids: string[];
  scores: Float32Array;
}

export interface ModelInfo {
  modelVersion: string;
  dim: number;
  items: number;
  dtype: 'F32' | 'F16' | 'I8';
}

export class Recommender {
  /** Model facts. */
  readonly info: ModelInfo;
  /** The manifest shipped in the bundle. */
  readonly manifest: Record<string, unknown>;
  /** Top K for a user vector or a history (folded in on the device). */
  recommend(options: RecommendOptions): Recommendations;
  /** Top K for several user vectors; the embeddings are read once for the whole batch. */
  recommendBatch(userVectors: Array<Float32Array | number[]>, options?: { k?: number; filter?: Filter }): Recommendations[];
  /** Items closest to `id` by cosine of their embeddings. */
  similarItems(id: string, k?: number, options?: { filter?: Filter }): Recommendations;
  /**
   * "People who bought this also bought": partners mined by lift on the server
   * (scores are lifts). Throws `UNSUPPORTED` when the bundle has no table.
   */
  alsoBought(id: string, k?: number): Recommendations;
  /** The user vector a history folds into (implicit-ALS closed form, the bundle's hyperparameters). */
  foldIn(history: HistoryEntry[]): Float32Array;
  /** Catalog items the model has no embedding for. */
  coldItems(): string[];
  /** The catalog entry of an item. */
  item(id: string): CatalogItem | undefined;
  /** Frees wasm memory; later calls throw `DISPOSED`. */
  dispose(): void;
}

/** Loads the model (and catalog) and returns a ready Recommender. */
export function createRecommender(options: CreateOptions & { worker: true }): Promise<WorkerRecommender>;
export function createRecommender(options: CreateOptions): Promise<Recommender>;

/** Every method of T returning a promise; every property a promise of its value (nested namespaces too). */
export type Promisified<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : T[K] extends Record<string, (...args: any[]) => any> ? Promisified<T[K]> : Promise<T[K]>;
};

/** The Recommender of `createRecommender({ worker: true })`: scoring runs in a Web Worker; `dispose()` ends it. */
export type WorkerRecommender = Promisified<Recommender> & { readonly worker: true };

/** Starts the wasm core early (optional; createRecommender calls it). */
export function init(options?: { features?: Feature[]; wasmUrl?: string | URL; wasmBinary?: Uint8Array }): Promise<unknown>;

// ---- The local user profile (js/profile.js, js/storage/) ----

/** Event types; `dismiss` and `refund` lower the item's confidence. */
export type EventType =
  | 'view' | 'click' | 'favorite' | 'add_to_cart' | 'purchase' | 'start' | 'complete' | 'rate' | 'dismiss' | 'refund';

/** One interaction from any sales channel. */
export interface TrackEvent {
  /** Deduplication key; without one, identical events (same content) count once. */
  id?: string;
  type: EventType;
  /** Canonical item id or a channel-specific alias from the catalog. */
  item: string;
  /** web, h5, app, mini-program, offline-store, ... (default: `options.channel`, else 'web'). */
  channel?: string;
  /** Milliseconds since the epoch (default: now); future times are `INVALID_ARGUMENT`. */
  ts?: number;
  /** rate: stars in [0, rate_scale]; purchase/refund: the amount paid. */
  value?: number;
}

/** Why an item is recommended. */
export type Reason =
  | { kind: 'item'; item: string; share: number }
  | { kind: 'tag'; tag: string }
  | { kind: 'none' }
  /** Cold users (no events yet; js/text.js): the popularity prior, an onboarding interest, a context prior. */
  | { kind: 'popular' }
  | { kind: 'interest'; interest: string }
  | { kind: 'context'; context: string }
  /** recommend({ exploration }): a long-tail item placed in a reserved slot. */
  | { kind: 'explore' };

/** The readable profile (用户画像), computed on the device. */
export interface UserProfileSummary {
  model_version: string;
  /** Top interest tags from catalog tags, decayed weights; share of the total. */
  tags: Array<{ tag: string; weight: number; share: number }>;
  /** Average purchase price against the catalog's price quantiles. */
  spending: { tier: 'budget' | 'mid' | 'premium' | 'unknown'; purchases: number; total: number; average: number | null; quantile: number | null };
  /** Nearest of the bundle's `segment_centroids`, or null when the bundle ships none. */
  segment: { index: number; distance: number; name?: string } | null;
  channels: Array<{ channel: string; count: number; last?: number }>;
  counts: Partial<Record<EventType, number>>;
  recency: { first: number | null; last: number | null; days_since_last: number | null; events_7d: number; events_30d: number; total_events: number; raw_events: number; folded_items: number };
}

/** Where the profile is kept: opaque byte records under string keys. */
export interface ProfileStorage {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Resolves once the record is durable. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(keys: string[]): Promise<void>;
  keys(): Promise<string[]>;
  /** Erases everything of this user. */
  clear(): Promise<void>;
}

/** A storage choice created per user id. */
export interface ProfileStorageFactory {
  readonly kind: string;
  create(userId: string): ProfileStorage;
}

/**
 * IndexedDB (the default in a page or worker): one database per user, `zhixuan-profile:<userId>`.
 * Records are sealed with AES-GCM-256 (random 12-byte IV each; the user id and record key bound
 * as associated data) under a non-extractable WebCrypto key kept in `<name>:key`; a record
 * edited, truncated or moved to another user or key fails with `INTEGRITY` (the profile skips it).
 * `forget()` deletes the key first, then the records. `encrypt: false` stores them in the clear.
 */
export function indexedDBStorage(options?: { name?: string; encrypt?: boolean }): ProfileStorageFactory;
/** Keeps nothing after the process ends (the default in Node). */
export function memoryStorage(): ProfileStorage;
/**
 * Node: one file per record under `<dir>/<userId>/`, written atomically (temp file, fsync, rename),
 * sealed with AES-GCM-256 under the user's key file `<dir>/<userId>.key` (32 random bytes, mode
 * 0600; a key file others may read is refused). `encrypt: false` stores the records in the clear.
 */
export function directoryStorage(dir: string, options?: { encrypt?: boolean }): ProfileStorageFactory;

export interface CreateOptions {
  /** Profile storage: 'indexeddb' | 'memory' | a factory | an adapter. Default: IndexedDB in a page, memory elsewhere. */
  storage?: 'indexeddb' | 'memory' | ProfileStorage | ProfileStorageFactory;
  /** Whose profile (storage namespace). Default 'default'. */
  userId?: string;
  /** Channel of events tracked without one. Default 'web'. */
  channel?: string;
  /** `false`: no local profile (recommend then needs userVector or history). */
  profile?: boolean;
}

export interface Recommendations {
  /** With the profile (no userVector/history given): why each item is there. */
  reasons?: Reason[];
}

export interface Recommender {
  /**
   * Records an interaction: validated (`UNKNOWN_EVENT`, `UNKNOWN_ITEM`, `INVALID_ARGUMENT`), stored,
   * then folded into the user vector. Resolves `true` once durable, `false` for a duplicate id.
   * A full disk/quota rejects with `QUOTA_EXCEEDED` and leaves the profile unchanged.
   */
  track(event: TrackEvent): Promise<boolean>;
  /** The readable profile. */
  profile(): UserProfileSummary;
  /** Versioned, CRC-checked blob of the profile's events. */
  exportProfile(): Uint8Array;
  /** Merges a blob (union of events by id: commutative, associative, idempotent) and stores it. `INTEGRITY` / `MALFORMED_PAYLOAD` / `UNSUPPORTED` on a bad blob. */
  importProfile(blob: Uint8Array | ArrayBuffer): Promise<void>;
  /** Erases every local trace (storage included) and withdraws federated consent. */
  forget(): Promise<void>;
}

// ---- Content understanding and cold start (js/text.js) ----

/** Context of a cold user's visit; matched against the bundle's context priors (`context_priors.keys`). */
export interface VisitContext {
  /** e.g. 'web', 'mini-program' (key `channel:<channel>`). */
  channel?: string;
  /** Local hour 0..23 (key `hour:<hour>`); not read from the clock, pass it. */
  hour?: number;
  /** e.g. 'mobile', 'desktop' (key `device:<device>`). */
  device?: string;
}

export interface RecommendOptions {
  /**
   * 0..1: maximal marginal relevance over the item embeddings, applied to the max(4k, k+50) most
   * relevant items. 0 (default) keeps the relevance order.
   */
  diversity?: number;
  /**
   * 0..1: reserves round(exploration * k) slots (at least 1) for long-tail items (outside the 20%
   * most popular by the bundle's item_popularity): the user's most relevant tail items over the
   * whole catalog (for cold-user lists: those of the pool), at evenly spaced positions.
   * 0 (default): none. No popularity in the bundle: no effect.
   */
  exploration?: number;
  /** For a cold user (a profile without events): the visit's context. */
  context?: VisitContext;
}

export interface Recommendations {
  /** Cold-user lists: what the list was built from, e.g. "popularity prior + interests (python)". */
  policy?: string;
}

export interface ColdOptions {
  k?: number;
  filter?: Filter;
  exclude?: string[];
  context?: VisitContext;
  /** Replaces the interests set with setInterests. */
  interests?: string[];
}

export interface Recommender {
  /**
   * Embeds catalog entries the model has never seen from their text (title, tags, description) with
   * the bundle's text projection; they are recommendable, searchable and similar-able at once.
   * Returns how many were added. All or nothing. `INVALID_ARGUMENT` for duplicate or existing ids,
   * `MALFORMED_CATALOG` for a bad entry, `UNSUPPORTED` when the bundle has no text projection
   * (train with `--catalog`). Titles are read up to 4 KiB, descriptions 64 KiB (cut at a character).
   */
  addItems(items: CatalogItem[]): number;
  /** Embeds the catalog's items the model has no row for (see coldItems()); returns how many. */
  embedColdItems(): number;
  /**
   * Ranks the catalog for a typed query: TF-IDF cosine of query and item text (CJK unigrams +
   * bigrams, lower-cased words, stopwords dropped) plus 0.1 x the cosine of the query's projected
   * embedding and the item's. `INVALID_ARGUMENT` for an empty query; a query of only stopwords or
   * symbols gives no results. Read up to 1 KiB.
   */
  search(query: string, options?: { k?: number; filter?: Filter }): Recommendations;
  /** Onboarding interests (tags or words, e.g. ['python', '考研']) that steer cold-user lists. At most 64. */
  setInterests(interests: string[]): void;
  /**
   * The list for a user without events: popularity prior + interests + context priors, with a reason
   * per item and the policy. recommend() returns this for a profile that has no events yet.
   */
  recommendCold(options?: ColdOptions): Recommendations & { reasons: Reason[]; policy: string };
}

// ---- federated learning (js/federated) ----

export type { Federated, RoundConfig } from './federated/index.js';

export interface Recommender {
  /**
   * Opt-in federated training of the shared item embeddings: consent, the device's privacy
   * ledger, computeUpdate/submit/participate. Only clipped, noised deltas leave the device.
   */
  readonly federated: import('./federated/index.js').Federated;
}

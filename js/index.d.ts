/**
 * zhixuan: on-device recommendations for course platforms.
 * `createRecommender()` loads once (async); every method afterwards is synchronous.
 */

/** Stable error codes of {@link ZhixuanError}. */
export type ZhixuanErrorCode =
  | 'INVALID_ARGUMENT' | 'MALFORMED_MODEL' | 'MALFORMED_CATALOG' | 'MODEL_MISMATCH' | 'UNKNOWN_ITEM'
  | 'UNKNOWN_EVENT' | 'MALFORMED_PAYLOAD' | 'INTEGRITY' | 'TOO_LARGE' | 'IO' | 'MALFORMED_DATA'
  | 'UNSUPPORTED' | 'INTERNAL' | 'DISPOSED' | 'WASM_LOAD_FAILED' | 'FETCH_FAILED' | 'STORAGE' | 'QUOTA_EXCEEDED'
  | 'FEATURE_NOT_LOADED' | 'MALFORMED_FAQ' | 'MALFORMED_EXPERIMENTS' | 'UNKNOWN_STRATEGY' | 'UNKNOWN_RENDER' | 'UNKNOWN_SLOT'
  | (string & {});

/**
 * Rooms beyond the lean core (load, recommend, foldIn, filters, similarItems, alsoBought), each
 * downloaded only when asked for: `'profile'` (the local profile: track, profile(), recommend()
 * without a history, export/import, forget), `'text'` (addItems, embedColdItems, search,
 * setInterests, recommendCold, recommend with diversity/exploration, explained lists for a
 * new profile), `'federated'` (`rec.federated`), `'ops'` (`rec.experiments`, `rec.slots`) and `'assist'` (the FAQ
 * assistant of {@link createAssistant}: a module of its own, holding no model, downloaded by
 * `await createAssistant()`; in `features` it only starts that download early).
 */
export type Feature = 'profile' | 'text' | 'federated' | 'ops' | 'assist';

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
  /**
   * Replaces the model with a newer bundle (e.g. the one a federated server publishes;
   * `rec.federated.participate()` calls it). The catalog stays, items added on the device are
   * embedded again when the bundle can embed text, the profile is re-folded from its events on
   * the new model, search and cold-start lists follow. All or nothing: on any error (e.g.
   * `MALFORMED_MODEL`) the recommender keeps its model and everything attached to it.
   */
  replaceModel(bytes: Uint8Array): void;
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

/** An event as the profile keeps it (see `Recommender.events`). */
export interface ProfileEvent {
  id: string;
  type: EventType;
  item: string;
  channel: string;
  ts: number;
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
  /**
   * The profile's raw events, newest first, at most `limit` (default 1000; `INVALID_ARGUMENT`
   * for a negative or fractional limit). Items are canonical ids (aliases resolved); an event
   * tracked without an id has the content id the profile gave it. The profile keeps the
   * manifest's `profile.max_events` raw events; older ones live on folded per item
   * (`profile().counts`).
   */
  events(options?: { limit?: number }): ProfileEvent[];
  /** Versioned, CRC-checked blob of the profile's events. */
  exportProfile(): Uint8Array;
  /** Merges a blob (union of events by id: commutative, associative, idempotent) and stores it. `INTEGRITY` / `MALFORMED_PAYLOAD` / `UNSUPPORTED` on a bad blob. */
  importProfile(blob: Uint8Array | ArrayBuffer): Promise<void>;
  /** Erases every local trace (storage included: events, interests, federated state) and withdraws federated consent. */
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
  /**
   * Onboarding interests (tags or words, e.g. ['python', '考研']) that steer cold-user lists. At most 64.
   * With a profile they are stored with it (the promise resolves once stored), come back with the
   * next `createRecommender` of the same user, and go with `forget()`.
   */
  setInterests(interests: string[]): Promise<void>;
  /** The onboarding interests in use: those set, else those stored with the profile. */
  interests(): string[];
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
   * With a profile, consent, ledger and client token are stored with it (restored by the next
   * `createRecommender`, erased by `forget()`), and the profile is the default history.
   */
  readonly federated: import('./federated/index.js').Federated;
}

// ---- experiments and private metrics (js/ops.js) ----

/** Who the user is for assignment. The same stableId gets the same variants on every device. */
export interface ExperimentUser {
  stableId: string;
  channel?: string;
  isNew?: boolean;
  segment?: string;
}

/** One user's assignment in one experiment. */
export interface ExperimentAssignment {
  experiment: string;
  /** The assigned variant, or null when the user is not in the experiment. */
  variant: string | null;
  inExperiment: boolean;
  /** Why not: 'unknown-experiment' | 'held-out' | 'not-running' | 'not-targeted' | 'not-allocated' | 'no-experiments-file'. */
  reason: string;
  /** The control variant's id (null for an unknown experiment). */
  control: string | null;
}

/** The recommend() options an experiments file's variants may set. */
export interface ExperimentParams {
  diversity?: number;
  exploration?: number;
  k?: number;
  filter?: object;
  modelVersion?: string;
  layout?: string[];
  coldStart?: 'popular' | 'interests' | 'mixed';
}

/** What an event was attributed to. */
export interface Touch {
  renderId: string;
  slot: string;
  list: string;
  channel: string;
  position: number;
  propensity: number;
  impressionTime: number;
  arms: [string, string][];
  /** The event's amount (a purchase's value or catalog price; 0 for clicks and carts). */
  amount: number;
}

/** A day's clipped (not yet noised) metrics vector over the file's fixed cell layout. */
export interface MetricsReport {
  experiments_version: string;
  day: number;
  /** [experiment, variant, slot, channel] per cell. */
  layout: [string, string, string, string][];
  /** 13 values per cell: users, impressions, clicks, carts, purchases, revenue, their squares, clicks*impressions, purchases*clicks. */
  values: number[];
  /** Noise stddev per coordinate (13). */
  sigma: number[];
  noise_multiplier: number;
  sensitivity: number;
  delta: number;
}

export interface Experiments {
  /** The version of the experiments file in force (null: none; every slot renders the control). */
  readonly version: string | null;
  /** The last load error, or null. */
  readonly lastError: { code: string; message: string } | null;
  /**
   * Loads an experiments file. A bad file throws ZhixuanError (MALFORMED_EXPERIMENTS, UNKNOWN_PARAMETER,
   * OVERLAPPING_ALLOCATION, UNKNOWN_MODEL_VERSION, TOO_LARGE) and the last good file stays in force.
   */
  load(file: string | object): { version: string; slots?: { slots: string[] } | { error: { code: string; message: string } } };
  /**
   * GET {server}/v1/experiments and load it; never throws: {status: 'kept', error} keeps the last good file.
   * A file with a "bandits" member also loads into rec.slots (`slots`: its slot names, or the error
   * that left rec.slots on its last good file; the experiments load regardless).
   */
  refresh(options: { server: string | URL; fetch?: typeof fetch }): Promise<{ status: 'loaded' | 'kept'; version: string | null; slots?: { slots: string[] } | { error: { code: string; message: string } }; error?: { code: string; message: string } }>;
  setUser(user: ExperimentUser): void;
  assignment(experimentId: string): ExperimentAssignment;
  /** The variant the user sees: assigned, else the control's id; null for an unknown experiment or no file. Records nothing. */
  variant(experimentId: string): string | null;
  /** The recommend() options the user's variants set for a slot ({} with no file). Records nothing. */
  params(slot: string): ExperimentParams;
  /** recommend() with the slot's params merged in, recorded as a render (exposure + impressions). */
  recommend(slot: string, options?: object & { list?: string }): Recommendations & { renderId: string | null; slot: string; arms: [string, string][]; params: ExperimentParams; modelVersionMismatch?: string };
  /** Records a list rendered in a slot (arms default to the user's arms there); returns the render id. */
  recordRender(slot: string, ids: string[], options?: { list?: string; arms?: [string, string][]; propensities?: Float64Array; channel?: string; renderId?: string }): string;
  /** Attributes a click, add_to_cart or purchase (value = amount) to its render; null when none matches the window. */
  track(event: { type: string; item: string | number; value?: number; ts?: number }): Touch | null;
  /** UTC day numbers with unreported counts. */
  pendingDays(): number[];
  /** The day's clipped, not yet noised report (stays on the device). */
  report(day: number): MetricsReport;
  /** Epsilon one day of metrics costs the device (one Gaussian release at the file's noise multiplier and delta). */
  epsilonPerDay(): number;
  /**
   * Sends every finished day, charging the device's privacy ledger once a day (rec.federated
   * consent required): masked in the day's secure-aggregation metrics round with distributed noise
   * (the server learns only the cohort's sum), or, with `aggregation: 'auto'` (default) when no
   * cohort forms, noised locally and posted alone. `assistant` and `slots`: their counts since the
   * last report ride in the secure round as the extra blocks the server declares.
   * `policy`: the secure round's checks (minCohort, minNoiseMultiplier, dropout, corruption,
   * pollMs, maxWaitMs) and `cohortWaitMs` (default 60000: how long the device waits for a cohort).
   * `sent` = `secure` + `local`; `pending`: days tried but not summed (aborted, dropped, declined;
   * a round of another experiments-file version than the device's: the day waits for a round of
   * its version). The local report is posted with the device's federated client token (issued by
   * `server`) and carries the experiment cells only: the assistant's and the slots' counts wait
   * for a secure round. A custom `transport` (then `aggregation` defaults to 'local') posts the
   * report itself.
   */
  send(options: {
    server: string | URL;
    fetch?: typeof fetch;
    aggregation?: 'auto' | 'secure' | 'local';
    assistant?: Assistant;
    /** rec.slots, or true for this recommender's own (what a worker-mode page passes). */
    slots?: Slots | true;
    policy?: { minCohort?: number; minNoiseMultiplier?: number; dropout?: number; corruption?: number; pollMs?: number; maxWaitMs?: number; cohortWaitMs?: number };
    transport?: (args: { server: string | URL; report: MetricsReport; fetch: typeof fetch }) => Promise<unknown>;
  }): Promise<
    | { status: 'sent'; sent: number[]; secure: number[]; local: number[]; pending: number[]; epsilonSpent: number }
    | { status: 'declined'; reason: string; sent?: number[]; secure?: number[]; local?: number[]; pending?: number[] }>;
  /** Attribution state (impressions in the window, unsent days). With a profile it is kept there on its own. */
  exportState(): string;
  importState(state: string): void;
  /** Resolves once the last good file and the attribution state are stored with the profile (with one; at once otherwise). */
  flush(): Promise<void>;
}

export interface Recommender {
  /**
   * A/B experiments from the server's experiments file: deterministic variants, the variants'
   * params merged into recommend(), exposure at render, on-device attribution, and daily metrics
   * that leave only as noised aggregates charged to the privacy ledger. With a profile, the last
   * good file and the attribution state are kept with it (sealed like the events; erased by forget()),
   * so a reload, offline too, renders the same variants and attributes to earlier renders.
   */
  readonly experiments: Experiments;
  /**
   * Slot bandits (the ops room): for each slot declared under "bandits" in the experiments file,
   * Thompson sampling on the device chooses the arm (a strategy, an item, or both) of every render
   * and learns from its rewards; every choice logs its exact action probability.
   */
  readonly slots: Slots;
}

// ---------- slot bandits (js/slots.js) ----------

/**
 * What a choice reads (core/include/zhixuan/ops/slot_context.hpp): the linear model's features are
 * [1, channel one-hot, sin/cos of the hour, device one-hot, segment one-hot, score]; Beta and
 * normal models read only the slot's `split_by` keys (a posterior per value).
 */
export interface SlotContext {
  channel?: string;
  /** 'mobile' | 'desktop' | 'tablet'; anything else counts as 'other'. */
  device?: string;
  segment?: string;
  /** Local hour 0..23 (-1 or absent: unknown). */
  hour?: number;
  /** The recommender's score for the candidate, clamped to [-10, 10] (default 0). */
  score?: number;
  /** One score per arm of the slot, in the file's order (overrides `score`). */
  armScores?: Float64Array | number[];
  /** 0-based position of the slot on the page: the position-based click model's examination. */
  position?: number;
}

export interface SlotChoice {
  slot: string;
  /** The arm's id, and what it names: a strategy ('personal', 'popular', 'new', 'long_tail', 'promoted', 'also_bought', 'cold_start', 'interests') and/or an item. */
  arm: string;
  strategy: string;
  item: string;
  /** The exact probability this arm had (>= exploration / arms): log it for off-policy evaluation. */
  propensity: number;
  /** The policy of this render over the slot's arms, in the file's order. */
  probabilities: Float64Array;
  /** Pass to reward() or shown(); decimal digits. */
  renderId: string;
  /** The context's channel (what shown() records the render under). */
  channel: string;
}

/**
 * - `applied`: a 0/1 slot took its reward and closed; `added`: a revenue slot added the amount
 *   (applied when the render's delay window closes); `ignored`: not this slot's reward event;
 *   `duplicate`: the render already had its reward; `late`: its window had closed (it counted as 0).
 */
export type SlotRewardOutcome = 'applied' | 'added' | 'ignored' | 'duplicate' | 'late';

export interface Slots {
  /**
   * Loads the "bandits" member of an experiments file (text or object). Errors: `UNKNOWN_STRATEGY`
   * naming the arm, `MALFORMED_EXPERIMENTS` naming the slot and key, `TOO_LARGE`; on error nothing
   * changes. Arms that keep slot, id and model keep what they learned.
   */
  load(file: string | object): { slots: string[] };
  slotNames(): string[];
  /** Chooses the arm of one render. `UNKNOWN_SLOT` for an undeclared slot; `INVALID_ARGUMENT` for a bad context. */
  choose(slot: string, context?: SlotContext): SlotChoice;
  /**
   * A reward for a render. `UNKNOWN_RENDER` for an id rec.slots never made (or forgot);
   * `INVALID_ARGUMENT` for a NaN, infinite or negative value. A clock that goes back is clamped
   * to the latest time seen (nothing re-opens); nothing is changed by a rejected reward.
   */
  reward(renderId: string, event: { type: 'click' | 'add_to_cart' | 'cart' | 'purchase'; value?: number }): SlotRewardOutcome;
  /**
   * Records the items the chosen arm rendered in rec.experiments' attribution under the choice's
   * render id: rec.track's clicks, carts and purchases of them (within the attribution window)
   * then reach this bandit as rewards. Returns the render id.
   */
  shown(choice: SlotChoice, ids: string[], options?: { list?: string }): string;
  /** Closes renders whose delay window passed (choose and reward do it too). */
  advance(): void;
  /** The bandit's state as text (statistics, renders in their window). With a profile it is kept there by itself. */
  exportState(): string;
  /** Restores exportState's text against the file in force; `MALFORMED_PAYLOAD` for a damaged state, which changes nothing. */
  importState(state: string): void;
  /** The named error of a stored state that could not be restored at start ({code: 'MALFORMED_PAYLOAD', message}), or null. */
  readonly restoreError: { code: string; message: string } | null;
  /** Resolves once the file and state are stored with the profile. */
  flush(): Promise<void>;
  /**
   * Posterior statistics: per slot and arm, renders chosen and per context cell n, sum, sumSq,
   * mean, sd (linear: n, theta). Funnel slots: the cells' sums are the clicks' (n = examination
   * weights), mean and sd the revenue per render's, and `value` the arm's revenue per click.
   */
  stats(): {
    pending: number;
    slots: Array<{ slot: string; model: string; reward: string; renders: number;
      arms: Array<{ id: string; strategy: string; item: string; chosen: number;
        cells?: Array<{ cell: string; n: number; sum: number; sumSq: number; mean: number; sd: number }>;
        value?: { n: number; sum: number; sumSq: number; mean: number; sd: number };
        n?: number; theta?: number[] }> }>;
  };
}

// ---------- the FAQ assistant (js/assist.js) ----------

/** A link shown under an answer. `url` is a relative path or an http(s) URL. */
export interface FaqLink {
  title: string;
  url: string;
}

/** One entry of the FAQ base. Required: `id`, `question`, `answer`. */
export interface FaqEntry {
  id: string;
  question: string;
  /** Other ways users ask the same thing: extra evidence for the match. */
  paraphrases?: string[];
  answer: string;
  /**
   * Answer for a course page, filled from that course's catalog entry: `{title}`, `{teacher}`,
   * `{price}`, `{lessons}`, `{hours}` (from `hours`, or `lessons` x 40 minutes), `{days}` (at one
   * hour a day), `{refund_days}` (the item's `refund_days`, default 7). When the course lacks a
   * fact the template names, `answer` is used.
   */
  course_answer?: string;
  /** The first tag is the topic the counts of {@link Assistant.stats} use. */
  tags?: string[];
  links?: FaqLink[];
  /** Catalog ids the answer points to. */
  courses?: string[];
  /** An action the page can wire: e.g. `'refund'`, `'invoice'`, `'reset_password'`, `'human'`. Lower-case, digits, `_`. */
  intent?: string;
}

/** The FAQ base: `{version?, entries}` or a bare array of entries (at most 32 MiB of JSON, 100,000 entries). */
export type Faq = { version?: string; entries: FaqEntry[] } | FaqEntry[];

export interface AssistantOptions {
  /** The FAQ base (object or JSON text). Malformed: `MALFORMED_FAQ` naming the entry and field; oversized: `TOO_LARGE`. */
  faq: Faq | string;
  /**
   * The catalog (object or JSON text) for course-aware answers and follow-up courses. Items may
   * carry `teacher`, `lessons`, `hours`, `refund_days` beside the usual fields.
   */
  catalog?: Catalog | string;
  /** Without `catalog`: the catalog this recommender was created with. */
  recommender?: Recommender;
  /** Confidence needed to answer, in [0, 1]; default: the threshold calibrated on held-out questions. */
  threshold?: number;
  wasmUrl?: string | URL;
  wasmBinary?: Uint8Array;
}

/** An entry as an answer shows it. */
export interface FaqEntryView {
  id: string;
  question: string;
  tags: string[];
  links: FaqLink[];
  intent: string | null;
}

export interface AssistantAnswer {
  /** The confidence reached the threshold: `answer` holds the answer. */
  answered: boolean;
  /** Offer 转人工: the question was not answered, or the user asked for a human (intent `'human'`). */
  handover: boolean;
  /** Calibrated on held-out questions: roughly the probability that the best entry is right. */
  confidence: number;
  answer: string | null;
  /** The answer was filled from the current course's catalog entry. */
  fromCourse: boolean;
  intent: string | null;
  entry: FaqEntryView | null;
  links: FaqLink[];
  /** The best entries, best first (up to 3): "did you mean" when handing over. */
  suggestions: Array<FaqEntryView & { score: number }>;
  /** Courses whose tags the question names (or the answered entry carries), rarer tags first. */
  relatedCourses: Array<{ id: string; title: string }>;
}

/** Counts of what was asked on this device. Never the text of a question. */
export interface AssistantStats {
  asked: number;
  answered: number;
  handedOver: number;
  unanswered: number;
  /** Per topic (first tag of the best entry, `'其他'` when nothing matched): hand-overs and unanswered questions. */
  byTopic: Record<string, { handedOver: number; unanswered: number }>;
}

/** The on-device FAQ assistant. Every call is synchronous; questions never leave the device. */
export interface Assistant {
  /** `{entries, threshold, hasCatalog}` */
  info(): { entries: number; threshold: number; hasCatalog: boolean };
  /**
   * Answers a question. Throws `TypeError` for a non-string, `INVALID_ARGUMENT` for an empty one,
   * `TOO_LARGE` past 2,048 UTF-8 bytes.
   * @param options.course the id of the course the page shows, for questions about "this course"
   */
  ask(question: string, options?: { course?: string }): AssistantAnswer;
  /** Aggregates only (see {@link AssistantStats}). */
  stats(): AssistantStats;
  resetStats(): void;
  /** Frees the wasm memory; later calls throw `DISPOSED`. */
  dispose(): void;
}

/**
 * Builds an on-device Chinese FAQ assistant: BM25 over the text room's terms after
 * normalization (繁→简, full-width, 中文数字, synonyms and common typos), paraphrases as extra
 * evidence, a calibrated confidence, hand-over with suggestions below the threshold.
 * @example
 * const assistant = await createAssistant({ faq, catalog });
 * const a = assistant.ask('这门课多久能学完', { course: 'c121' });
 * if (a.handover) showHumanButton(a.suggestions); else show(a.answer, a.links);
 */
export function createAssistant(options: AssistantOptions): Promise<Assistant>;

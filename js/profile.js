// The local user profile: rec.track / profile / recommend-from-profile / exportProfile /
// importProfile / forget. Events are validated by the core, persisted as the core's checksummed
// log records, and only then applied: a track() that resolved survives a crash, and a failed
// write (quota) leaves the profile as it was. The core plans the storage (session/profile_room.hpp):
// snapshots into two alternating slots, log trimming, restore reports; this file executes the plans.
import { ZhixuanError } from './errors.js';
import { resolveStorage } from './storage/index.js';

const SLOT_KEYS = ['snap-0', 'snap-1'];
const logKey = (seq) => `log-${String(seq).padStart(16, '0')}`;
const seqOfLogKey = (key) => Number(key.slice(4));
const EVENT_KEYS = new Set(['id', 'type', 'item', 'channel', 'ts', 'value']);

function toBytes(blob, name) {
  if (blob instanceof Uint8Array) return blob;
  if (blob instanceof ArrayBuffer) return new Uint8Array(blob);
  if (ArrayBuffer.isView(blob)) return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  throw new TypeError(`${name} must be a Uint8Array or ArrayBuffer (what exportProfile() returned)`);
}

// Checks the JS types of an event (values are the core's business) and fills the defaults:
// ts = now, channel = the recommender's channel.
function eventFields(event, defaultChannel) {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new TypeError('event must be an object {type, item, channel?, ts?, id?, value?}');
  for (const key of Object.keys(event)) {
    if (!EVENT_KEYS.has(key)) throw new ZhixuanError('INVALID_ARGUMENT', `event.${key} is not a known field (id, type, item, channel, ts, value)`);
  }
  const { type, item, id, value } = event;
  const ts = event.ts ?? Date.now();
  const channel = event.channel ?? defaultChannel;
  if (typeof type !== 'string') throw new ZhixuanError('INVALID_ARGUMENT', 'event.type must be a string (view, click, favorite, ...)');
  if (typeof item !== 'string' && typeof item !== 'number') throw new ZhixuanError('INVALID_ARGUMENT', 'event.item must be an item id');
  if (typeof channel !== 'string') throw new ZhixuanError('INVALID_ARGUMENT', 'event.channel must be a string');
  if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new ZhixuanError('INVALID_ARGUMENT', 'event.ts must be a finite number (ms since the epoch)');
  if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') throw new ZhixuanError('INVALID_ARGUMENT', 'event.id must be a string');
  if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw new ZhixuanError('INVALID_ARGUMENT', 'event.value must be a finite number');
  return [type, String(item), channel, ts, id === undefined || id === null ? undefined : String(id), value ?? undefined];
}

export class UserProfile {
  /** @internal use UserProfile.open */
  constructor(core, session, storage, options) {
    this._handle = new core.ProfileRoom(session);
    this._handle.status();
    this._storage = storage;
    this._channel = options.channel ?? 'web';
    this._queue = Promise.resolve();
    this.warnings = [];
  }

  /** @internal loads what storage holds (snapshot + log), rebuilding a broken snapshot */
  static async open(core, session, options = {}) {
    if (typeof core.ProfileRoom !== 'function') return undefined;  // a module built without the profile room
    const userId = options.userId ?? 'default';
    if (typeof userId !== 'string' || !userId) throw new TypeError('options.userId must be a non-empty string');
    const storage = resolveStorage(options.storage, userId);
    const profile = new UserProfile(core, session, storage, options);
    // Pages and workers of one origin may hold the same profile: writes take a Web Lock.
    if (storage.kind !== 'memory' && globalThis.navigator?.locks) profile._lockName = `zhixuan-profile:${userId}`;
    await profile._serial(() => profile._load());
    return profile;
  }

  async _load() {
    const keys = await this._storage.keys();
    const unreadable = [];
    const slots = [];
    for (const key of SLOT_KEYS) slots.push((keys.includes(key) ? await this._read(key, unreadable) : undefined) ?? new Uint8Array(0));
    const logs = [];
    for (const key of keys.filter((k) => k.startsWith('log-'))) logs.push((await this._read(key, unreadable)) ?? new Uint8Array(0));
    // The core replays the newest good snapshot and the log, and says what it skipped.
    const report = this._handle.restore(slots, logs);
    this.warnings = [...unreadable, ...report.warnings];
    for (const w of this.warnings) console.warn(`zhixuan profile: ${w}`);
    const sealedSlotLost = unreadable.some((w) => w.startsWith('record snap-'));
    if (report.badSnapshots.length > 0 || sealedSlotLost) await this._snapshot();  // rebuild it from the log
  }

  // A record that fails to open (sealed storage: INTEGRITY) is skipped like a corrupt one.
  async _read(key, warnings) {
    try {
      return await this._storage.get(key);
    } catch (error) {
      if (error?.code !== 'INTEGRITY') throw error;
      warnings.push(`record ${key} skipped: ${error.message}`);
      return undefined;
    }
  }

  _live() {
    if (!this._handle) throw new ZhixuanError('DISPOSED', 'this recommender was disposed');
    return this._handle;
  }

  // One write at a time, so sequence numbers and slots never interleave; across the tabs and
  // workers of an origin too (Web Locks), where each write first catches up with what another
  // holder stored meanwhile (its key list changed: reload).
  _serial(task) {
    const exclusive = this._lockName ? () => globalThis.navigator.locks.request(this._lockName, () => this._synced(task)) : task;
    const run = this._queue.then(exclusive, exclusive);
    this._queue = run.catch(() => {});
    return run;
  }

  async _synced(task) {
    const keys = (await this._storage.keys()).join('\n');
    if (this._knownKeys !== undefined && keys !== this._knownKeys) {
      this._storage.reopen?.();  // another holder may have forgotten the profile (and its key)
      await this._load();
    }
    try {
      return await task();
    } finally {
      // After forget() the store is gone and stays gone (listing it would create it again).
      this._knownKeys = this._erased ? '' : (await this._storage.keys()).join('\n');
      this._erased = false;
    }
  }

  async track(event) {
    const fields = eventFields(event, this._channel);
    return this._serial(async () => {
      const handle = this._live();
      const prepared = handle.prepare(...fields, Date.now());
      if (prepared.duplicate) return false;
      await this._storage.put(logKey(prepared.seq), prepared.record);  // durable first ...
      const { snapshotDue } = handle.commit(prepared.seq);              // ... then applied
      if (snapshotDue) {
        await this._snapshot().catch((error) => console.warn(`zhixuan profile: snapshot skipped (${error.message}); the log keeps every event`));
      }
      return true;
    });
  }

  async _snapshot() {
    const handle = this._live();
    // The core's plan: which slot, and which log records the snapshot lets go once written.
    const { slot, bytes, seq, trimUpTo } = handle.planSnapshot();
    await this._storage.put(SLOT_KEYS[slot], bytes);
    handle.snapshotStored(slot, seq);
    const stale = (await this._storage.keys()).filter((k) => k.startsWith('log-') && seqOfLogKey(k) <= trimUpTo);
    await this._storage.delete(stale);
  }

  vector() {
    return this._live().vector();
  }

  summary() {
    return JSON.parse(this._live().summary(Date.now()));
  }

  recommend(k, filter, excludeRows) {
    return this._live().recommend(k, filter, excludeRows);
  }

  seenRows() {
    return this._live().seenRows();
  }

  exportBlob() {
    return this._live().exportBlob();
  }

  importBlob(blob) {
    const bytes = toBytes(blob, 'blob');
    return this._serial(async () => {
      const handle = this._live();
      handle.importBlob(bytes);
      try {
        await this._snapshot();
      } catch (error) {
        await this._load();  // storage is the truth: back to what it holds
        throw error;
      }
    });
  }

  forget() {
    return this._serial(async () => {
      const handle = this._live();
      await this._storage.clear();
      this._erased = true;
      handle.forget();
      this.warnings = [];
    });
  }

  // Public-API additions for apps (rec.events, interests and federated state kept with the profile).
  events(limit) { return this._live().events(limit); }
  history() { const { items, weights } = this._live().weights(); return items.map((item, i) => ({ item, weight: weights[i] })); }
  async getSetting(name) { const bytes = await this._storage.get(`setting-${name}`); return bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined; }
  setSetting(name, value) { return this._serial(() => this._storage.put(`setting-${name}`, new TextEncoder().encode(JSON.stringify(value)))); }

  /** Waits for pending writes. */
  flush() {
    return this._serial(async () => {});
  }

  dispose() {
    if (this._handle) {
      this._handle.delete();
      this._handle = null;
    }
  }
}

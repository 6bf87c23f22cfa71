// The local user profile: rec.track / profile / recommend-from-profile / exportProfile /
// importProfile / forget. Events are validated by the core, persisted as the core's checksummed
// log records, and only then applied: a track() that resolved survives a crash, and a failed
// write (quota) leaves the profile as it was. Snapshots every `snapshot_every` records go to two
// alternating slots; log records older than the other slot are trimmed (profile_store.hpp).
import { ZhixuanError, check } from './errors.js';
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
  constructor(core, engine, storage, options) {
    this._handle = new core.ProfileHandle(engine);
    check(this._handle.status());
    this._storage = storage;
    this._channel = options.channel ?? 'web';
    this._queue = Promise.resolve();
    this._slotSeq = [0, 0];
    this._snapshotEvery = this._handle.info().snapshotEvery;
    this.warnings = [];
  }

  /** @internal loads what storage holds (snapshot + log), rebuilding a broken snapshot */
  static async open(core, engine, options = {}) {
    if (typeof core.ProfileHandle !== 'function') return undefined;  // a module built without the profile room
    const userId = options.userId ?? 'default';
    if (typeof userId !== 'string' || !userId) throw new TypeError('options.userId must be a non-empty string');
    const storage = resolveStorage(options.storage, userId);
    const profile = new UserProfile(core, engine, storage, options);
    // Pages and workers of one origin may hold the same profile: writes take a Web Lock.
    if (storage.kind !== 'memory' && globalThis.navigator?.locks) profile._lockName = `zhixuan-profile:${userId}`;
    await profile._serial(() => profile._load());
    return profile;
  }

  async _load() {
    const keys = await this._storage.keys();
    const unreadable = [];
    const snapshots = [];
    for (const key of SLOT_KEYS) {
      const bytes = keys.includes(key) ? await this._read(key, unreadable) : undefined;
      snapshots.push(bytes ?? new Uint8Array(0));
    }
    const logKeys = keys.filter((k) => k.startsWith('log-'));
    const logs = [];
    for (const key of logKeys) logs.push((await this._read(key, unreadable)) ?? new Uint8Array(0));
    const present = snapshots.map((s, i) => (s.length ? i : -1)).filter((i) => i >= 0);
    const result = check(this._handle.restore(present.map((i) => snapshots[i]), logs));
    this.warnings = [...unreadable, ...result.warnings];
    for (const w of this.warnings) console.warn(`zhixuan profile: ${w}`);
    // Remember each slot's seq; a missing or unreadable slot counts as 0 (overwritten first).
    const bad = new Set(this.warnings.map((w) => /^snapshot (\d+) skipped/.exec(w)).filter(Boolean).map((m) => present[Number(m[1])]));
    this._slotSeq = snapshots.map((bytes, slot) => (bytes.length >= 16 && !bad.has(slot) ? this._seqOf(bytes) : 0));
    if (this.warnings.some((w) => w.startsWith('snapshot'))) await this._snapshot();  // rebuild it from the log
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

  _seqOf(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Number(view.getBigUint64(8, true));
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
      const prepared = check(handle.prepare(...fields, Date.now()));
      if (prepared.duplicate) return false;
      await this._storage.put(logKey(prepared.seq), prepared.record);  // durable first ...
      check(handle.commit(prepared.seq));                               // ... then applied
      if (prepared.seq - Math.max(...this._slotSeq) >= this._snapshotEvery) {
        await this._snapshot().catch((error) => console.warn(`zhixuan profile: snapshot skipped (${error.message}); the log keeps every event`));
      }
      return true;
    });
  }

  async _snapshot() {
    const handle = this._live();
    const { bytes, seq } = handle.snapshot();
    const slot = this._slotSeq[0] <= this._slotSeq[1] ? 0 : 1;
    await this._storage.put(SLOT_KEYS[slot], bytes);
    this._slotSeq[slot] = seq;
    // Records covered by BOTH slots can go: a torn newest snapshot still has the older one + log.
    const covered = Math.min(...this._slotSeq);
    const stale = (await this._storage.keys()).filter((k) => k.startsWith('log-') && seqOfLogKey(k) <= covered);
    await this._storage.delete(stale);
  }

  vector() {
    return check(this._live().vector());
  }

  summary() {
    return JSON.parse(check(this._live().summary(Date.now())));
  }

  recommend(k, filter, excludeRows) {
    return check(this._live().recommend(k, filter, excludeRows));
  }

  seenRows() {
    return check(this._live().seenRows());
  }

  exportBlob() {
    return check(this._live().exportBlob());
  }

  importBlob(blob) {
    const bytes = toBytes(blob, 'blob');
    return this._serial(async () => {
      const handle = this._live();
      check(handle.importBlob(bytes));
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
      check(handle.forget());
      this._slotSeq = [0, 0];
      this.warnings = [];
    });
  }

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

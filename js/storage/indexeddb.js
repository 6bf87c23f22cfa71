// IndexedDB storage (the default in a page): one database per user, one object store of byte
// records. A put resolves only when its transaction committed ('strict' durability where the
// browser supports it), so a resolved track() survives a crash or a killed tab.
import { ZhixuanError } from '../errors.js';

const STORE = 'records';

function storageError(error, what) {
  const name = error?.name ?? '';
  if (name === 'QuotaExceededError' || /quota/i.test(String(error?.message ?? ''))) {
    return new ZhixuanError('QUOTA_EXCEEDED', `storage quota exceeded while ${what}; the stored profile is unchanged`);
  }
  return new ZhixuanError('STORAGE', `IndexedDB failed while ${what}: ${error?.message ?? name ?? error}`);
}

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class IndexedDBStorage {
  /** @param {string} name database name */
  constructor(name, factory = globalThis.indexedDB) {
    if (!factory) throw new ZhixuanError('UNSUPPORTED', 'IndexedDB is not available here; use memoryStorage() or directoryStorage()');
    this._factory = factory;
    this.name = name;
    this.kind = 'indexeddb';
    this._db = null;
  }

  async _open() {
    if (this._db) return this._db;
    const request = this._factory.open(this.name, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    try {
      this._db = await promisify(request);
    } catch (error) {
      throw storageError(error, 'opening the profile database');
    }
    this._db.onversionchange = () => this._close();  // let deleteDatabase (forget on another tab) proceed
    return this._db;
  }

  _close() {
    if (this._db) {
      this._db.close();
      this._db = null;
    }
  }

  async _run(mode, what, body) {
    const db = await this._open();
    return new Promise((resolve, reject) => {
      let tx;
      try {
        tx = db.transaction(STORE, mode, mode === 'readwrite' ? { durability: 'strict' } : undefined);
      } catch (error) {
        reject(storageError(error, what));
        return;
      }
      let result;
      const request = body(tx.objectStore(STORE));
      if (request) request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(storageError(tx.error, what));
      tx.onabort = () => reject(storageError(tx.error, what));
    });
  }

  async get(key) {
    const v = await this._run('readonly', 'reading the profile', (s) => s.get(key));
    if (v === undefined) return undefined;
    return v instanceof Uint8Array ? v : new Uint8Array(v);
  }

  async put(key, bytes) {
    await this._run('readwrite', 'saving the profile', (s) => s.put(Uint8Array.from(bytes), key));
  }

  async delete(keys) {
    if (!keys.length) return;
    await this._run('readwrite', 'trimming the profile log', (s) => {
      for (const key of keys) s.delete(key);
      return null;
    });
  }

  async keys() {
    const keys = await this._run('readonly', 'listing the profile', (s) => s.getAllKeys());
    return keys.map(String).sort();
  }

  /** Deletes the whole database: nothing of this user is left in IndexedDB. */
  async clear() {
    this._close();
    await new Promise((resolve, reject) => {
      const request = this._factory.deleteDatabase(this.name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(storageError(request.error, 'erasing the profile'));
      request.onblocked = () => {};  // other connections get onversionchange and close
    });
  }
}

/**
 * Profile storage in IndexedDB (browsers). One database per user id.
 * @param {{ name?: string }} [options] database name (default `zhixuan-profile:<userId>`)
 */
export function indexedDBStorage(options = {}) {
  return { kind: 'indexeddb-factory', create: (userId) => new IndexedDBStorage(options.name ?? `zhixuan-profile:${userId}`) };
}

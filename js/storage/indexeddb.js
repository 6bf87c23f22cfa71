// IndexedDB storage (the default in a page): one database per user, one object store of byte
// records. A put resolves only when its transaction committed ('strict' durability where the
// browser supports it), so a resolved track() survives a crash or a killed tab.
import { ZhixuanError } from '../errors.js';
import { SealedStorage, generateDeviceKey } from './sealed.js';

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

const KEY_STORE = 'keys';
const KEY_NAME = 'device';

// The user's device key: a NON-extractable AES-GCM CryptoKey kept in its own database
// (`<records database>:key`). IndexedDB stores the key object itself (structured clone), so
// page script can use it but never read its bytes; deleting that database shreds the records.
export class IndexedDBKeyStore {
  constructor(name, factory = globalThis.indexedDB) {
    this._factory = factory;
    this.name = name;
  }

  async _withStore(mode, body) {
    const request = this._factory.open(this.name, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(KEY_STORE)) request.result.createObjectStore(KEY_STORE);
    };
    const db = await promisify(request);
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(KEY_STORE, mode);
        const r = body(tx.objectStore(KEY_STORE));
        tx.oncomplete = () => resolve(r.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  async load() {
    try {
      return (await this._withStore('readonly', (s) => s.get(KEY_NAME))) ?? undefined;
    } catch (error) {
      throw storageError(error, 'reading the device key');
    }
  }

  async create() {
    const key = await generateDeviceKey(false);
    try {
      await this._withStore('readwrite', (s) => s.add(key, KEY_NAME));  // add: never replaces another tab's key
      return key;
    } catch (error) {
      if (error?.name === 'ConstraintError') return this.load();
      throw storageError(error, 'saving the device key');
    }
  }

  async destroy() {
    await new Promise((resolve, reject) => {
      const request = this._factory.deleteDatabase(this.name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(storageError(request.error, 'destroying the device key'));
      request.onblocked = () => {};
    });
  }
}

/**
 * Profile storage in IndexedDB (browsers). One database per user id; the records are sealed
 * with AES-GCM under a non-extractable key of this user kept in `<name>:key` (sealed.js).
 * @param {{ name?: string, encrypt?: boolean }} [options] database name (default
 *   `zhixuan-profile:<userId>`); `encrypt: false` stores the records in the clear
 */
export function indexedDBStorage(options = {}) {
  return {
    kind: 'indexeddb-factory',
    create: (userId) => {
      const name = options.name ?? `zhixuan-profile:${userId}`;
      const records = new IndexedDBStorage(name);
      return options.encrypt === false ? records : new SealedStorage(records, userId, new IndexedDBKeyStore(`${name}:key`));
    },
  };
}

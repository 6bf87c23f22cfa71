// What the page remembers on the device: settings (interests, federated consent) always,
// and the event history while the SDK has no profile of its own (rec.track). IndexedDB
// when the browser allows it, memory otherwise (private mode, storage denied).
const DB_NAME = 'zhixuan-demo';
const STORES = ['events', 'settings'];

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function openDb() {
  return new Promise((resolve, reject) => {
    let request;
    try {
      request = indexedDB.open(DB_NAME, 1);
    } catch (error) {
      reject(error);
      return;
    }
    request.onupgradeneeded = () => {
      request.result.createObjectStore('events', { keyPath: 'id' });
      request.result.createObjectStore('settings');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
    request.onblocked = () => reject(new Error('indexedDB is blocked'));
  });
}

class MemoryStore {
  constructor(reason) {
    this.persistent = false;
    this.reason = reason;
    this.events = [];
    this.settings = new Map();
  }
  async allEvents() { return [...this.events]; }
  async addEvent(event) { this.events.push(event); }
  async getSetting(key) { return this.settings.get(key); }
  async setSetting(key, value) { this.settings.set(key, value); }
  async forget() { this.events = []; this.settings.clear(); }
}

class IndexedDbStore {
  constructor(db) {
    this.persistent = true;
    this.db = db;
  }
  tx(store, mode = 'readonly') { return this.db.transaction(store, mode).objectStore(store); }
  async allEvents() { return (await promisify(this.tx('events').getAll())).sort((a, b) => a.ts - b.ts); }
  async addEvent(event) {
    const store = this.tx('events', 'readwrite');
    await promisify(store.put(event));
  }
  async getSetting(key) { return promisify(this.tx('settings').get(key)); }
  async setSetting(key, value) { await promisify(this.tx('settings', 'readwrite').put(value, key)); }
  async forget() {
    this.db.close();
    await new Promise((resolve, reject) => {
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
      request.onblocked = () => resolve();  // deleted once this page lets go
    });
    this.db = await openDb();
  }
}

/** The IndexedDB store, or a memory store carrying the reason IndexedDB was refused. */
export async function openStore() {
  try {
    if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB');
    const db = await openDb();
    // Some private modes open the database but refuse writes: probe once.
    const store = new IndexedDbStore(db);
    await store.setSetting('probe', 1);
    await promisify(store.tx('settings', 'readwrite').delete('probe'));
    return store;
  } catch (error) {
    return new MemoryStore(error?.message ?? String(error));
  }
}

export const STORE_NAMES = { DB_NAME, STORES };

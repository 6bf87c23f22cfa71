// Picks the profile storage: an adapter (or factory) the caller passes, 'indexeddb', 'memory',
// or the default: IndexedDB in a page (or worker), memory elsewhere.
import { indexedDBStorage } from './indexeddb.js';
import { memoryStorage } from './memory.js';

const ADAPTER_METHODS = ['get', 'put', 'delete', 'keys', 'clear'];

export function resolveStorage(storage, userId) {
  if (storage === undefined) {
    // A page or a worker has IndexedDB; Node has none.
    storage = typeof globalThis.indexedDB !== 'undefined' ? 'indexeddb' : 'memory';
  }
  if (storage === 'indexeddb') return indexedDBStorage().create(userId);
  if (storage === 'memory') return memoryStorage();
  if (storage && typeof storage.create === 'function' && typeof storage.kind === 'string') return storage.create(userId);
  if (storage && ADAPTER_METHODS.every((m) => typeof storage[m] === 'function')) return storage;
  throw new TypeError("options.storage must be 'indexeddb', 'memory', indexedDBStorage(), directoryStorage(dir), memoryStorage() or an adapter {get, put, delete, keys, clear}");
}

export { indexedDBStorage, memoryStorage };

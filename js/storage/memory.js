// Memory storage: the profile lives as long as the page/process. The default outside a page.
// Adapters store opaque byte records under string keys; the record format is the core's.
export class MemoryStorage {
  constructor() {
    this._records = new Map();
    this.kind = 'memory';
  }

  async get(key) {
    const v = this._records.get(key);
    return v === undefined ? undefined : v.slice();
  }

  async put(key, bytes) {
    this._records.set(key, Uint8Array.from(bytes));
  }

  async delete(keys) {
    for (const key of keys) this._records.delete(key);
  }

  async keys() {
    return [...this._records.keys()].sort();
  }

  async clear() {
    this._records.clear();
  }
}

/** A profile storage that keeps nothing after the page or process ends. */
export function memoryStorage() {
  return new MemoryStorage();
}

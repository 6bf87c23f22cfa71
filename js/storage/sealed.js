// Encryption at rest for the profile's records: a layer over an adapter (IndexedDB, directory)
// that seals every record with AES-GCM-256 under a key kept by the user's device, so whoever
// copies the disk finds no event, item id, tag or vector.
//   sealed record = "ZXSE" | u8 version (1) | 12-byte random IV | AES-GCM ciphertext + 16-byte tag
//   associated data = "zhixuan-profile\0" + userId + "\0" + record key
// The associated data binds each record to its user and its key: a record edited, truncated,
// moved to another user's store or renamed to another key fails to open with INTEGRITY (the
// profile then skips it like any corrupt record; the others are kept).
// The key belongs to one user's store (forget() shreds that user only): a key store holds it
// (indexeddb.js: a non-extractable CryptoKey in IndexedDB; directory.js: a 0600 key file).
// clear() destroys the key first (crypto-shredding: a copy of the records taken earlier stays
// unreadable), then the records.
import { ZhixuanError } from '../errors.js';

const MAGIC = [0x5a, 0x58, 0x53, 0x45];  // "ZXSE"
const VERSION = 1;
const IV_BYTES = 12;
const HEADER_BYTES = MAGIC.length + 1 + IV_BYTES;
const TAG_BYTES = 16;
const encoder = new TextEncoder();

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new ZhixuanError('UNSUPPORTED', 'WebCrypto (crypto.subtle) is not available here: encrypted profile storage needs it (a secure context in pages)');
  return s;
}

/** A fresh AES-GCM-256 key; `extractable` only where the key store must write raw bytes (Node). */
export function generateDeviceKey(extractable) {
  return subtle().generateKey({ name: 'AES-GCM', length: 256 }, extractable, ['encrypt', 'decrypt']);
}

/** A raw 32-byte key (from a key file) as a non-extractable CryptoKey. */
export function importDeviceKey(raw) {
  return subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

function isSealed(bytes) {
  return bytes.length >= HEADER_BYTES && MAGIC.every((b, i) => bytes[i] === b);
}

export class SealedStorage {
  /**
   * @param {object} inner the adapter holding the sealed bytes ({get, put, delete, keys, clear})
   * @param {string} userId bound into every record's associated data
   * @param {{load(): Promise<CryptoKey|undefined>, create(): Promise<CryptoKey>, destroy(): Promise<void>}} keyStore
   */
  constructor(inner, userId, keyStore) {
    this.inner = inner;
    this.kind = inner.kind;
    this.sealed = true;
    this._userId = userId;
    this._keyStore = keyStore;
    this._key = null;
  }

  _aad(key) {
    return encoder.encode(`zhixuan-profile\0${this._userId}\0${key}`);
  }

  // The user's key, loaded once; made on first use. Records stored before encryption existed
  // (a store with records but no key) are sealed in place then.
  _deviceKey() {
    if (!this._key) {
      this._key = (async () => {
        const existing = await this._keyStore.load();
        if (existing) return existing;
        const created = await this._keyStore.create();
        for (const name of await this.inner.keys()) {
          const bytes = await this.inner.get(name);
          if (bytes && !isSealed(bytes)) await this.inner.put(name, await this._seal(created, name, bytes));
        }
        return created;
      })();
      this._key.catch(() => { this._key = null; });
    }
    return this._key;
  }

  async _seal(cryptoKey, key, bytes) {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: this._aad(key) }, cryptoKey, bytes));
    const out = new Uint8Array(HEADER_BYTES + sealed.length);
    out.set(MAGIC, 0);
    out[MAGIC.length] = VERSION;
    out.set(iv, MAGIC.length + 1);
    out.set(sealed, HEADER_BYTES);
    return out;
  }

  async get(key) {
    const cryptoKey = await this._deviceKey();
    const bytes = await this.inner.get(key);
    if (bytes === undefined) return undefined;
    if (!isSealed(bytes) || bytes[MAGIC.length] !== VERSION || bytes.length < HEADER_BYTES + TAG_BYTES) {
      throw new ZhixuanError('INTEGRITY', `stored record '${key}' is not a sealed record of this SDK (truncated or replaced)`);
    }
    const iv = bytes.subarray(MAGIC.length + 1, HEADER_BYTES);
    try {
      return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: this._aad(key) }, cryptoKey, bytes.subarray(HEADER_BYTES)));
    } catch {
      throw new ZhixuanError('INTEGRITY', `stored record '${key}' failed its authentication: edited, truncated, or moved from another user or key`);
    }
  }

  async put(key, bytes) {
    const cryptoKey = await this._deviceKey();
    await this.inner.put(key, await this._seal(cryptoKey, key, bytes));
  }

  async delete(keys) {
    await this.inner.delete(keys);
  }

  async keys() {
    return this.inner.keys();
  }

  /** Drops the cached key: the next use loads it again (another tab may have shredded it). */
  reopen() {
    this._key = null;
  }

  /** Crypto-shredding: the key goes first, then the records. */
  async clear() {
    this._key = null;
    await this._keyStore.destroy();
    await this.inner.clear();
  }
}

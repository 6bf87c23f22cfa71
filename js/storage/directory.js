// File-directory storage (Node): one file per record under <dir>/<userId>/. Each write goes to a
// temporary file, is fsynced, then renamed over the key, and the directory is fsynced: a crash
// leaves either the old record or the new one, never a torn file under the key.
import { ZhixuanError } from '../errors.js';
import { nodeModule } from '../core.js';
import { SealedStorage, importDeviceKey } from './sealed.js';

const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

function storageError(error, what) {
  if (error?.code === 'ENOSPC' || error?.code === 'EDQUOT') {
    return new ZhixuanError('QUOTA_EXCEEDED', `no space left while ${what}; the stored profile is unchanged`);
  }
  return new ZhixuanError('IO', `profile directory failed while ${what}: ${error?.message ?? error}`);
}

export class DirectoryStorage {
  constructor(dir) {
    this.dir = dir;
    this.kind = 'directory';
    this._fs = null;
    this._path = null;
  }

  async _mods() {
    if (!this._fs) {
      this._fs = await nodeModule('node:fs/promises');
      this._path = await nodeModule('node:path');
      await this._fs.mkdir(this.dir, { recursive: true });
    }
    return { fs: this._fs, path: this._path };
  }

  _file(path, key) {
    if (!KEY_PATTERN.test(key)) throw new ZhixuanError('INTERNAL', `bad storage key '${key}'`);
    return path.join(this.dir, key);
  }

  async get(key) {
    const { fs, path } = await this._mods();
    try {
      return new Uint8Array(await fs.readFile(this._file(path, key)));
    } catch (error) {
      if (error?.code === 'ENOENT') return undefined;
      throw storageError(error, 'reading the profile');
    }
  }

  async put(key, bytes) {
    const { fs, path } = await this._mods();
    const file = this._file(path, key);
    const tmp = `${file}.tmp`;
    try {
      const handle = await fs.open(tmp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, file);
      const dir = await fs.open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw storageError(error, 'saving the profile');
    }
  }

  async delete(keys) {
    const { fs, path } = await this._mods();
    for (const key of keys) await fs.rm(this._file(path, key), { force: true });
  }

  async keys() {
    const { fs } = await this._mods();
    const names = await fs.readdir(this.dir);
    return names.filter((n) => KEY_PATTERN.test(n) && !n.endsWith('.tmp')).sort();
  }

  async clear() {
    const { fs } = await this._mods();
    await fs.rm(this.dir, { recursive: true, force: true });
    this._fs = null;
  }
}

const KEY_BYTES = 32;

// The user's device key as a file beside the user's record directory (`<dir>/<userId>.key`),
// 32 random bytes, mode 0600 (created so: never readable by group or others, even for a moment).
// A key file others may read is refused: the records would be as readable as the key.
export class KeyFile {
  constructor(path) {
    this.path = path;
  }

  async load() {
    const fs = await nodeModule('node:fs/promises');
    let stat;
    try {
      stat = await fs.stat(this.path);
    } catch (error) {
      if (error?.code === 'ENOENT') return undefined;
      throw storageError(error, 'reading the device key');
    }
    if (stat.mode & 0o077) {
      throw new ZhixuanError('IO', `device key file ${this.path} may be read by others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    const raw = await fs.readFile(this.path).catch((error) => { throw storageError(error, 'reading the device key'); });
    if (raw.length !== KEY_BYTES) throw new ZhixuanError('INTEGRITY', `device key file ${this.path} holds ${raw.length} bytes, not ${KEY_BYTES}`);
    return importDeviceKey(raw);
  }

  async create() {
    const fs = await nodeModule('node:fs/promises');
    const path = await nodeModule('node:path');
    const raw = globalThis.crypto.getRandomValues(new Uint8Array(KEY_BYTES));
    try {
      await fs.mkdir(path.dirname(this.path), { recursive: true });
      const handle = await fs.open(this.path, 'wx', 0o600);  // wx: a key another process made wins
      try {
        await handle.writeFile(raw);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (error?.code === 'EEXIST') return this.load();
      await fs.rm(this.path, { force: true }).catch(() => {});
      throw storageError(error, 'creating the device key');
    }
    return importDeviceKey(raw);
  }

  /** Overwrites the key's bytes, then removes the file. */
  async destroy() {
    const fs = await nodeModule('node:fs/promises');
    try {
      const handle = await fs.open(this.path, 'r+');
      try {
        await handle.write(new Uint8Array(KEY_BYTES), 0, KEY_BYTES, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (error?.code === 'ENOENT') return;
      throw storageError(error, 'destroying the device key');
    }
    await fs.rm(this.path, { force: true });
  }
}

/**
 * Profile storage in a directory (Node). Each user gets `<dir>/<userId>/`; the records are
 * sealed with AES-GCM under the user's key file `<dir>/<userId>.key` (mode 0600; sealed.js).
 * @param {string} dir
 * @param {{ encrypt?: boolean }} [options] `encrypt: false` stores the records in the clear
 */
export function directoryStorage(dir, options = {}) {
  if (typeof dir !== 'string' || !dir) throw new TypeError('directoryStorage(dir) needs a directory path');
  return {
    kind: 'directory-factory',
    create: (userId) => {
      const userDir = `${dir.replace(/\/+$/, '')}/${encodeURIComponent(userId)}`;
      const records = new DirectoryStorage(userDir);
      return options.encrypt === false ? records : new SealedStorage(records, userId, new KeyFile(`${userDir}.key`));
    },
  };
}

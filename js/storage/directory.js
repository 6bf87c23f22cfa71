// File-directory storage (Node): one file per record under <dir>/<userId>/. Each write goes to a
// temporary file, is fsynced, then renamed over the key, and the directory is fsynced: a crash
// leaves either the old record or the new one, never a torn file under the key.
import { ZhixuanError } from '../errors.js';
import { nodeModule } from '../core.js';

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

/**
 * Profile storage in a directory (Node). Each user gets `<dir>/<userId>/`.
 * @param {string} dir
 */
export function directoryStorage(dir) {
  if (typeof dir !== 'string' || !dir) throw new TypeError('directoryStorage(dir) needs a directory path');
  return {
    kind: 'directory-factory',
    create: (userId) => new DirectoryStorage(`${dir.replace(/\/+$/, '')}/${encodeURIComponent(userId)}`),
  };
}

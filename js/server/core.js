// The wasm core in Node for the server: zhixuan-server, the core the devices run with the
// round's aggregation (wasm/bind_aggregation.cpp) instead of the page's rooms; loaded with
// wasmBinary read from disk (Node 20's fetch cannot load file paths, TOOLCHAIN trap 3/5).
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { raiseCoreErrors } from '../errors.js';

let corePromise = null;

/** Directory holding zhixuan-server.{mjs,wasm}: ZHIXUAN_CORE_DIR, else the package's dist/. */
export function coreDir() {
  return process.env.ZHIXUAN_CORE_DIR ?? new URL('../../dist/', import.meta.url).pathname;
}

export function loadCore() {
  if (!corePromise) {
    corePromise = (async () => {
      const dir = coreDir();
      const factory = (await import(pathToFileURL(path.join(dir, 'zhixuan-server.mjs')).href)).default;
      const wasmBinary = await readFile(path.join(dir, 'zhixuan-server.wasm'));
      const core = await factory({ wasmBinary, print: () => {}, printErr: (m) => console.error(`zhixuan core: ${m}`) });
      if (typeof core.FederatedRound !== 'function') throw new Error(`the core in ${dir} was built without wasm/bind_aggregation.cpp`);
      return raiseCoreErrors(core);  // every call throws a ZhixuanError for a non-OK status (js/errors.js)
    })();
    corePromise.catch(() => { corePromise = null; });
  }
  return corePromise;
}

/** Calls fn(ptr, len) with `bytes` copied into the wasm heap, freeing it afterwards. */
export function withHeapBytes(core, bytes, fn) {
  const ptr = core._malloc(Math.max(1, bytes.byteLength));
  if (!ptr) throw new Error(`no wasm memory for ${bytes.byteLength} bytes`);
  try {
    core.HEAPU8.set(bytes, ptr);
    return fn(ptr, bytes.byteLength);
  } finally {
    core._free(ptr);
  }
}

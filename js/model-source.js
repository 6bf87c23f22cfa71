// Turns what the caller gives as a model or catalog (bytes, URL, path) into bytes or text.
import { ZhixuanError } from './errors.js';
import { isNode, nodeModule } from './core.js';

export const MAX_BUNDLE_BYTES = 2 ** 31;

// In a page every string is a URL; in Node only http(s), blob and data URLs are fetched.
function isRemote(source) {
  if (!isNode) return true;
  if (source instanceof URL) return source.protocol !== 'file:';
  return /^(https?|blob|data):/.test(source);
}

const fetchFailed = (url, error) => error instanceof ZhixuanError ? error
  : new ZhixuanError('FETCH_FAILED', `could not fetch ${url}: ${error?.message ?? error}`);

async function fetchOk(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw fetchFailed(url, error);
  }
  if (!response.ok) throw new ZhixuanError('FETCH_FAILED', `could not fetch ${url}: HTTP ${response.status}`);
  return response;
}

/**
 * @param {ArrayBuffer | ArrayBufferView | string | URL} source
 * @param {string} what  names the argument in errors ("model", "catalog")
 * @returns {Promise<Uint8Array>}
 */
export async function readBytes(source, what) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof source === 'string' || source instanceof URL) {
    if (isRemote(source)) return new Uint8Array(await (await fetchOk(source)).arrayBuffer());
    const fs = await nodeModule('node:fs/promises');
    try {
      return new Uint8Array(await fs.readFile(source));
    } catch (error) {
      throw new ZhixuanError('IO', `could not read ${what} file ${source}: ${error.code ?? error.message}`);
    }
  }
  throw new TypeError(`${what} must be an ArrayBuffer, a Uint8Array, a URL or a file path`);
}

/** The form of an expected SHA-256 (undefined: none). */
function checkSha256(expectedHex, what) {
  if (expectedHex !== undefined && (typeof expectedHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(expectedHex))) {
    throw new TypeError(`${what} sha256 must be 64 hex characters`);
  }
}

/** Checks a SHA-256 (hex) of the bytes before they are used. */
export async function verifySha256(bytes, expectedHex, what) {
  if (expectedHex === undefined) return;
  checkSha256(expectedHex, what);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  if (hex !== expectedHex.toLowerCase()) {
    throw new ZhixuanError('INTEGRITY', `${what} sha256 is ${hex}, expected ${expectedHex.toLowerCase()}`);
  }
}

/** A catalog as the JSON text the core parses (object, string, bytes or URL). */
export async function readCatalogText(source) {
  if (source === undefined || source === null) return null;
  if (typeof source === 'object' && !(source instanceof URL) && !ArrayBuffer.isView(source) && !(source instanceof ArrayBuffer)) {
    return JSON.stringify(source);
  }
  if (typeof source === 'string' && /^\s*[[{]/.test(source)) return source;
  return new TextDecoder().decode(await readBytes(source, 'catalog'));
}

/**
 * Puts the model bundle into the wasm heap at a malloc'd pointer, for session.beginLoad (which
 * takes the buffer over). The model is fetched (or the file opened) while the core is still
 * compiling. A URL streams into the heap as it arrives; a local file in Node is read straight
 * into it, only its header before this returns: `reader` reads the rest while the core parses
 * (cold start; see createRecommender). A `sha256` is checked before the core sees the bytes.
 * @param {Promise<object>} coreReady  the wasm core, once initialized
 * @returns {Promise<{ptr: number, length: number, reader?: ModelFileReader}>}
 */
export async function openModelInHeap(coreReady, source, { sha256, onProgress } = {}) {
  checkSha256(sha256, 'model');
  if ((typeof source === 'string' || source instanceof URL) && isRemote(source)) {
    const placed = await fetchIntoHeap(coreReady, source, onProgress);
    const core = await coreReady;
    try {
      await verifySha256(core.HEAPU8.subarray(placed.ptr, placed.ptr + placed.length), sha256, 'model');  // digest copies its input
    } catch (error) {
      core._free(placed.ptr);
      throw error;
    }
    return placed;
  }
  if (sha256 === undefined && (typeof source === 'string' || source instanceof URL)) {
    const [fs, { readHeaderIntoHeap }, core] = await Promise.all([nodeModule('node:fs'), import('./model-file.js'), coreReady]);
    return readHeaderIntoHeap(core, fs, source);
  }
  const bytes = await readBytes(source, 'model');
  await verifySha256(bytes, sha256, 'model');
  return copyIntoHeap(await coreReady, bytes);
}

function copyIntoHeap(core, bytes) {
  const ptr = mallocFor(core, bytes.byteLength);
  core.HEAPU8.set(bytes, ptr);
  return { ptr, length: bytes.byteLength };
}

/**
 * Streams a fetched model into the wasm heap as it arrives, into one block of the size the
 * server announces (moved to a larger one if the body runs longer: a compressed transfer, or
 * no announced size). A phone then holds the model once, not as chunks, an array and the heap
 * copy. Chunks that come before the core is ready wait in a list.
 */
async function fetchIntoHeap(coreReady, url, onProgress) {
  const response = await fetchOk(url);
  if (!response.body) return copyIntoHeap(await coreReady, new Uint8Array(await response.arrayBuffer()));
  const announced = Number(response.headers.get('content-length')) || 0;
  if (announced > MAX_BUNDLE_BYTES) {
    response.body.cancel().catch(() => {});
    throw new ZhixuanError('TOO_LARGE', `${url} is larger than 2 GiB (Content-Length ${announced})`);
  }
  let core = null;
  coreReady.then((ready) => { core = ready; }, () => {});
  let ptr = 0, capacity = 0, length = 0, received = 0;
  const early = [];
  const place = (chunk) => {
    if (length + chunk.byteLength > capacity) {
      // The announced size up to 256 MB at once (a wrong header must not claim a phone's memory).
      const grown = Math.min(MAX_BUNDLE_BYTES, Math.max(length + chunk.byteLength, 2 * capacity, Math.min(announced, 1 << 28), 1 << 16));
      const moved = mallocFor(core, grown);
      if (ptr) {
        core.HEAPU8.copyWithin(moved, ptr, ptr + length);
        core._free(ptr);
      }
      ptr = moved;
      capacity = grown;
    }
    core.HEAPU8.set(chunk, ptr + length);
    length += chunk.byteLength;
  };
  const reader = response.body.getReader();
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw fetchFailed(url, error);
      }
      if (chunk.done) break;
      received += chunk.value.byteLength;
      if (received > MAX_BUNDLE_BYTES) throw new ZhixuanError('TOO_LARGE', `${url} is larger than 2 GiB`);
      if (core) {
        for (const waiting of early.splice(0)) place(waiting);
        place(chunk.value);
      } else {
        early.push(chunk.value);
      }
      onProgress?.({ loaded: received, total: announced });
    }
    core ??= await coreReady;
    for (const waiting of early.splice(0)) place(waiting);
    if (!ptr) ptr = mallocFor(core, 1);  // an empty body: the core names it
    return { ptr, length };
  } catch (error) {
    reader.cancel().catch(() => {});
    if (ptr) core._free(ptr);
    throw error;
  }
}

export function mallocFor(core, length) {
  const ptr = core._malloc(Math.max(1, length));
  if (!ptr) throw new ZhixuanError('TOO_LARGE', `no memory for a ${length}-byte model`);
  return ptr;
}

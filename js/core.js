// Loads the wasm module once (a memoized promise), in a page, a worker or Node.
import createZhixuanCore from '../dist/zhixuan-core.mjs';
import { ZhixuanError } from './errors.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
let corePromise = null;

// A specifier the bundler must not try to resolve for the browser build.
const nodeModule = (name) => import(/* @vite-ignore */ name);

async function readWasmBinary(wasmUrl) {
  const url = wasmUrl ?? new URL('../dist/zhixuan-core.wasm', import.meta.url);
  if (isNode && String(url).startsWith('file:')) {
    const fs = await nodeModule('node:fs/promises');
    return fs.readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new ZhixuanError('WASM_LOAD_FAILED', `could not fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Loads and instantiates the wasm core. Called by createRecommender; call it
 * yourself to choose where the .wasm file comes from.
 * @param {{ wasmUrl?: string | URL, wasmBinary?: Uint8Array }} [options]
 */
export function init(options = {}) {
  if (!corePromise) {
    corePromise = (async () => {
      try {
        const wasmBinary = options.wasmBinary ?? (await readWasmBinary(options.wasmUrl));
        return await createZhixuanCore({ wasmBinary, print: () => {}, printErr: (m) => console.warn(`zhixuan: ${m}`) });
      } catch (error) {
        corePromise = null;  // let a later call retry (e.g. after going back online)
        if (error instanceof ZhixuanError) throw error;
        throw new ZhixuanError('WASM_LOAD_FAILED', `the wasm core could not start: ${error?.message ?? error}`);
      }
    })();
  }
  return corePromise;
}

export { isNode, nodeModule };

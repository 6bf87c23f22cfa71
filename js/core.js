// Loads a wasm module once per kind (a memoized promise), in a page, a worker or Node.
//
// Three recommender modules, so a page downloads only the rooms it uses (the model lives in
// the one module the recommender runs on, never twice):
//   zhixuan-core-lean     load, recommend, fold-in, filters, similarItems, alsoBought
//   zhixuan-core-profile  + the local profile ('profile')
//   zhixuan-core          + the text room ('text'), the federated client ('federated') and
//                         experiments + private metrics ('ops')
// createRecommender picks the smallest one holding `options.features`; without it, every room.
// And one module of its own, loaded when first used, for what holds no model:
//   zhixuan-assist        the FAQ assistant ('assist'), loaded by `await createAssistant()`
// The rule (README, "Rooms loaded when first used"): a room whose calls are synchronous on the
// recommender lives in the recommender's module, chosen at `await createRecommender()`; a room
// that shares nothing with the model and is entered through an await of its own loads there.
import { ZhixuanError, raiseCoreErrors } from './errors.js';
import { installI8Kernel } from './kernels/i8-dot.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** The rooms a page can ask for beyond the lean core ('assist': createAssistant's module). */
export const FEATURES = Object.freeze(['profile', 'text', 'federated', 'ops', 'assist']);
/** The rooms that live in the recommender's module (every one, when `features` is left out). */
const RECOMMENDER_ROOMS = Object.freeze(['profile', 'text', 'federated', 'ops']);
const ASSIST_MODULE = 3;

// Literal specifiers and `new URL(literal, import.meta.url)`: bundlers (Vite) emit each
// module as its own chunk and asset, fetched only when chosen. Smallest first.
const MODULES = [
  {
    rooms: [],
    glue: () => import('../dist/zhixuan-core-lean.mjs'),
    wasm: () => new URL('../dist/zhixuan-core-lean.wasm', import.meta.url),
  },
  {
    rooms: ['profile'],
    glue: () => import('../dist/zhixuan-core-profile.mjs'),
    wasm: () => new URL('../dist/zhixuan-core-profile.wasm', import.meta.url),
  },
  {
    rooms: RECOMMENDER_ROOMS,
    glue: () => import('../dist/zhixuan-core.mjs'),
    wasm: () => new URL('../dist/zhixuan-core.wasm', import.meta.url),
  },
  {
    rooms: ['assist'],
    glue: () => import('../dist/zhixuan-assist.mjs'),
    wasm: () => new URL('../dist/zhixuan-assist.wasm', import.meta.url),
  },
];
const corePromises = MODULES.map(() => null);

// A specifier the bundler must not try to resolve for the browser build.
const nodeModule = (name) => import(/* @vite-ignore */ name);

/**
 * The rooms `features` asks for, checked: undefined means every room of the recommender.
 * @returns {string[]}
 */
export function checkFeatures(features) {
  if (features === undefined) return [...RECOMMENDER_ROOMS];
  if (!Array.isArray(features)) throw new TypeError(`options.features must be an array of ${FEATURES.map((f) => `'${f}'`).join(', ')}`);
  for (const [i, f] of features.entries()) {
    if (!FEATURES.includes(f)) throw new TypeError(`options.features[${i}] is '${String(f)}': expected one of ${FEATURES.map((x) => `'${x}'`).join(', ')}`);
  }
  return [...new Set(features)];
}

/** Which recommender module serves these rooms: the smallest that holds them all. */
const moduleFor = (features) => {
  const rooms = features.filter((f) => f !== 'assist');
  return MODULES.findIndex((m) => rooms.every((f) => m.rooms.includes(f)));
};

/**
 * Compiles the wasm module while its glue is imported; a page compiles it as it downloads
 * (compileStreaming, which needs the server to send application/wasm).
 * @returns {Promise<WebAssembly.Module>}
 */
async function compileWasm(kind, { wasmUrl, wasmBinary }) {
  if (wasmBinary) return WebAssembly.compile(wasmBinary);
  const url = wasmUrl ?? MODULES[kind].wasm();
  if (isNode && String(url).startsWith('file:')) {
    const fs = await nodeModule('node:fs/promises');
    return WebAssembly.compile(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new ZhixuanError('WASM_LOAD_FAILED', `could not fetch ${url}: HTTP ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Runs the glue's factory on an already compiled module (its instantiateWasm hook). */
async function instantiateCore(createZhixuanCore, module) {
  let instantiateFailed, exports;
  const failure = new Promise((resolve, reject) => { instantiateFailed = reject; });
  const core = createZhixuanCore({
    instantiateWasm(imports, receiveInstance) {
      WebAssembly.instantiate(module, imports).then((instance) => {
        exports = instance.exports;
        receiveInstance(instance, module);
      }, instantiateFailed);
      return {};  // the exports arrive through receiveInstance
    },
    print: () => {},
    printErr: (m) => console.warn(`zhixuan: ${m}`),
  });
  const ready = await Promise.race([core, failure]);
  // Which kernel scores I8 models here (js/kernels/i8-dot.js); tests and benchmarks read it.
  ready.i8Kernel = installI8Kernel(ready, exports);
  return ready;
}

/**
 * Loads and instantiates the wasm core. Called by createRecommender; call it yourself to
 * start the download early or to choose where the .wasm file comes from (pass the same
 * `features` as to createRecommender). `features: ['assist']` alone loads createAssistant's
 * module; 'assist' in a longer list starts it too, beside the recommender's.
 * @param {{ features?: string[], wasmUrl?: string | URL, wasmBinary?: Uint8Array }} [options]
 */
export function init(options = {}) {
  const features = checkFeatures(options.features);
  if (features.length === 1 && features[0] === 'assist') return loadModule(ASSIST_MODULE, options);
  if (features.includes('assist')) loadModule(ASSIST_MODULE, {}).catch(() => {});  // createAssistant reports it
  return loadModule(moduleFor(features), options);
}

/** The recommender's module for these (checked) rooms; createRecommender's load. */
export const initRecommenderCore = (features, options) => loadModule(moduleFor(features), options);

function loadModule(kind, options) {
  if (!corePromises[kind]) {
    corePromises[kind] = (async () => {
      try {
        const [{ default: createZhixuanCore }, module] = await Promise.all([MODULES[kind].glue(), compileWasm(kind, options)]);
        return raiseCoreErrors(await instantiateCore(createZhixuanCore, module));
      } catch (error) {
        corePromises[kind] = null;  // let a later call retry (e.g. after going back online)
        if (error instanceof ZhixuanError) throw error;
        throw new ZhixuanError('WASM_LOAD_FAILED', `the wasm core could not start: ${error?.message ?? error}`);
      }
    })();
  }
  return corePromises[kind];
}

/** The JS of the rooms asked for, loaded alongside their module: {profile?, text?, federated?}. */
export async function loadRooms(features) {
  const [profile, text, federated, ops] = await Promise.all([
    features.includes('profile') ? import('./profile.js') : null,
    features.includes('text') ? import('./text.js') : null,
    features.includes('federated') ? import('./federated/index.js') : null,
    features.includes('ops') ? import('./ops.js') : null,
  ]);
  return { profile, text, federated, ops };
}

/** The error for a room used on a recommender created without it. */
export function featureNotLoaded(feature, what) {
  return new ZhixuanError('FEATURE_NOT_LOADED',
    `${what} needs the '${feature}' room: create the recommender with features: [..., '${feature}'] (or without the features option)`);
}

export { isNode, nodeModule };

// `createRecommender({ worker: true, ... })`: the Recommender lives in a Web Worker, so scoring
// big catalogs never blocks the page. The returned object has the same methods (and nested
// namespaces such as `federated`), each returning a promise; properties (`info`, `manifest`)
// are promises too. `dispose()` also ends the worker.
import { ZhixuanError } from '../errors.js';

// The worker resolves relative URLs against its own script: make them absolute here.
function absolute(source) {
  if (source instanceof URL) return source.href;
  if (typeof source !== 'string' || /^\s*[[{]/.test(source)) return source;
  return new URL(source, globalThis.document?.baseURI ?? globalThis.location?.href).href;
}

function toError(error) {
  if (error.name === 'TypeError') return new TypeError(error.message);
  if (error.name === 'RangeError') return new RangeError(error.message);
  return new ZhixuanError(error.code ?? 'INTERNAL', error.message);
}

function setPath(target, path, value) {
  const names = path.split('.');
  const last = names.pop();
  let owner = target;
  for (const name of names) owner = owner[name] ??= {};
  return [owner, last, value];
}

/** @param {import('../index.js').CreateOptions} options */
export async function createWorkerRecommender(options) {
  if (typeof Worker === 'undefined') throw new ZhixuanError('UNSUPPORTED', 'worker mode needs Web Workers (a browser or a worker)');
  const { worker: _, onProgress, model, catalog, wasmUrl, ...rest } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const pending = new Map();
  let nextId = 1;
  let disposed = false;
  worker.onmessage = ({ data }) => {
    const entry = pending.get(data.id);
    if (!entry) return;
    if (data.progress) return entry.onProgress?.(data.progress);
    pending.delete(data.id);
    if (data.ok) entry.resolve(data.value);
    else entry.reject(toError(data.error));
  };
  worker.onerror = (event) => {
    event.preventDefault?.();
    const error = new ZhixuanError('WASM_LOAD_FAILED', `the zhixuan worker failed: ${event.message ?? 'could not start'}`);
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  const send = (op, path, args, extra = {}) => {
    if (disposed) return Promise.reject(new ZhixuanError('DISPOSED', 'this recommender was disposed'));
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, ...extra });
      worker.postMessage({ id, op, path, args });
    });
  };

  let shape;
  try {
    shape = await send('create', null, [{
      ...rest, model: absolute(model), catalog: absolute(catalog), wasmUrl: wasmUrl && absolute(wasmUrl), reportProgress: !!onProgress,
    }], { onProgress });
  } catch (error) {
    worker.terminate();
    throw error;
  }

  const proxy = {};
  for (const path of shape.methods) {
    const [owner, name] = setPath(proxy, path);
    owner[name] = path === 'dispose'
      ? async () => {
        if (disposed) return;
        await send('call', 'dispose', []);
        disposed = true;
        worker.terminate();
      }
      : (...args) => send('call', path, args);
  }
  for (const path of shape.properties) {
    const [owner, name] = setPath(proxy, path);
    Object.defineProperty(owner, name, { get: () => send('get', path, []), enumerable: true });
  }
  Object.defineProperty(proxy, 'worker', { value: true });
  return proxy;
}

// The Web Worker side of `createRecommender({ worker: true })`: owns the Recommender and
// answers the page's calls. Messages: { id, op: 'create' | 'call' | 'get', path, args }.
import { createRecommender } from '../index.js';

let recommender = null;

const hasMethods = (value) => {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (Object.getOwnPropertyNames(proto).some((name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name).value === 'function')) return true;
  }
  return false;
};

// Public methods and properties of an object and of its namespace objects (e.g. `federated`,
// a getter returning an object with methods).
function describe(target, prefix = '', depth = 0) {
  const shape = { methods: [], properties: [] };
  const seen = new Set();
  for (let proto = target; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name.startsWith('_') || seen.has(name)) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor.value === 'function') {
        shape.methods.push(prefix + name);
        continue;
      }
      let value = descriptor.value;
      if (descriptor.get && depth === 0) {
        try { value = descriptor.get.call(target); } catch { value = undefined; }
      }
      if (depth === 0 && hasMethods(value)) {
        const inner = describe(value, `${prefix}${name}.`, depth + 1);
        shape.methods.push(...inner.methods);
        shape.properties.push(...inner.properties);
      } else if (descriptor.get || value !== undefined) {
        shape.properties.push(prefix + name);
      }
    }
  }
  return shape;
}

function resolvePath(path) {
  if (!recommender) throw Object.assign(new Error('the recommender is not loaded'), { code: 'DISPOSED' });
  const names = path.split('.');
  const last = names.pop();
  let owner = recommender;
  for (const name of names) owner = owner[name];
  return [owner, last];
}

function errorMessage(error) {
  return { name: error?.name ?? 'Error', code: error?.code, message: error?.message ?? String(error) };
}

self.onmessage = async ({ data }) => {
  const { id, op, path, args = [] } = data;
  try {
    let value;
    if (op === 'create') {
      const { reportProgress, ...options } = args[0];
      if (reportProgress) options.onProgress = (progress) => self.postMessage({ id, progress });
      recommender = await createRecommender(options);
      value = describe(recommender);
    } else if (op === 'call') {
      const [owner, name] = resolvePath(path);
      value = await owner[name](...args);
      if (path === 'dispose') recommender = null;
    } else if (op === 'get') {
      const [owner, name] = resolvePath(path);
      value = await owner[name];
    } else {
      throw new Error(`unknown operation ${op}`);
    }
    self.postMessage({ id, ok: true, value });
  } catch (error) {
    self.postMessage({ id, ok: false, error: errorMessage(error) });
  }
};

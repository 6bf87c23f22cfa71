// Argument checks that run before anything crosses into wasm.
import { ZhixuanError } from './errors.js';

export const MAX_K = 100000;

export function checkK(k, name = 'k') {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new ZhixuanError('INVALID_ARGUMENT', `${name} must be an integer in 1..${MAX_K}, got ${String(k)}`);
  }
  return k;
}

export function checkObject(value, name) {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object`);
  }
  return value;
}

export function checkVector(vector, dim, name) {
  if (!(vector instanceof Float32Array || vector instanceof Float64Array || Array.isArray(vector))) {
    throw new TypeError(`${name} must be a Float32Array (or number array) of length ${dim}`);
  }
  if (vector.length !== dim) {
    throw new ZhixuanError('INVALID_ARGUMENT', `${name} has ${vector.length} values, the model needs ${dim}`);
  }
  const out = Float32Array.from(vector);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new ZhixuanError('INVALID_ARGUMENT', `${name}[${i}] is not a finite number`);
  }
  return out;
}

export function checkIdList(list, name) {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) && !(list instanceof Set)) throw new TypeError(`${name} must be an array of item ids`);
  const ids = [...list];
  ids.forEach((id, i) => {
    if (typeof id !== 'string' && typeof id !== 'number') throw new TypeError(`${name}[${i}] must be a string id`);
  });
  return ids.map(String);
}

/** Serializes a filter for the core, which validates it and rejects unknown keys. */
export function filterJson(filter) {
  if (filter === undefined) return '';  // the core reads '' as "no filter" without parsing JSON
  return JSON.stringify(checkObject(filter, 'filter'));
}

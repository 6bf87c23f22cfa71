/** The one error class of the SDK: `.code` is stable, `.message` names what is wrong. */
export class ZhixuanError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'ZhixuanError';
    this.code = code;
  }
}

/** Throws the core's `{zxError}` answer as a ZhixuanError; returns any other value. */
export function check(result) {
  if (result && typeof result === 'object' && result.zxError) {
    throw new ZhixuanError(result.zxError.code, result.zxError.message);
  }
  return result;
}

// The load steps answer statuses: the loader lets file reads settle before it throws.
const STATUS_ANSWERS = new Set(['beginLoad', 'readManifest']);
const EMBIND_OWN = new Set(['constructor', 'delete', 'clone', 'isAliasOf', 'isDeleted', 'deleteLater']);
const throwing = (fn) => function callCore(...args) { return check(fn.apply(this, args)); };

/** The one place where the core's `{zxError}` answers become ZhixuanErrors: every registered call is wrapped once. */
export function raiseCoreErrors(core) {
  for (const name of Object.keys(core)) {
    const value = core[name];
    if (typeof value !== 'function' || name.startsWith('_') || name.startsWith('dynCall')) continue;
    if (value.prototype && typeof value.prototype.delete === 'function') {  // a registered class
      for (const method of Object.getOwnPropertyNames(value.prototype)) {
        const fn = value.prototype[method];
        if (typeof fn === 'function' && !EMBIND_OWN.has(method) && !STATUS_ANSWERS.has(method)) value.prototype[method] = throwing(fn);
      }
    } else if (/^[a-z]/.test(name)) {
      core[name] = throwing(value);
    }
  }
  return core;
}

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

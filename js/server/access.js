// Who may call what: device endpoints take a per-device token (registration, updates, secure
// aggregation), operator endpoints (status, the dashboard /ops) the operator token: as
// `Authorization: Bearer T`, or on /ops the zx_ops cookie set by `?token=T` (experiments.js).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-error.js';

export const MIN_OPERATOR_TOKEN = 16;

/** The operator token to use: the given one (refused when short), else a random one. */
export function operatorTokenOf(token) {
  if (token === undefined || token === null) return randomBytes(16).toString('hex');
  if (typeof token !== 'string' || token.length < MIN_OPERATOR_TOKEN || /\s/.test(token)) {
    throw new TypeError(`the operator token must be at least ${MIN_OPERATOR_TOKEN} characters without spaces`);
  }
  return token;
}

export function sameToken(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function bearer(req) {
  return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
}

/**
 * The device's client token (issued by this server's POST /v1/clients) or a named 401:
 * UNAUTHORIZED without `Authorization: Bearer <client token>`, UNKNOWN_CLIENT for a token this
 * server never issued (a token of another server included: tokens are per issuer).
 */
export function requireClient(req, store) {
  const token = /^Bearer ([0-9a-f]{32})$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token) throw new HttpError(401, 'UNAUTHORIZED', 'Authorization: Bearer <client token> is required (POST /v1/clients issues one)');
  if (!store.hasClient(token)) throw new HttpError(401, 'UNKNOWN_CLIENT', 'this client token was not issued by this server');
  return token;
}

/** Throws 401 OPERATOR_TOKEN_REQUIRED unless the request carries the operator token. */
export function requireOperator(req, token) {
  if (sameToken(bearer(req), token)) return;
  throw new HttpError(401, 'OPERATOR_TOKEN_REQUIRED', 'this endpoint needs the operator token (Authorization: Bearer <operator token>)',
    { 'www-authenticate': 'Bearer realm="zhixuan-operator"' });
}

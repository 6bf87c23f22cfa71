// HTTP transport to the aggregation server (js/server). Sends only: a registration request
// (empty body), the update payload (opaque bytes), and GETs for the round config and model.
import { ZhixuanError } from '../errors.js';

/** `path` under the server's base URL (a string or URL; a trailing slash is added). */
export function serverUrl(server, path) {
  if (typeof server !== 'string' && !(server instanceof URL)) throw new TypeError('server must be a URL string');
  return new URL(path, String(server).endsWith('/') ? String(server) : `${server}/`);
}

/** A ZhixuanError from a failed response: the server's {error: {code, message}} when it sent one. */
export async function failure(response, what) {
  let code = `HTTP_${response.status}`;
  let message = `${what}: HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (body?.error?.code) code = body.error.code;
    if (body?.error?.message) message = `${what}: ${body.error.message}`;
  } catch { /* not JSON */ }
  const error = new ZhixuanError(code, message);
  error.status = response.status;
  return error;
}

export async function fetchRound(server, fetchImpl = fetch) {
  const response = await fetchImpl(serverUrl(server, 'v1/round'), { cache: 'no-store' });
  if (!response.ok) throw await failure(response, 'round config');
  return response.json();
}

export async function fetchModel(server, fetchImpl = fetch) {
  const response = await fetchImpl(serverUrl(server, 'v1/model'), { cache: 'no-store' });
  if (!response.ok) throw await failure(response, 'model');
  return { version: response.headers.get('x-zhixuan-model-version'), bytes: new Uint8Array(await response.arrayBuffer()) };
}

export async function registerClient(server, fetchImpl = fetch) {
  const response = await fetchImpl(serverUrl(server, 'v1/clients'), { method: 'POST' });
  if (!response.ok) throw await failure(response, 'registration');
  const { token } = await response.json();
  if (typeof token !== 'string' || !/^[0-9a-f]{32}$/.test(token)) throw new ZhixuanError('MALFORMED_RESPONSE', 'the server sent no valid client token');
  return token;
}

export async function postUpdate(server, roundId, token, payload, fetchImpl = fetch) {
  const response = await fetchImpl(serverUrl(server, `v1/rounds/${roundId}/updates`), {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` },
    body: payload,
  });
  if (!response.ok) throw await failure(response, 'update');
  return response.json();
}

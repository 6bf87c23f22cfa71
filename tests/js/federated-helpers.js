// Helpers of the federated and server tests: payload byte surgery (with the CRC-32 trailer
// recomputed, so the server's checks past the checksum are what is exercised) and HTTP calls.
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A copy of `payload` with `edit(bytes, view)` applied and the CRC fixed. */
export function patched(payload, edit) {
  const out = new Uint8Array(payload);
  edit(out, new DataView(out.buffer));
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Offset of the first value of a payload (43 fixed bytes + the base version). */
export function bodyOffset(payload) {
  return 43 + payload[42];
}

export async function register(url) {
  const response = await fetch(`${url}/v1/clients`, { method: 'POST' });
  return (await response.json()).token;
}

export async function post(url, round, token, body, headers = {}) {
  const response = await fetch(`${url}/v1/rounds/${round}/updates`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, body: json };
}

export async function getJson(url, path) {
  const response = await fetch(`${url}${path}`);
  return response.json();
}

/** The operator token the server tests start their servers with (status and /ops need it). */
export const OPERATOR_TOKEN = 'operator-token-of-the-tests-0123';

/** GET /v1/status with the operator token. */
export async function getStatus(url, token = OPERATOR_TOKEN) {
  const response = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${token}` } });
  return response.json();
}

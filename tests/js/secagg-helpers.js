// Helpers of the secure-aggregation tests: a server in secure mode on 127.0.0.1, and simulated
// devices that run the real protocol (WebCrypto + the wasm core) on given update values, so the
// tests can recompute each device's quantized, noised vector from its noise seed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAggregationServer } from '../../js/server/server.js';
import { loadCore } from '../../js/server/core.js';
import { runSecureRound } from '../../js/federated/secagg-client.js';
import { checkerboardBundle, rng } from '../../tools/bundle-fixtures.mjs';
import { OPERATOR_TOKEN } from './federated-helpers.js';

export const ROWS = 40;
export const DIM = 16;

export async function secureServer(options = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'zx-secagg-'));
  const logs = [];
  const server = await startAggregationServer({
    modelBytes: checkerboardBundle(ROWS, DIM), dataDir, port: 0, quorum: 12, clip: 0.5, noiseMultiplier: 1.0, requestsPerIpPerMinute: 1e6, registrationsPerIpPerMinute: 1e6, operatorToken: OPERATOR_TOKEN,
    log: (m) => logs.push(m), ...options,
    secure: { minCohort: 3, stageMs: 8000, ...(options.secure ?? {}) },
  });
  return { server, url: server.url, dataDir, logs };
}

export async function register(url) {
  const response = await fetch(`${url}/v1/clients`, { method: 'POST' });
  return (await response.json()).token;
}

export function updateValues(seed, length = ROWS * DIM, scale = 0.05) {
  const random = rng(seed);
  return Float32Array.from({ length }, () => (random() - 0.5) * scale);
}

/** A fetch that records every request body this device sends (the bytes the server receives). */
export function recordingFetch(log) {
  return async (url, init = {}) => {
    const body = init.body;
    log.push({ url: String(url), method: init.method ?? 'GET', headers: init.headers ?? {}, body: body === undefined ? null : typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body) });
    return fetch(url, init);
  };
}

/**
 * Runs `count` simulated devices through one secure round. dropAfter: {deviceNumber: stage}.
 * Resolves {results, devices: [{values, noiseSeed, index}]}.
 */
export async function runDevices(url, count, { dropAfter = {}, policy = {}, values = (i) => updateValues(100 + i), sent = null } = {}) {
  const core = await loadCore();
  const round = await (await fetch(`${url}/v1/round`)).json();
  const devices = [];
  const runs = [];
  for (let i = 0; i < count; i++) {
    const token = await register(url);
    const device = { values: values(i), noiseSeed: crypto.getRandomValues(new Uint8Array(32)), index: null, sent: [] };
    devices.push(device);
    const maskedInput = (params, index, peers, secrets, selfSeed) => {
      device.index = index;
      device.params = params;
      const out = core.secaggMaskValues(device.values, JSON.stringify(params), index, device.noiseSeed, selfSeed, peers, secrets);
      return out.masked;
    };
    runs.push(runSecureRound({
      core, server: url, token, round, maskedInput,
      chargeable: () => ({ affordable: true }), charge: () => {},
      policy: { minCohort: 3, pollMs: 30, ...policy }, dropAfter: dropAfter[i] ?? null,
      fetch: recordingFetch(sent ? device.sent : []),
    }));
  }
  const results = await Promise.all(runs);
  return { results, devices, core };
}

/** The devices' quantized, noised vectors summed mod 2^k (what unmasking must give exactly). */
export function expectedSum(core, devices, params) {
  const layout = core.secaggLayout(JSON.stringify(params));
  const sum = new Uint32Array(layout.padded);
  for (const d of devices) {
    const { coords } = core.secaggQuantize(d.values, JSON.stringify(params), d.noiseSeed);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] + coords[i]) >>> 0;
  }
  const mask = layout.bits >= 32 ? 0xffffffff : (2 ** layout.bits) - 1;
  for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] & mask) >>> 0;
  return sum;
}

export async function waitFor(predicate, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

// SecAgg+'s neighbour graph (core/include/zhixuan/federated/secagg_graph.hpp), shared by the device
// and the server: each member masks and shares only with its k neighbours on a Harary graph over a
// permutation of the cohort. The permutation's seed is SHA-256 of the round and of every member's
// index and keys (the member list every device receives), so each device derives the same graph
// as the server and checks it instead of taking it on the server's word; k is the server's
// declaration (`params.neighbours`), which the device compares with what its own rule asks for.
import { ZhixuanError } from '../errors.js';
import { fromB64url } from './secagg-crypto.js';

const LABEL = new TextEncoder().encode('zhixuan secagg graph v1');

/** Holders of one device's shares needed to rebuild it: floor((k+1)/2)+1 (SecAggNeighbourhoodThreshold). */
export function neighbourhoodThreshold(k) { return Math.floor((k + 1) / 2) + 1; }

/** The degree the rule asks for (dropout and corruption rates, 2^-40 security, 2^-20 correctness). */
export function degreeFor(core, cohort, { dropout, corruption }) {
  return core.secaggDegree(cohort, dropout, corruption, 40, 20).neighbours;  // throws ZhixuanError (raiseCoreErrors)
}

async function graphSeed(roundId, members) {
  const parts = [LABEL];
  const head = new DataView(new ArrayBuffer(8));
  head.setBigUint64(0, BigInt(roundId), true);
  parts.push(new Uint8Array(head.buffer));
  for (const m of members) {
    const idx = new DataView(new ArrayBuffer(4));
    idx.setUint32(0, m.index, true);
    parts.push(new Uint8Array(idx.buffer), fromB64url(m.mask_pk), fromB64url(m.enc_pk));
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { bytes.set(p, at); at += p.byteLength; }
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
}

/**
 * Map member index -> sorted neighbour indices for the round's declared k (params.neighbours;
 * absent: the complete graph). `members`: [{index, mask_pk, enc_pk}] as the server lists them.
 */
export async function neighbourhoods(core, params, members) {
  const sorted = [...members].sort((a, b) => a.index - b.index);
  const n = sorted.length;
  const k = params.neighbours ?? n - 1;
  const seed = await graphSeed(params.round_id, sorted);
  let out;
  try {
    out = core.secaggNeighbours(n, Math.min(k, n - 1), seed);
  } catch (error) {
    if (!(error instanceof ZhixuanError)) throw error;
    throw new ZhixuanError('SERVER_MISBEHAVED', `the round's neighbour graph: ${error.message}`);
  }
  const graph = new Map();
  for (let p = 0; p < n; p++) {
    const list = Array.from(out.neighbours.subarray(p * out.degree, (p + 1) * out.degree), (q) => sorted[q].index);
    graph.set(sorted[p].index, list);
  }
  return { graph, degree: out.degree, threshold: neighbourhoodThreshold(out.degree) };
}

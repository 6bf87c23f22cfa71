// The device's side of a secure-aggregation round (Bonawitz et al., CCS 2017, over SecAgg+'s
// neighbour graph, Bell et al., CCS 2020: js/federated/secagg-graph.js), four stages through the
// aggregation server (js/server/secagg-server.js), which only relays and never learns one device's
// update:
//   1. advertise: fresh ECDH key pairs for this round (one for masks, one for encrypting shares);
//   2. share: Shamir shares (threshold t_k = floor((k+1)/2)+1) of a fresh self-mask seed b and of
//      the mask key's secret, one pair per neighbour, AES-GCM-encrypted to it (associated data:
//      round, sender, receiver);
//   3. masked input: the quantized, noised update plus PRG(b) and the pairwise masks with the
//      neighbours, computed in the wasm core in one crossing;
//   4. unmask: for each peer, its b share if it sent a masked input, its key share otherwise
//      (never both: the survivor list is fixed before anyone answers).
// Before paying, the device checks what the server declares: the cohort (>= its minimum), the
// threshold (> half the cohort), the neighbours (>= what its own dropout and corruption rates ask
// for), the noise (effective multiplier >= its minimum), the round's window; otherwise it declines
// with a reason and sends nothing more.
import { ZhixuanError } from '../errors.js';
import { failure, serverUrl } from './transport.js';
import { degreeFor, neighbourhoods } from './secagg-graph.js';
import {
  b64url, fromB64url, generateKeyPair, preferredCurve, privateScalar, randomBytes, supportsCurve,
} from './secagg-crypto.js';
import { PeerCrypto } from './secagg-peers.js';

export const SHARE_BYTES = 45;
/** Defaults of the device's policy (documented in README: Secure aggregation). */
export const SECURE_DEFAULTS = Object.freeze({
  minCohort: 10,             // fewest devices the device accepts in a cohort
  minNoiseMultiplier: 0,     // lowest effective noise multiplier it accepts
  dropout: 0.1,              // the neighbour graph must hold with this fraction dropping ...
  corruption: 0.1,           // ... and this fraction colluding with the server (secagg_graph.hpp)
  pollMs: 150,               // how often it asks the server for the stage
  advertiseWaitMs: null,     // gives up sooner while the cohort forms (null: maxWaitMs)
  maxWaitMs: 15 * 60_000,    // gives up (as a dropout) when a round takes longer
});

class Channel {
  constructor(server, roundId, token, fetchImpl, base) {
    this.server = server;
    this.base = base;
    this.roundId = roundId;
    this.token = token;
    this.fetchImpl = fetchImpl;
  }

  // Called unbound: a browser's fetch throws 'Illegal invocation' when called as a method.
  fetch(...args) {
    const f = this.fetchImpl;
    return f(...args);
  }

  // A server restart (or a dropped connection) is retried until the device's wait limit; a
  // message that was committed before the connection broke comes back as DUPLICATE_MESSAGE.
  async _send(make, deadline, pollMs) {
    for (let attempt = 0; ; attempt++) {
      try {
        return { response: await make(), retried: attempt > 0 };
      } catch (error) {
        if (!(error instanceof TypeError) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    }
  }

  async post(stage, body, { deadline = Date.now() + 60_000, pollMs = 200 } = {}) {
    const bytes = body instanceof Uint8Array;
    const { response, retried } = await this._send(() => this.fetch(serverUrl(this.server, `${this.base}/${this.roundId}/${stage}`), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': bytes ? 'application/octet-stream' : 'application/json' },
      body: bytes ? body : JSON.stringify(body),
    }), deadline, pollMs);
    if (!response.ok) {
      const error = await failure(response, `secure aggregation ${stage}`);
      error.afterAdvertise = stage !== 'advertise';
      if (retried && error.code === 'DUPLICATE_MESSAGE') return { duplicate: true };
      throw error;
    }
    return response.json();
  }

  async state({ deadline = Date.now() + 60_000, pollMs = 200 } = {}) {
    const { response } = await this._send(() => this.fetch(serverUrl(this.server, `${this.base}/${this.roundId}/state`), {
      headers: { authorization: `Bearer ${this.token}` }, cache: 'no-store',
    }), deadline, pollMs);
    if (!response.ok) throw await failure(response, 'secure aggregation state');
    return response.json();
  }
}

const STAGES = ['advertise', 'share', 'masked', 'unmask', 'done', 'aborted'];

async function waitPast(channel, stage, { pollMs, deadline }) {
  for (;;) {
    const state = await channel.state({ pollMs, deadline });
    if (STAGES.indexOf(state.stage) > STAGES.indexOf(stage) || state.stage === 'aborted') return state;
    if (Date.now() > deadline) {
      const error = new ZhixuanError('ROUND_TIMEOUT', `the round stayed in stage '${stage}' past the device's wait limit`);
      error.stage = stage;  // 'advertise': the cohort never formed, nothing but keys was sent
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function shareIndex(share) {
  return new DataView(share.buffer, share.byteOffset, 4).getUint32(0, true);
}

/**
 * One secure round for this device. `maskedInput(params, index, peers, secrets, selfSeed)` returns
 * the masked input (the wasm core's one crossing); `chargeable(effectiveNoiseMultiplier)` says
 * whether the ledger affords it ({affordable, reason}), `charge(effectiveNoiseMultiplier)` charges it
 * just before the masked input leaves. `dropAfter` (tests only) stops after that stage as a dropout.
 * `base` is the rounds' URL prefix: 'v1/secagg' (model rounds) or 'v1/secagg-metrics' (metrics).
 * `token`: the client token, or a function that resolves it (registering the device), called only
 * once the declared round passes the device's checks.
 * Resolves {status: 'completed'|'declined'|'aborted'|'dropped', ...}.
 */
export async function runSecureRound(options) {
  try {
    return await secureRound(options);
  } catch (error) {
    // The stage this device was answering closed without it (slow device, deadline): a dropout.
    if (error instanceof ZhixuanError && ['OUT_OF_STAGE', 'STALE_ROUND'].includes(error.code) && error.afterAdvertise) {
      return { status: 'dropped', reason: 'missed-stage', round: options.round?.round_id };
    }
    throw error;
  }
}

async function secureRound({ core, server, token, round, maskedInput, chargeable, charge, policy = {}, fetch: fetchImpl = globalThis.fetch, dropAfter = null, base = 'v1/secagg' }) {
  const p = { ...SECURE_DEFAULTS, ...policy };
  const declared = round.secure;
  if (!declared || typeof declared !== 'object') throw new ZhixuanError('MALFORMED_RESPONSE', 'the round declares no secure aggregation');
  const roundId = round.round_id;
  const decline = (reason, extra = {}) => ({ status: 'declined', reason, round: roundId, ...extra });
  if (declared.stage !== 'advertise') return decline('round-in-progress');
  if (!(declared.min_cohort >= p.minCohort)) return decline('cohort-too-small', { declared: declared.min_cohort, required: p.minCohort });
  if (!(declared.noise_multiplier >= p.minNoiseMultiplier)) return decline('noise-too-low', { declared: declared.noise_multiplier, required: p.minNoiseMultiplier });
  if (!(declared.stage_deadline > Date.now())) return decline('round-window');
  const curve = declared.curve;
  if (!(await supportsCurve(curve))) return decline('unsupported-curve', { curve, host: await preferredCurve().catch(() => null) });

  // Only a device that takes part registers: `token` may be a function that registers on first use.
  const channel = new Channel(server, roundId, typeof token === 'function' ? await token() : token, fetchImpl, base);
  const deadline = Date.now() + p.maxWaitMs;
  const waitOptions = { pollMs: p.pollMs, deadline };

  // 1. Advertise keys.
  const maskPair = await generateKeyPair(curve, true);
  const encPair = await generateKeyPair(curve, false);
  const advertised = await channel.post('advertise', { curve, mask_pk: b64url(maskPair.publicRaw), enc_pk: b64url(encPair.publicRaw) }, waitOptions);
  const index = advertised.duplicate ? (await channel.state(waitOptions)).index : advertised.index;
  if (dropAfter === 'advertise') return { status: 'dropped', round: roundId, index };

  // 2. Share keys, once the cohort is known and acceptable.
  const advertiseDeadline = p.advertiseWaitMs === null ? deadline : Math.min(deadline, Date.now() + p.advertiseWaitMs);
  let state = await waitPast(channel, 'advertise', { pollMs: p.pollMs, deadline: advertiseDeadline });
  if (state.stage !== 'share') return { status: state.stage === 'aborted' ? 'aborted' : 'dropped', reason: state.reason ?? 'missed-stage', round: roundId };
  const members = state.members;
  const me = members.find((m) => m.index === index);
  if (!me || me.mask_pk !== b64url(maskPair.publicRaw) || me.enc_pk !== b64url(encPair.publicRaw)) {
    throw new ZhixuanError('SERVER_MISBEHAVED', 'the member list does not hold this device with its keys');
  }
  const n = members.length;
  const { params } = state;
  const t = params.threshold;
  if (new Set(members.map((m) => m.index)).size !== n || params.cohort !== n || params.round_id !== roundId) {
    throw new ZhixuanError('SERVER_MISBEHAVED', 'the declared cohort does not match the member list');
  }
  if (n < p.minCohort) return decline('cohort-too-small', { cohort: n, required: p.minCohort });
  if (!(t > n / 2) || t > n) return decline('threshold-too-low', { threshold: t, cohort: n });
  const needed = degreeFor(core, n, p);
  const { graph, degree, threshold: tk } = await neighbourhoods(core, params, members);
  if (degree < needed) return decline('neighbours-too-few', { neighbours: degree, required: needed });
  const mine = graph.get(index);
  const neighbours = new Set(mine);
  const layout = core.secaggLayout(JSON.stringify(params));
  if (!(layout.effectiveNoiseMultiplier >= p.minNoiseMultiplier - 1e-12)) return decline('noise-too-low', { effective: layout.effectiveNoiseMultiplier });
  const affordable = chargeable(layout.effectiveNoiseMultiplier);
  if (!affordable.affordable) return decline('privacy-budget', affordable);

  const byIndex = new Map(members.map((m) => [m.index, m]));
  // The ECDH agreements with every neighbour start now, side by side (secagg-peers.js).
  const peerCrypto = new PeerCrypto({
    curve, roundId, index, encPrivate: encPair.privateKey, maskPrivate: maskPair.privateKey,
    peers: mine.map((v) => ({ index: v, encPublic: fromB64url(byIndex.get(v).enc_pk), maskPublic: fromB64url(byIndex.get(v).mask_pk) })),
  });
  const selfSeed = randomBytes(32);
  const keyScalar = await privateScalar(maskPair.privateKey);
  const holders = [index, ...mine].sort((a, b) => a - b);
  const xs = Uint32Array.from(holders);
  const seedShares = core.secaggShamirSplit(selfSeed, xs, tk, randomBytes(32)).shares;
  const keyShares = core.secaggShamirSplit(keyScalar, xs, tk, randomBytes(32)).shares;
  const own = {};
  const outbound = [];
  for (let i = 0; i < holders.length; i++) {
    const seedShare = seedShares.subarray(i * SHARE_BYTES, (i + 1) * SHARE_BYTES);
    const keyShare = keyShares.subarray(i * SHARE_BYTES, (i + 1) * SHARE_BYTES);
    if (holders[i] === index) {
      own.seed = seedShare.slice();
      continue;  // the own key share is never sent anywhere
    }
    const plaintext = new Uint8Array(2 * SHARE_BYTES);
    plaintext.set(seedShare);
    plaintext.set(keyShare, SHARE_BYTES);
    outbound.push({ to: holders[i], plaintext });
  }
  const sealed = (await peerCrypto.seal(outbound)).map(({ to, ciphertext }) => ({ to, ciphertext: b64url(ciphertext) }));
  await channel.post('shares', { shares: sealed }, waitOptions);
  if (dropAfter === 'share') return { status: 'dropped', round: roundId, index };

  // 3. Masked input, masks agreed with every neighbour that shared its keys.
  state = await waitPast(channel, 'share', waitOptions);
  if (state.stage !== 'masked') return { status: state.stage === 'aborted' ? 'aborted' : 'dropped', reason: state.reason ?? 'missed-stage', round: roundId };
  if (!Array.isArray(state.inbox)) return { status: 'dropped', reason: 'shares-not-accepted-in-time', round: roundId };
  const received = new Map();
  for (const { from } of state.inbox) {
    if (!byIndex.has(from) || !neighbours.has(from) || received.has(from)) throw new ZhixuanError('SERVER_MISBEHAVED', `shares relayed from a non-neighbour or twice (device ${from})`);
    received.set(from, null);
  }
  const opened = await peerCrypto.open(state.inbox.map(({ from, ciphertext }) => ({ from, ciphertext: fromB64url(ciphertext) })));
  state.inbox.forEach(({ from }, i) => {
    const plaintext = opened[i];
    if (plaintext.byteLength !== 2 * SHARE_BYTES) throw new ZhixuanError('MALFORMED_MESSAGE', `device ${from} sent shares of the wrong size`);
    const seed = plaintext.slice(0, SHARE_BYTES);
    const key = plaintext.slice(SHARE_BYTES);
    if (shareIndex(seed) !== index || shareIndex(key) !== index) throw new ZhixuanError('MALFORMED_MESSAGE', `device ${from} sent shares for another index`);
    received.set(from, { seed, key });
  });
  if (received.size + 1 < tk) return { status: 'aborted', reason: 'too-few-shared', round: roundId };
  const peers = [...received.keys()].sort((a, b) => a - b);
  const secrets = await peerCrypto.secrets(peers);
  const masked = maskedInput(params, index, Uint32Array.from(peers), secrets, selfSeed);
  if (!(masked instanceof Uint8Array) || masked.byteLength !== layout.maskedBytes) throw new ZhixuanError('INTERNAL', 'the masked input has the wrong size');
  charge(layout.effectiveNoiseMultiplier);  // from here on the masked input may leave the device
  await channel.post('masked', masked, waitOptions);
  if (dropAfter === 'masked') return { status: 'dropped', round: roundId, index, bytes: masked.byteLength };

  // 4. Unmask: b shares of the survivors, key shares of those who dropped, never both.
  state = await waitPast(channel, 'masked', waitOptions);
  if (state.stage !== 'unmask') return { status: state.stage === 'aborted' ? 'aborted' : 'dropped', reason: state.reason ?? 'missed-stage', round: roundId };
  const survivors = new Set(state.survivors);
  const nearSurvivors = [...survivors].filter((s) => s === index || neighbours.has(s));
  if (!survivors.has(index) || survivors.size < t || nearSurvivors.some((s) => s !== index && !received.has(s))) {
    throw new ZhixuanError('SERVER_MISBEHAVED', 'the survivor list is inconsistent with the round (not revealing any share)');
  }
  const selfShares = [{ of: index, share: b64url(own.seed) }];
  const keyShareList = [];
  for (const [from, shares] of received) {
    if (survivors.has(from)) selfShares.push({ of: from, share: b64url(shares.seed) });
    else keyShareList.push({ of: from, share: b64url(shares.key) });
  }
  await channel.post('unmask', { self_shares: selfShares, key_shares: keyShareList }, waitOptions);
  state = await waitPast(channel, 'unmask', waitOptions);
  if (state.stage === 'aborted') return { status: 'aborted', reason: state.reason, round: roundId };
  return { status: 'completed', round: roundId, index, cohort: n, threshold: t, neighbours: degree, survivors: survivors.size, bytes: masked.byteLength, effectiveNoiseMultiplier: layout.effectiveNoiseMultiplier, modelVersion: state.model_version };
}

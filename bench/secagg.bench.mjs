// Secure aggregation figures, each beside its baseline, on the complete graph (Bonawitz et al.,
// every device pairs with all n - 1 others) and on SecAgg+'s neighbour graph (k from the rule of
// core/include/zhixuan/federated/secagg_graph.hpp at dropout 0.1, corruption 0.1):
//   1. bytes one device sends per round (keys, sealed shares, masked input, unmask answer) for
//      cohorts of 10, 100 and 1000 at 5k x 64, against today's plain int8 payload and against the
//      unmasked quantized vector at the same k (Bonawitz et al.'s expansion measure);
//   2. device time of one round in a 100-device cohort: WebCrypto (keys, one ECDH agreement per
//      peer for the shares' AES key, both directions, and one for the masks, all started at once;
//      AES-GCM seals and opens), Shamir in wasm, and the masked input (quantize + rotate + noise + pairwise masks + self mask) in wasm;
//   3. server time to unmask a 1000-device cohort with 10% dropouts (one process), measured end
//      to end on the streaming unmasker (Shamir rebuilds, ECDH for the dropped devices' pairs,
//      every mask stream), against summing 900 plain decoded updates.
// Usage: node bench/secagg.bench.mjs [--rows 5000] [--dim 64] [--reps 3] [--sections 1,2,3]
// A/B: ZHIXUAN_CORE_DIR=<another dist/> runs the same bench on another build of the core.
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { loadCore } from '../js/server/core.js';
import { neighbourhoodThreshold } from '../js/federated/secagg-graph.js';
import { b64url, generateKeyPair, privateScalar, randomBytes, sealShare, sharedSecret } from '../js/federated/secagg-crypto.js';
import { PeerCrypto } from '../js/federated/secagg-peers.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (v.startsWith('--') ? [...acc, [v.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 5000);
const DIM = Number(args.dim ?? 64);
const REPS = Number(args.reps ?? 3);
const LENGTH = ROWS * DIM;
const SECTIONS = new Set(String(args.sections ?? '1,2,3').split(',').map(Number));
const core = await loadCore();

const degree = (n) => core.secaggDegree(n, 0.1, 0.1, 40, 20).neighbours;

function params(cohort, extra = {}) {
  const threshold = Math.floor(cohort / 2) + 1;
  return {
    round_id: 1, length: LENGTH, block_log2: 14, clip: 1, scale_bits: 12,
    noise_variance: core.secaggNoiseVariance(1.0, 12, threshold), cohort, threshold,
    rotation_seed: Buffer.from(randomBytes(32)).toString('hex'), ...extra,
  };
}

function values(seed) {
  const v = new Float32Array(LENGTH);
  let s = seed;
  for (let i = 0; i < LENGTH; i++) { s = (s * 1664525 + 1013904223) >>> 0; v[i] = (s / 2 ** 32 - 0.5) * 0.01; }
  return v;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const plainInt8Bytes = 43 + 10 + 4 * ROWS + LENGTH + 4;  // header + "base-vers" + scales + int8 + CRC

// ---- 1. bytes per device ----
console.log(`secure aggregation at ${ROWS} x ${DIM} (${LENGTH} values), noise multiplier 1, clip 1, C s = 2^12`);
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (timings scale with it)`);
if (SECTIONS.has(1)) {
console.log('\n1. bytes one device sends per round');
console.log('cohort | graph          | k  bits | masked input | keys+shares+unmask (JSON) | total     | vs plain int8 (' + plainInt8Bytes + ') | vs unmasked k-bit vector');
for (const cohort of [10, 100, 1000]) {
  for (const [label, peers] of [['complete', cohort - 1], [`SecAgg+ k=${degree(cohort)}`, degree(cohort)]]) {
    const p = params(cohort);
    const layout = core.secaggLayout(JSON.stringify(p));
    const sealed = 12 + 90 + 16;
    const keyMsg = JSON.stringify({ curve: 'X25519', mask_pk: b64url(new Uint8Array(32)), enc_pk: b64url(new Uint8Array(32)) }).length;
    const shareMsg = JSON.stringify({ shares: Array.from({ length: peers }, (_, i) => ({ to: i + 2, ciphertext: b64url(new Uint8Array(sealed)) })) }).length;
    const unmaskMsg = JSON.stringify({ self_shares: Array.from({ length: peers + 1 }, (_, i) => ({ of: i + 1, share: b64url(new Uint8Array(45)) })), key_shares: [] }).length;
    const side = keyMsg + shareMsg + unmaskMsg;
    const total = layout.maskedBytes + side;
    const unmasked = Math.ceil(layout.padded * layout.bits / 8);
    console.log(`${String(cohort).padStart(6)} | ${label.padEnd(14)} | ${String(layout.bits).padStart(7)} | ${String(layout.maskedBytes).padStart(12)} | ${String(side).padStart(25)} | ${String(total).padStart(9)} | ${(total / plainInt8Bytes).toFixed(2).padStart(5)}x${' '.repeat(21)} | ${(total / unmasked).toFixed(3)}x`);
  }
}

}

// ---- 2. device time, cohort of 100 ----
if (SECTIONS.has(2)) {
console.log('\n2. device time per round, cohort of 100 (WebCrypto in Node + the wasm core), median of', REPS);
const cohort = 100;
const p100 = params(cohort);
const peerKeys = await Promise.all(Array.from({ length: cohort - 1 }, async () => ({ mask: await generateKeyPair('X25519', true), enc: await generateKeyPair('X25519', false) })));
const x = values(7);
for (const [label, peerCount] of [['complete graph, 99 peers', cohort - 1], [`SecAgg+, k = ${degree(cohort)} neighbours`, degree(cohort)]]) {
  const tk = neighbourhoodThreshold(peerCount);
  const peers = peerKeys.slice(0, peerCount);
  const timings = { keys: [], shares: [], open: [], agree: [], masked: [], maskedCpu: [], total: [], cryptoCpu: [] };
  for (let rep = 0; rep < REPS; rep++) {
    const t0 = performance.now();
    const mask = await generateKeyPair('X25519', true);
    const enc = await generateKeyPair('X25519', false);
    const t1 = performance.now();
    // What the neighbours sealed to this device (their work, not timed).
    const inbox = await Promise.all(peers.map(async (peer, i) => ({
      from: i + 2, ciphertext: await sealShare({ curve: 'X25519', privateKey: peer.enc.privateKey, peerPublicRaw: enc.publicRaw, roundId: 1, from: i + 2, to: 1, plaintext: new Uint8Array(90) }),
    })));
    // The device's own steps, as js/federated/secagg-client.js runs them (secagg-peers.js: every
    // ECDH started at once, one AES key per neighbour for both directions).
    const t1b = performance.now();
    const cCrypto = process.cpuUsage();
    const peerCrypto = new PeerCrypto({
      curve: 'X25519', roundId: 1, index: 1, encPrivate: enc.privateKey, maskPrivate: mask.privateKey,
      peers: peers.map((peer, i) => ({ index: i + 2, encPublic: peer.enc.publicRaw, maskPublic: peer.mask.publicRaw })),
    });
    const xs = Uint32Array.from({ length: peerCount + 1 }, (_, i) => i + 1);
    const selfSeed = randomBytes(32);
    const seedShares = core.secaggShamirSplit(selfSeed, xs, tk, randomBytes(32)).shares;
    const keyShares = core.secaggShamirSplit(await privateScalar(mask.privateKey), xs, tk, randomBytes(32)).shares;
    const outbound = [];
    for (let i = 0; i < peerCount; i++) {
      const plaintext = new Uint8Array(90);
      plaintext.set(seedShares.subarray(45 * (i + 1), 45 * (i + 2)));
      plaintext.set(keyShares.subarray(45 * (i + 1), 45 * (i + 2)), 45);
      outbound.push({ to: i + 2, plaintext });
    }
    await peerCrypto.seal(outbound);
    const t2 = performance.now();
    await peerCrypto.open(inbox);
    const t3 = performance.now();
    const secrets = await peerCrypto.secrets(Array.from({ length: peerCount }, (_, i) => i + 2));
    const t4 = performance.now();
    const cc = process.cpuUsage(cCrypto);
    timings.cryptoCpu.push((cc.user + cc.system) / 1000);
    const c4 = process.cpuUsage();
    const out = core.secaggMaskValues(x, JSON.stringify({ ...p100, neighbours: peerCount }), 1, randomBytes(32), selfSeed, Uint32Array.from({ length: peerCount }, (_, i) => i + 2), secrets);
    const t5 = performance.now();
    const c5 = process.cpuUsage(c4);
    timings.maskedCpu.push((c5.user + c5.system) / 1000);
    timings.keys.push(t1 - t0); timings.shares.push(t2 - t1b); timings.open.push(t3 - t2); timings.agree.push(t4 - t3); timings.masked.push(t5 - t4); timings.total.push(t5 - t1b + t1 - t0);
  }
  console.log(`  ${label}: key pairs ${median(timings.keys).toFixed(1)} ms | Shamir + ${peerCount} seals (the ${2 * peerCount} ECDH started beside them) ${median(timings.shares).toFixed(1)} ms | ${peerCount} opens ${median(timings.open).toFixed(1)} ms | mask agreements left to wait for ${median(timings.agree).toFixed(1)} ms | masked input (wasm) ${median(timings.masked).toFixed(1)} ms (CPU ${median(timings.maskedCpu).toFixed(1)} ms)`);
  console.log(`    secure aggregation on top of the update: ${median(timings.total).toFixed(1)} ms per round (aim <= 200 ms); CPU of Shamir + seals + opens + agreements (every thread): ${median(timings.cryptoCpu).toFixed(1)} ms`);
}
{
  // Where the masked input's time goes: quantization alone, + the discrete Gaussian, + one mask stream.
  // CPU time of this process (the machine is shared: wall time carries the other sessions' load).
  const time = (f) => median(Array.from({ length: REPS }, () => { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; }));
  const quantize = time(() => core.secaggQuantize(x, JSON.stringify(params(cohort, { noise_variance: 0 })), randomBytes(32)));
  const noised = time(() => core.secaggQuantize(x, JSON.stringify(p100), randomBytes(32)));
  const oneMask = time(() => core.secaggMaskValues(x, JSON.stringify(p100), 1, randomBytes(32), randomBytes(32), Uint32Array.of(2), randomBytes(32)));
  const noMask = time(() => core.secaggMaskValues(x, JSON.stringify(p100), 1, randomBytes(32), randomBytes(32), new Uint32Array(0), new Uint8Array(0)));
  console.log(`  masked input, by part (CPU ms): quantize + rotate + round ${quantize.toFixed(1)} ms | discrete Gaussian ${(noised - quantize).toFixed(1)} ms | self mask + packing ${(noMask - noised).toFixed(1)} ms | one pairwise mask stream (${p100.length} words) ${(oneMask - noMask).toFixed(1)} ms`);
}

// ---- 3. server unmask, 1000 devices, 10% dropped after sharing ----
// Every step the server runs, measured: the masked inputs are copies of one real input re-addressed
// per sender (their content does not change the work), the secrets random (the sum is then noise).
}
if (SECTIONS.has(3)) {
console.log('\n3. server time to unmask 1000 devices with 10% dropouts (one process, streaming unmasker)');
{
  const n = 1000;
  const k = degree(n);
  const tk = neighbourhoodThreshold(k);
  const p = { ...params(n), neighbours: k };
  const layout = core.secaggLayout(JSON.stringify(p));
  const one = core.secaggMaskValues(values(5), JSON.stringify(p), 1, randomBytes(32), randomBytes(32), new Uint32Array(0), new Uint8Array(0)).masked;
  const graph = core.secaggNeighbours(n, k, randomBytes(32));
  const dropped = new Set();
  while (dropped.size < n / 10) dropped.add(1 + Math.floor(Math.random() * n));
  const keys = await Promise.all(Array.from({ length: n }, () => generateKeyPair('X25519', true)));
  const shares = core.secaggShamirSplit(randomBytes(32), Uint32Array.from({ length: k + 1 }, (_, i) => i + 1), tk, randomBytes(32)).shares.subarray(0, 45 * tk);
  const t0 = performance.now();
  const stream = new core.SecAggStream();
  stream.open(JSON.stringify(p));
  const input = one.slice();
  const view = new DataView(input.buffer);
  let shamir = 0, ecdh = 0, corrections = 0, addCpu = 0, correctionCpu = 0;
  for (let u = 1; u <= n; u++) {
    if (dropped.has(u)) continue;
    const s0 = performance.now();
    core.secaggShamirCombine(shares, tk);
    shamir += performance.now() - s0;
    view.setUint32(16, u, true);
    const c0 = process.cpuUsage();
    stream.addMasked(input, randomBytes(32));
    const c = process.cpuUsage(c0);
    addCpu += (c.user + c.system) / 1000;
  }
  const t1 = performance.now();
  for (const v of dropped) {
    const s0 = performance.now();
    core.secaggShamirCombine(shares, tk);
    shamir += performance.now() - s0;
    for (const w of graph.neighbours.subarray((v - 1) * graph.degree, v * graph.degree)) {
      if (dropped.has(w + 1)) continue;
      const e0 = performance.now();
      const secret = await sharedSecret('X25519', keys[v - 1].privateKey, keys[w].publicRaw);
      ecdh += performance.now() - e0;
      const c0 = process.cpuUsage();
      stream.addCorrection(w + 1, v, secret);
      const c = process.cpuUsage(c0);
      correctionCpu += (c.user + c.system) / 1000;
      corrections++;
    }
  }
  const sum = stream.finish();
  stream.delete();
  const t2 = performance.now();
  const total = (t2 - t0) / 1000;
  console.log(`  k = ${k} neighbours, t_k = ${tk}; ${n - dropped.size} masked inputs (${layout.maskedBytes} B each) + ${corrections} pair corrections`);
  console.log(`  masked inputs (unpack + sum + self mask + Shamir): ${((t1 - t0) / 1000).toFixed(1)} s | corrections (Shamir + ECDH + mask streams): ${((t2 - t1) / 1000).toFixed(1)} s, of which ECDH ${(ecdh / 1000).toFixed(1)} s; Shamir in all ${(shamir / 1000).toFixed(1)} s`);
  console.log(`  one masked input into the sum (unpack + add + its self-mask stream), CPU: ${(addCpu / (n - dropped.size)).toFixed(2)} ms; one pair correction (one mask stream), CPU: ${(correctionCpu / corrections).toFixed(2)} ms: the difference is the unpacking`);
  console.log(`  total unmasking: ${total.toFixed(1)} s (measured)`);
  const perCorrection = (t2 - t1 - ecdh) / corrections;
  const complete = (t1 - t0) + (perCorrection + ecdh / corrections) * dropped.size * (n - dropped.size);
  console.log(`  the complete graph would need ${dropped.size} x ${n - dropped.size} corrections: ~${(complete / 1000).toFixed(0)} s at the per-correction cost above`);
  const b0 = performance.now();
  const plain = new Float64Array(LENGTH);
  const v = values(3);
  for (let s = 0; s < 20; s++) for (let i = 0; i < LENGTH; i++) plain[i] += v[i];
  const perPlain = (performance.now() - b0) / 20;
  console.log(`  baseline: summing plain decoded updates, ${perPlain.toFixed(2)} ms each x ${n - dropped.size} = ${(perPlain * (n - dropped.size) / 1000).toFixed(1)} s`);
}
}

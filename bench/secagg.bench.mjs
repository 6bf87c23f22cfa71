// Secure aggregation figures, each beside its baseline:
//   1. bytes one device sends per round (keys, sealed shares, masked input, unmask answer) for
//      cohorts of 10, 100 and 1000 at 5k x 64, against today's plain int8 payload and against the
//      unmasked quantized vector at the same k (Bonawitz et al.'s expansion measure);
//   2. device time of one round in a 100-device cohort: WebCrypto (keys, 99 ECDH agreements for
//      the shares and 99 for the masks, 99 AES-GCM seals and opens), Shamir in wasm, and the masked
//      input (quantize + rotate + noise + 99 pairwise masks + self mask) in wasm, against today's
//      plain update cost (the int8 payload encode of the same vector);
//   3. server time to unmask a 1000-device cohort with 10% dropouts (one process), against summing
//      1000 plain payloads.
// Usage: node bench/secagg.bench.mjs [--rows 5000] [--dim 64] [--reps 3]
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { loadCore } from '../js/server/core.js';
import { b64url, generateKeyPair, openShare, privateScalar, randomBytes, sealShare, sharedSecret } from '../js/federated/secagg-crypto.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (v.startsWith('--') ? [...acc, [v.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 5000);
const DIM = Number(args.dim ?? 64);
const REPS = Number(args.reps ?? 3);
const LENGTH = ROWS * DIM;
const core = await loadCore();

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
console.log('\n1. bytes one device sends per round');
console.log('cohort | k  | masked input | keys+shares+unmask (JSON) | total     | vs plain int8 (' + plainInt8Bytes + ') | vs unmasked k-bit vector');
for (const cohort of [10, 100, 1000]) {
  const p = params(cohort);
  const layout = core.secaggLayout(JSON.stringify(p));
  const sealed = 12 + 90 + 16;
  const keyMsg = JSON.stringify({ curve: 'X25519', mask_pk: b64url(new Uint8Array(32)), enc_pk: b64url(new Uint8Array(32)) }).length;
  const shareMsg = JSON.stringify({ shares: Array.from({ length: cohort - 1 }, (_, i) => ({ to: i + 2, ciphertext: b64url(new Uint8Array(sealed)) })) }).length;
  const unmaskMsg = JSON.stringify({ self_shares: Array.from({ length: cohort }, (_, i) => ({ of: i + 1, share: b64url(new Uint8Array(45)) })), key_shares: [] }).length;
  const side = keyMsg + shareMsg + unmaskMsg;
  const total = layout.maskedBytes + side;
  const unmasked = Math.ceil(layout.padded * layout.bits / 8);
  console.log(`${String(cohort).padStart(6)} | ${String(layout.bits).padStart(2)} | ${String(layout.maskedBytes).padStart(12)} | ${String(side).padStart(25)} | ${String(total).padStart(9)} | ${(total / plainInt8Bytes).toFixed(2).padStart(5)}x${' '.repeat(21)} | ${(total / unmasked).toFixed(3)}x`);
}

// ---- 2. device time, cohort of 100 ----
console.log('\n2. device time per round, cohort of 100 (WebCrypto in Node + the wasm core), median of', REPS);
const cohort = 100;
const p100 = params(cohort);
const peers = await Promise.all(Array.from({ length: cohort - 1 }, async () => ({ mask: await generateKeyPair('X25519', true), enc: await generateKeyPair('X25519', false) })));
const x = values(7);
const timings = { keys: [], shares: [], open: [], agree: [], masked: [], total: [], plain: [] };
for (let rep = 0; rep < REPS; rep++) {
  const t0 = performance.now();
  const mask = await generateKeyPair('X25519', true);
  const enc = await generateKeyPair('X25519', false);
  const t1 = performance.now();
  const xs = Uint32Array.from({ length: cohort }, (_, i) => i + 1);
  const selfSeed = randomBytes(32);
  const seedShares = core.secaggShamirSplit(selfSeed, xs, p100.threshold, randomBytes(32)).shares;
  const keyShares = core.secaggShamirSplit(await privateScalar(mask.privateKey), xs, p100.threshold, randomBytes(32)).shares;
  const sealedAll = [];
  for (let i = 0; i < cohort - 1; i++) {
    const plaintext = new Uint8Array(90);
    plaintext.set(seedShares.subarray(45 * (i + 1), 45 * (i + 2)));
    plaintext.set(keyShares.subarray(45 * (i + 1), 45 * (i + 2)), 45);
    sealedAll.push(await sealShare({ curve: 'X25519', privateKey: enc.privateKey, peerPublicRaw: peers[i].enc.publicRaw, roundId: 1, from: 1, to: i + 2, plaintext }));
  }
  const t2 = performance.now();
  // Opening 99 inbound shares costs the same ECDH + AES-GCM as sealing them (stand-in: the peers' own).
  for (let i = 0; i < cohort - 1; i++) {
    await openShare({ curve: 'X25519', privateKey: peers[i].enc.privateKey, peerPublicRaw: enc.publicRaw, roundId: 1, from: 1, to: i + 2, ciphertext: sealedAll[i] });
  }
  const t3 = performance.now();
  const secrets = new Uint8Array(32 * (cohort - 1));
  for (let i = 0; i < cohort - 1; i++) secrets.set(await sharedSecret('X25519', mask.privateKey, peers[i].mask.publicRaw), 32 * i);
  const t4 = performance.now();
  const out = core.secaggMaskValues(x, JSON.stringify(p100), 1, randomBytes(32), selfSeed, Uint32Array.from({ length: cohort - 1 }, (_, i) => i + 2), secrets);
  if (out.zxError) throw new Error(out.zxError.message);
  const t5 = performance.now();
  timings.keys.push(t1 - t0); timings.shares.push(t2 - t1); timings.open.push(t3 - t2); timings.agree.push(t4 - t3); timings.masked.push(t5 - t4); timings.total.push(t5 - t0);
}
console.log(`  key pairs ${median(timings.keys).toFixed(1)} ms | Shamir + 99 seals ${median(timings.shares).toFixed(1)} ms | 99 opens ${median(timings.open).toFixed(1)} ms | 99 mask agreements ${median(timings.agree).toFixed(1)} ms | masked input (wasm) ${median(timings.masked).toFixed(1)} ms`);
console.log(`  secure aggregation on top of the update: ${median(timings.total).toFixed(1)} ms per round (aim <= 200 ms)`);
{
  const q = params(cohort, { noise_variance: 0 });
  const t0 = performance.now();
  for (let rep = 0; rep < REPS; rep++) core.secaggQuantize(x, JSON.stringify(q), randomBytes(32));
  console.log(`  of which quantize + rotate without noise: ${((performance.now() - t0) / REPS).toFixed(1)} ms; with the discrete Gaussian: see masked input above`);
}

// ---- 3. server unmask, 1000 devices, 10% dropped after sharing ----
// Measured per unit and scaled: 900 masked inputs of 5k x 64 would be ~0.75 GB in one wasm call.
console.log('\n3. server time to unmask 1000 devices with 10% dropouts (one process; per-unit costs measured, then scaled)');
{
  const n = 1000;
  const dropped = 100;
  const survivors = n - dropped;
  const p = params(n);
  const layout = core.secaggLayout(JSON.stringify(p));
  const batch = 50;
  // Masked inputs are opaque to the server: one real masked input, re-addressed per sender.
  const one = core.secaggMaskValues(values(5), JSON.stringify(p), 1, randomBytes(32), randomBytes(32), new Uint32Array(0), new Uint8Array(0)).masked;
  const masked = new Uint8Array(batch * layout.maskedBytes);
  for (let s = 0; s < batch; s++) {
    masked.set(one, s * layout.maskedBytes);
    new DataView(masked.buffer, s * layout.maskedBytes).setUint32(16, s + 1, true);
  }
  const seeds = randomBytes(32 * batch);
  const run = (corrections) => {
    const t0 = performance.now();
    const result = core.secaggUnmask(JSON.stringify({ ...p, threshold: Math.min(p.threshold, batch) }), masked, batch, seeds,
      Uint32Array.from({ length: corrections }, (_, i) => (i % batch) + 1),
      Uint32Array.from({ length: corrections }, (_, i) => n - Math.floor(i / batch)),
      randomBytes(32 * corrections));
    if (result.zxError) throw new Error(result.zxError.message);
    return performance.now() - t0;
  };
  const base = median(Array.from({ length: REPS }, () => run(0)));
  const withCorrections = median(Array.from({ length: REPS }, () => run(batch)));
  const perInput = base / batch;
  const perCorrection = (withCorrections - base) / batch;
  const dropKey = await generateKeyPair('X25519', true);
  const survivorKey = await generateKeyPair('X25519', false);
  const e0 = performance.now();
  for (let i = 0; i < 200; i++) await sharedSecret('X25519', dropKey.privateKey, survivorKey.publicRaw);
  const ecdhMs = (performance.now() - e0) / 200;
  const shares = core.secaggShamirSplit(randomBytes(32), Uint32Array.from({ length: n }, (_, i) => i + 1), p.threshold, randomBytes(32)).shares;
  const c0 = performance.now();
  for (let i = 0; i < 3; i++) core.secaggShamirCombine(shares.subarray(0, 45 * p.threshold), p.threshold);
  const combineMs = (performance.now() - c0) / 3;
  const corrections = dropped * survivors;
  const total = perInput * survivors + perCorrection * corrections + ecdhMs * corrections + combineMs * n;
  console.log(`  per masked input (sum + self mask + decode share): ${perInput.toFixed(2)} ms   x ${survivors} = ${(perInput * survivors / 1000).toFixed(1)} s`);
  console.log(`  per pair correction (PRG stream of ${layout.padded} words): ${perCorrection.toFixed(2)} ms   x ${corrections} = ${(perCorrection * corrections / 1000).toFixed(1)} s`);
  console.log(`  per ECDH (X25519, WebCrypto): ${ecdhMs.toFixed(3)} ms   x ${corrections} = ${(ecdhMs * corrections / 1000).toFixed(1)} s`);
  console.log(`  per Shamir reconstruction (t = ${p.threshold}): ${combineMs.toFixed(1)} ms   x ${n} = ${(combineMs * n / 1000).toFixed(1)} s`);
  console.log(`  total (Bonawitz, complete graph): ~${(total / 1000).toFixed(1)} s; with SecAgg+ (k = ${Math.ceil(3 * Math.log2(n))} neighbours) the corrections would be ${dropped} x ~${Math.ceil(3 * Math.log2(n) * survivors / n)}: ~${((perInput * survivors + (perCorrection + ecdhMs) * dropped * Math.ceil(3 * Math.log2(n) * survivors / n) + combineMs * n) / 1000).toFixed(1)} s`);
  const t2 = performance.now();
  const sum = new Float64Array(LENGTH);
  const v = values(3);
  for (let s = 0; s < batch; s++) for (let i = 0; i < LENGTH; i++) sum[i] += v[i];
  console.log(`  baseline: summing plain decoded updates, ${((performance.now() - t2) / batch).toFixed(2)} ms each x ${survivors} = ${((performance.now() - t2) / batch * survivors / 1000).toFixed(1)} s`);
}

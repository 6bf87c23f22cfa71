// THE ATTACK on a metrics round, played by the server: from everything one device sends in the
// round (its keys, its sealed shares, its masked input, its unmask answer: what the server
// receives and stores), read that device's day. The masked input decoded as if it were the
// device's vector (secaggDecodeMasked: what anyone holding it alone can compute) is compared with
// the device's true normalized vector; the same decoding of the unmasked quantization recovers
// the vector (the attack is real), of the masked input it is at chance, and the masked input's
// coordinates are uniform whether the device had a heavy day or an empty one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendSecureMetrics } from '../../js/federated/secagg-metrics.js';
import { deviceWithDay, metricsFile, metricsServer, today } from './metrics-secure-helpers.js';

const FAST = { pollMs: 30, minCohort: 3 };

function correlation(a, b) {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i] / n; mb += b[i] / n; }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) ** 2; bb += (b[i] - mb) ** 2; }
  return ab / Math.sqrt(aa * bb);
}

// Pearson chi-square of the coordinates' top 3 bits against uniform (8 bins; 7 degrees of freedom:
// the 99.9% quantile is 24.3).
function chiSquareTopBits(masked, bits) {
  const count = new DataView(masked.buffer, masked.byteOffset).getUint32(20, true);
  const bins = new Array(8).fill(0);
  let bit = 24 * 8;
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let b = 0; b < bits; b++, bit++) v |= ((masked[bit >> 3] >> (bit & 7)) & 1) << b;
    bins[(v >>> (bits - 3)) & 7]++;
  }
  const expected = count / 8;
  return bins.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

/** One round of `others` honest devices plus the target; returns what the target sent, its vector and the params. */
async function roundWithTarget(file, targetDay) {
  const { server, url } = await metricsServer({ file, cohort: 4 });
  const devices = [];
  try {
    for (let i = 0; i < 3; i++) devices.push(await deviceWithDay(i, { file, renders: 1, clicks: 1 }));
    const target = await deviceWithDay(9, { file, ...targetDay });
    devices.push(target);
    const sent = [];
    let params = null;
    let vector = null;
    const watching = async (u, init = {}) => {
      if (init.body !== undefined) sent.push({ url: String(u), body: init.body });
      const response = await fetch(u, init);
      if (String(u).endsWith('/state')) {
        const state = await response.clone().json();
        params ??= state.params ?? null;
      }
      return response;
    };
    const report = target.experiments.report(today() - 1);
    const results = await Promise.all([
      sendSecureMetrics({ core: target._core, federated: target.federated, server: url, report, file, fetch: watching, policy: FAST, onVector: (v) => { vector = v; } }),
      ...devices.slice(0, 3).map((d) => d.experiments.send({ server: url, policy: FAST })),
    ]);
    assert.equal(results[0].status, 'completed');
    return { sent, params, vector, report, core: target._core };
  } finally {
    for (const d of devices) d.dispose();
    await server.close();
  }
}

test('the server\'s view of one device\'s masked metrics does not reveal its day', async () => {
  const file = metricsFile({ noise: 1 });
  const heavy = await roundWithTarget(file, { renders: 6, clicks: 4, purchases: 3, price: 1500 });
  const empty = await roundWithTarget(file, { renders: 1, clicks: 0 });
  for (const run of [heavy, empty]) {
    const masked = run.sent.filter((s) => s.url.endsWith('/masked'));
    assert.equal(masked.length, 1, 'one masked input');
    const bytes = new Uint8Array(masked[0].body);
    // Every other body is JSON of the protocol's own fields: keys, sealed shares, shares of others.
    for (const s of run.sent.filter((x) => !x.url.endsWith('/masked'))) {
      const body = JSON.parse(typeof s.body === 'string' ? s.body : new TextDecoder().decode(s.body));
      assert.ok(['curve,enc_pk,mask_pk', 'shares', 'key_shares,self_shares'].includes(Object.keys(body).sort().join(',')), Object.keys(body).join(','));
    }
    const layout = run.core.secaggLayout(JSON.stringify(run.params));
    const chi = chiSquareTopBits(bytes, layout.bits);
    assert.ok(chi < 24.3, `masked coordinates uniform (chi-square ${chi.toFixed(1)})`);
    const decoded = run.core.secaggDecodeMasked(JSON.stringify(run.params), bytes).values;
    const seen = correlation(decoded, run.vector);
    assert.ok(Math.abs(seen) < 0.3, `the masked input decoded correlates ${seen.toFixed(3)} with the day`);
  }
  // The attack is real: the same decoding of the device's quantized vector without masks and
  // without its noise share (a plaintext upload) recovers the heavy day.
  const noiseless = JSON.stringify({ ...heavy.params, noise_variance: 0 });
  const plain = heavy.core.secaggQuantize(heavy.vector, noiseless, crypto.getRandomValues(new Uint8Array(32))).coords;
  const layout = heavy.core.secaggLayout(noiseless);
  const header = new Uint8Array(24 + Math.ceil((plain.length * layout.bits) / 8));
  header.set([0x5a, 0x58, 0x53, 0x4d, 1, layout.bits]);
  const view = new DataView(header.buffer);
  view.setBigUint64(8, BigInt(heavy.params.round_id), true);
  view.setUint32(16, 1, true);
  view.setUint32(20, plain.length, true);
  let bit = 24 * 8;
  for (const v of plain) for (let b = 0; b < layout.bits; b++, bit++) if ((v >>> b) & 1) header[bit >> 3] |= 1 << (bit & 7);
  const recovered = heavy.core.secaggDecodeMasked(noiseless, header).values;
  assert.ok(correlation(recovered, heavy.vector) > 0.99, 'without masks the day is read off');
});
